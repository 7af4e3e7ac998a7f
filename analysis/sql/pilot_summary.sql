-- Pilot requests in the data, and how many municipalities had at least one.
with requests as (
    select * from fct_pilot_requests
    where ($region is null or region_code = $region)
),

final as (
    select
        count(*) as requests,
        count(distinct municipality_code) as municipalities,
        count(*) filter (where request_context = 'early_clarification') as early_clarification
    from requests
)

select * from final
