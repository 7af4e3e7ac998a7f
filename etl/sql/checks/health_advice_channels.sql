-- Row rules of the other health-advice channels: counts not negative.
with channels as (
    select * from stg_health_advice_channels
),

checks as (
    select _rec, 'count' as column_name, cast("count" as varchar) as value, 'value.non_negative' as rule
    from channels where "count" < 0
),

final as (
    select * from checks
)

select * from final
