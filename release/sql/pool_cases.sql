-- One row per referred case for the pool's effects (release/pool/effects.py): municipality, its
-- earliest grant start (null: no grant), referral quarter and the outcomes. No ids; load side only.
with cases as (
    select * from fct_cases
),

dataset as (
    select data_end_date from meta_dataset
),

grant_starts as (
    select municipality_code, min(period_start) as grant_start
    from fct_pool_grants
    group by municipality_code
),

final as (
    select
        lpad(cases.municipality_code::varchar, 3, '0') as municipality,
        cases.region_code as region,
        cases.referral_quarter_start as quarter_start,
        cases.referral_date,
        grant_starts.grant_start,
        -- As the release's counts define it (release/sql/processing_cases.sql): known for a case
        -- with its team meeting, a meeting without the answer counting as not prepared with the citizen.
        case when cases.team_meeting_date is not null then coalesce(cases.citizen_involved, false) end
            as citizen_involved,
        cases.decision_date is not null as decided,
        -- Days to the decision, or to the data's end for a case still without one (censored).
        coalesce(
            cases.days_referral_to_decision,
            date_diff('day', cases.referral_date, dataset.data_end_date)
        ) as days_to_decision_or_end,
        cases.course_start_date,
        cases.internship_start_date
    from cases
    cross join dataset
    left join grant_starts on grant_starts.municipality_code = cases.municipality_code
)

select * from final
