-- Surrogate keys for cases, so the published database never holds the ids as given.
-- Kept as a temporary table: it is the only place where id and key meet.
with cases as (
    select case_id, municipality_code, referral_date from stg_cases
),

final as (
    select
        case_id,
        row_number() over (order by municipality_code, referral_date, case_id) as case_key
    from cases
)

select * from final
