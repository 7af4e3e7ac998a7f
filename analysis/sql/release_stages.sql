-- The released stage table of case processing for the given periods, areas and groups
-- ($periods, $areas, $groups): counts (null where hidden) and duration statistics with status.
select *
from rel_stages
where list_contains($periods, period)
    and list_contains($areas, area)
    and list_contains($groups, grp)
