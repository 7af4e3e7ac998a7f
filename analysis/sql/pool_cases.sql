-- Cases for the pool page: area, referral quarter and the outcomes the page follows, with what
-- is still open at the data's end (no ids). The analysis groups them; pages never see them.
with cases as (
    select * from fct_cases
),

dataset as (
    select data_end_date from meta_dataset
),

final as (
    select
        cases.municipality_code,
        cases.region_code,
        cases.referral_date,
        cases.referral_quarter_start as quarter_start,
        -- Known once the team meeting is held; null while the case is still being prepared.
        cases.citizen_involved,
        cases.decision_date is not null as decided,
        -- Days to the decision, or to the data's end for a case still without one (censored).
        coalesce(
            cases.days_referral_to_decision,
            date_diff('day', cases.referral_date, dataset.data_end_date)
        ) as days_to_decision_or_end,
        cases.course_start_date,
        cases.internship_start_date,
        cases.internship_completed
    from cases
    cross join dataset
)

select * from final
