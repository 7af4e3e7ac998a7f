-- Other health-advice channels per municipality and quarter, typed. No joins.
with source as (
    select rowid as _rec, * from raw_health_advice_channels
),

final as (
    select
        _rec,
        rf_int(municipality_code) as municipality_code,
        rf_quarter(quarter) as quarter,
        cat_health_advice_channels_channel(channel) as channel,
        rf_int("count") as "count"
    from source
)

select *, rf_quarter_start(quarter) as quarter_start from final
