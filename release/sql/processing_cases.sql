-- One row per referred case with the breakdowns the release counts by and the days spent in each
-- stage of case processing (analysis of stages: release/processing/stages.py). A case still
-- waiting at the data's end is open and its days run to the data's end (censored); <stage>_days
-- is null for a case that never entered the stage. No ids.
with cases as (
    select * from fct_cases
),

dataset as (
    select data_end_date from meta_dataset
),

-- Municipalities with a grant from the pool Bedre ressourceforløb (public decisions).
grant_municipalities as (
    select distinct municipality_code from fct_pool_grants
),

entered as (
    select
        cases.*,
        dataset.data_end_date as data_end,
        true as in_referral,
        cases.team_meeting_date is not null as in_team_meeting,
        -- Only a decision on a ressourceforløb leads to a course start and a coordinating
        -- caseworker: cases with another decision never enter those stages.
        cases.decision = 'resource_course' and cases.decision_date is not null as in_course_decision,
        cases.decision = 'resource_course' and cases.decision_date is not null
            and cases.course_start_date is not null as in_course,
        -- The first internship must start while the course runs: a course that ended without one
        -- stops waiting (is censored) on its end date.
        cases.internship_start_date is not null
            and cases.internship_start_date <= coalesce(cases.course_end_date, dataset.data_end_date) as had_internship,
        grant_municipalities.municipality_code is not null as in_pool
    from cases
    cross join dataset
    left join grant_municipalities on grant_municipalities.municipality_code = cases.municipality_code
),

stages as (
    select
        municipality_code,
        region_code,
        sex,
        age_band,
        decision,
        referral_date,
        referral_quarter_start,
        in_pool,
        -- Prepared with the citizen: known for a case with its team meeting (a meeting without the
        -- answer counts as not prepared with the citizen, so the two add up to the meetings).
        case when team_meeting_date is not null then
            case when citizen_involved then 'yes' else 'no' end end as involved,
        case when in_course and had_internship then case when internship_completed then 'yes' else 'no' end end
            as completed,

        case when in_referral then
            date_diff('day', referral_date, coalesce(team_meeting_date, data_end)) end
            as referral_to_team_meeting_days,
        team_meeting_date is not null as referral_to_team_meeting_done,
        date_diff('day', referral_date, data_end) as referral_to_team_meeting_followup,

        case when in_team_meeting then
            date_diff('day', team_meeting_date, coalesce(decision_date, data_end)) end
            as team_meeting_to_decision_days,
        in_team_meeting and decision_date is not null as team_meeting_to_decision_done,
        date_diff('day', team_meeting_date, data_end) as team_meeting_to_decision_followup,

        case when in_referral then
            date_diff('day', referral_date, coalesce(decision_date, data_end)) end
            as referral_to_decision_days,
        decision_date is not null as referral_to_decision_done,
        date_diff('day', referral_date, data_end) as referral_to_decision_followup,

        case when in_course_decision then
            date_diff('day', decision_date, coalesce(course_start_date, data_end)) end
            as decision_to_course_start_days,
        in_course_decision and course_start_date is not null as decision_to_course_start_done,
        date_diff('day', decision_date, data_end) as decision_to_course_start_followup,

        -- A coordinator named before the decision was in place at the decision: 0 days, not fewer.
        case when in_course_decision then
            greatest(0, date_diff('day', decision_date, coalesce(coordinator_assigned_date, data_end))) end
            as decision_to_coordinator_days,
        in_course_decision and coordinator_assigned_date is not null as decision_to_coordinator_done,
        date_diff('day', decision_date, data_end) as decision_to_coordinator_followup,

        case when in_course then
            date_diff('day', course_start_date,
                      case when had_internship then internship_start_date
                           else coalesce(course_end_date, data_end) end) end
            as course_start_to_internship_days,
        in_course and had_internship as course_start_to_internship_done,
        date_diff('day', course_start_date, data_end) as course_start_to_internship_followup
    from entered
),

final as (
    select
        year(referral_date)::varchar || 'K' || quarter(referral_date)::varchar as quarter,
        lpad(municipality_code::varchar, 3, '0') as municipality,
        sex,
        age_band as age,
        case when referral_to_decision_done then decision else 'pending' end as case_decision,
        case when referral_to_team_meeting_done then 'yes' else 'no' end as meeting,
        case when decision_to_course_start_done then 'yes' else 'no' end as started,
        case when decision_to_coordinator_done then 'yes' else 'no' end as coordinator,
        case when course_start_to_internship_done then 'yes' else 'no' end as internship,
        case when in_pool then 'grant' else 'other' end as pool,
        involved,
        completed,
        referral_to_team_meeting_days,
        referral_to_team_meeting_done,
        team_meeting_to_decision_days,
        team_meeting_to_decision_done,
        referral_to_decision_days,
        referral_to_decision_done,
        decision_to_course_start_days,
        decision_to_course_start_done,
        decision_to_coordinator_days,
        decision_to_coordinator_done,
        course_start_to_internship_days,
        course_start_to_internship_done
    from stages
)

select * from final
