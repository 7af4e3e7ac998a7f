-- Every view the release holds a stage table for, and whether it has curves.
select distinct
    stages.period,
    stages.area,
    stages.grp,
    exists (
        select 1 from rel_stage_curves as curves
        where curves.period = stages.period and curves.area = stages.area and curves.grp = stages.grp
    ) as has_curve
from rel_stages as stages
