-- Released statistics of a duration ($measure) for one view: each with its status (shown, hidden,
-- missing).
select statistic, value, status
from rel_durations
where measure = $measure and period = $period and area = $area and grp = $grp
