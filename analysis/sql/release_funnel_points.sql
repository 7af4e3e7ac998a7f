-- The units placed in the funnel ($measure, $period): their rate and position against the limits.
select area, rate, position
from rel_funnel_points
where measure = $measure and period = $period
