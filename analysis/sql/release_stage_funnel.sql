-- The funnel limits of one stage and threshold, over the exposure grid.
select exposure, lower_95, upper_95, lower_998, upper_998
from rel_stage_funnel_limits
where stage = $stage and days = $days
order by exposure
