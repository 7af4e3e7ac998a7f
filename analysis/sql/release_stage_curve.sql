-- The released points of one stage's survival curve in one view, in order of days.
select days, waiting, lower, upper, closed_only
from rel_stage_curves
where period = $period and area = $area and grp = $grp and stage = $stage
order by days
