-- One row per case: surrogate key, region, typed dates, durations and period labels.
with cases as (
    select * from stg_cases
),

case_keys as (
    select * from int_case_keys
),

municipalities as (
    select * from ref_municipality
),

final as (
    select
        case_keys.case_key,
        cases.municipality_code,
        municipalities.region_code,
        cases.sex,
        cases.age_band,
        cases.referral_date,
        cases.team_meeting_date,
        cases.decision,
        cases.decision_date,
        cases.citizen_involved,
        cases.course_start_date,
        cases.coordinator_assigned_date,
        cases.internship_start_date,
        cases.internship_completed,
        cases.course_end_date,
        cases.end_reason,
        cases.days_referral_to_team_meeting,
        cases.days_team_meeting_to_decision,
        cases.days_referral_to_decision,
        cases.days_decision_to_course_start,
        cases.days_decision_to_coordinator,
        cases.days_course_start_to_internship,
        cases.days_in_course,
        year(cases.referral_date) as referral_year,
        date_trunc('quarter', cases.referral_date)::date as referral_quarter_start
    from cases
    inner join case_keys on cases.case_id = case_keys.case_id
    inner join municipalities on cases.municipality_code = municipalities.code
)

select * from final order by case_key
