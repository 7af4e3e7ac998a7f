-- The funnel's limits ($measure, $period) over its grid.
select exposure, lower_95, upper_95, lower_998, upper_998
from rel_funnel_limits
where measure = $measure and period = $period
order by exposure
