-- Cases as typed rows: contract names, contract types, durations in days. No joins.
with source as (
    select rowid as _rec, * from raw_cases
),

final as (
    select
        _rec,
        rf_clean(case_id) as case_id,
        rf_int(municipality_code) as municipality_code,
        cat_cases_sex(sex) as sex,
        cat_cases_age_band(age_band) as age_band,
        rf_date(referral_date) as referral_date,
        rf_date(team_meeting_date) as team_meeting_date,
        cat_cases_decision(decision) as decision,
        rf_date(decision_date) as decision_date,
        rf_bool(citizen_involved) as citizen_involved,
        rf_date(course_start_date) as course_start_date,
        rf_date(coordinator_assigned_date) as coordinator_assigned_date,
        rf_date(internship_start_date) as internship_start_date,
        rf_bool(internship_completed) as internship_completed,
        rf_date(course_end_date) as course_end_date,
        cat_cases_end_reason(end_reason) as end_reason
    from source
)

select
    *,
    date_diff('day', referral_date, team_meeting_date) as days_referral_to_team_meeting,
    date_diff('day', team_meeting_date, decision_date) as days_team_meeting_to_decision,
    date_diff('day', referral_date, decision_date) as days_referral_to_decision,
    date_diff('day', decision_date, course_start_date) as days_decision_to_course_start,
    date_diff('day', decision_date, coordinator_assigned_date) as days_decision_to_coordinator,
    date_diff('day', course_start_date, internship_start_date) as days_course_start_to_internship,
    date_diff('day', course_start_date, course_end_date) as days_in_course
from final
