-- Released shares still waiting after $days days, with their 95 % interval and status, for the
-- given periods, areas and groups.
select period, area, grp, stage, estimate, lower, upper, status
from rel_stage_shares
where days = $days
    and list_contains($periods, period)
    and list_contains($areas, area)
    and list_contains($groups, grp)
