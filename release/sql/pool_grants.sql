-- Grants from the pool "Bedre ressourceforløb" per region: public decisions about
-- municipalities, not data about persons.
with grants as (
    select * from fct_pool_grants
),

final as (
    select
        region_code as area,
        count(*) as grants,
        count(distinct municipality_code) as municipalities,
        sum(granted_dkk)::bigint as granted_dkk,
        sum(spent_dkk)::bigint as spent_dkk
    from grants
    group by region_code
)

select * from final order by area
