-- Pool grants as typed rows. No joins.
with source as (
    select rowid as _rec, * from raw_pool_grants
),

final as (
    select
        _rec,
        rf_clean(grant_id) as grant_id,
        rf_int(municipality_code) as municipality_code,
        cat_pool_grants_focus_area(focus_area) as focus_area,
        rf_clean(project_title) as project_title,
        rf_int(granted_dkk) as granted_dkk,
        rf_int(spent_dkk) as spent_dkk,
        rf_date(period_start) as period_start,
        rf_date(period_end) as period_end
    from source
)

select * from final
