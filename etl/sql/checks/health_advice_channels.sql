-- Row rules of the other health-advice channels: municipality code, counts not negative.
with channels as (
    select * from stg_health_advice_channels
),

checks as (
    select _rec, 'municipality_code' as column_name, cast(municipality_code as varchar) as value, 'value.municipality' as rule
    from channels where municipality_code not in (select code from ref_municipality)
    union all
    select _rec, 'count', cast("count" as varchar), 'value.non_negative'
    from channels where "count" < 0
),

final as (
    select * from checks
)

select * from final
