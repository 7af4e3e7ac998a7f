-- Grants from the pool "Bedre ressourceforløb", one row each (public decisions about
-- municipalities, no persons), with the names and the share of the grant spent (null: not reported).
with grants as (
    select * from fct_pool_grants
),

municipalities as (
    select code, name from ref_municipality
),

regions as (
    select region_code, region_name from ref_region
),

final as (
    select
        grants.municipality_code,
        municipalities.name as municipality_name,
        grants.region_code,
        regions.region_name,
        grants.focus_area,
        grants.project_title,
        grants.granted_dkk,
        grants.spent_dkk,
        grants.spent_dkk is not null as spent_reported,
        grants.spent_dkk / nullif(grants.granted_dkk, 0) as spent_share,
        grants.period_start,
        grants.period_end
    from grants
    inner join municipalities on grants.municipality_code = municipalities.code
    inner join regions on grants.region_code = regions.region_code
)

select * from final order by region_code, municipality_name, focus_area, period_start, project_title
