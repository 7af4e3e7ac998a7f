-- Released rates and shares of one measure ($measure) for the given periods, areas and groups:
-- the estimate and its 95 % interval, or nothing where hidden.
select period, area, grp, estimate, lower, upper, hidden
from rel_estimates
where measure = $measure
    and list_contains($periods, period)
    and list_contains($areas, area)
    and list_contains($groups, grp)
