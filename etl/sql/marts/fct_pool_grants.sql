-- One row per grant from the pool "Bedre ressourceforløb", with the municipality's region.
with grants as (
    select * from stg_pool_grants
),

municipalities as (
    select * from ref_municipality
),

final as (
    select
        grants.grant_id,
        grants.municipality_code,
        municipalities.region_code,
        grants.focus_area,
        grants.project_title,
        grants.granted_dkk,
        grants.spent_dkk,
        grants.period_start,
        grants.period_end
    from grants
    inner join municipalities on grants.municipality_code = municipalities.code
)

select * from final order by period_start, municipality_code, grant_id
