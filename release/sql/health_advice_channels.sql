-- The municipalities' other channels to health advice per quarter, municipality and channel.
with channels as (
    select municipality_code, quarter_start, channel, n from fct_health_advice_channels
),

final as (
    select
        year(quarter_start)::varchar || 'K' || quarter(quarter_start)::varchar as quarter,
        lpad(municipality_code::varchar, 3, '0') as municipality,
        channel,
        sum(n)::bigint as n
    from channels
    group by all
)

select * from final
