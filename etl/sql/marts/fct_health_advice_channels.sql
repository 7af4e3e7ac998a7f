-- Other health-advice channels per municipality, quarter and channel (empty when not loaded).
with channels as (
    select * from stg_health_advice_channels
),

municipalities as (
    select * from ref_municipality
),

final as (
    select
        channels.municipality_code,
        municipalities.region_code,
        channels.quarter,
        channels.quarter_start,
        channels.channel,
        channels."count" as n
    from channels
    inner join municipalities on channels.municipality_code = municipalities.code
)

select * from final order by quarter_start, municipality_code, channel
