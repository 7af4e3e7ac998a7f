-- The released bins of closed durations of one stage in one view, in order of days.
select from_day, to_day, closed
from rel_stage_bins
where period = $period and area = $area and grp = $grp and stage = $stage
order by from_day
