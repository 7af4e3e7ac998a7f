-- Grants from the pool "Bedre ressourceforløb": total granted and spent, municipalities.
with grants as (
    select * from fct_pool_grants
    where ($region is null or region_code = $region)
),

final as (
    select
        count(*) as grants,
        count(distinct municipality_code) as municipalities,
        coalesce(sum(granted_dkk), 0)::bigint as granted_dkk,
        sum(spent_dkk)::bigint as spent_dkk
    from grants
)

select * from final
