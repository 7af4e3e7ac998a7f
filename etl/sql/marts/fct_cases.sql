-- One row per case: surrogate key, region, typed dates, durations and period labels.
-- The surrogate key is the case's place in the file, so the ids as given are never stored.
with cases as (
    select * from stg_cases
),

regions as (
    select map(list(code), list(region_code)) as region_of from ref_municipality
),

final as (
    select
        cases._rec + 1 as case_key,
        cases.municipality_code,
        regions.region_of[cases.municipality_code] as region_code,
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
    -- One row of lookups: the cases keep their file order (no join, no sort of wide rows).
    from cases
    cross join regions
)

select * from final
