-- Released counts of units with at least one person ($measure) for the given views.
select period, area, grp, value, hidden
from rel_units
where measure = $measure
    and list_contains($periods, period)
    and list_contains($areas, area)
    and list_contains($groups, grp)
