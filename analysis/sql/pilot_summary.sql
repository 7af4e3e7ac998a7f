-- Pilot requests per region, and how many municipalities had at least one; the national
-- figures are their sums (a municipality lies in one region).
with requests as (
    select * from fct_pilot_requests
),

final as (
    select
        region_code,
        count(*) as requests,
        count(distinct municipality_code) as municipalities
    from requests
    group by region_code
)

select * from final order by region_code
