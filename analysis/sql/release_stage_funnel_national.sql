-- The country's share in the funnel of one stage and threshold, its period and the
-- municipalities left out.
select period, share, left_out
from rel_stage_funnel_national
where stage = $stage and days = $days
