-- Released cells of the given measures, periods, areas and groups ($measures, $periods, $areas,
-- $groups): the value, or null where the cell is hidden.
select measure, period, area, grp, value, hidden
from rel_cells
where released
    and list_contains($measures, measure)
    and list_contains($periods, period)
    and list_contains($areas, area)
    and list_contains($groups, grp)
