-- The released points of a survival curve ($measure) for one view, in order of days.
select days, waiting
from rel_curves
where measure = $measure and period = $period and area = $area and grp = $grp
order by days
