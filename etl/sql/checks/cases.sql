-- Row rules of cases: date order, values required or allowed only with others.
-- Each branch returns the record, the column, the value and the rule broken.
with cases as (
    select * from stg_cases
),

checks as (
    select _rec, 'team_meeting_date' as column_name, cast(team_meeting_date as varchar) as value, 'order.team_meeting' as rule
    from cases where team_meeting_date < referral_date
    union all
    select _rec, 'decision', null, 'when.decision'
    from cases where decision_date is not null and decision is null and _rec not in (select _rec from column_problems where column_name = 'decision')
    union all
    select _rec, 'decision_date', cast(decision_date as varchar), 'order.decision'
    from cases where decision_date < team_meeting_date or decision_date < referral_date
    union all
    select _rec, 'course_start_date', cast(course_start_date as varchar), 'when.course_start'
    from cases where course_start_date is not null and decision is distinct from 'resource_course'
    union all
    select _rec, 'course_start_date', cast(course_start_date as varchar), 'order.course_start'
    from cases where course_start_date < decision_date
    union all
    select _rec, 'coordinator_assigned_date', cast(coordinator_assigned_date as varchar), 'order.coordinator'
    from cases where coordinator_assigned_date < referral_date
    union all
    select _rec, 'internship_start_date', cast(internship_start_date as varchar), 'when.internship_start'
    from cases where internship_start_date is not null and course_start_date is null
    union all
    select _rec, 'internship_start_date', cast(internship_start_date as varchar), 'order.internship'
    from cases where internship_start_date < course_start_date
    union all
    select _rec, 'internship_completed', cast(internship_completed as varchar), 'when.internship_completed'
    from cases where internship_completed is not null and internship_start_date is null
    union all
    select _rec, 'course_end_date', cast(course_end_date as varchar), 'when.course_end_start'
    from cases where course_end_date is not null and course_start_date is null
    union all
    select _rec, 'course_end_date', cast(course_end_date as varchar), 'order.course_end'
    from cases where course_end_date < course_start_date
    union all
    select _rec, 'end_reason', null, 'when.end_reason'
    from cases where course_end_date is not null and end_reason is null and _rec not in (select _rec from column_problems where column_name = 'end_reason')
),

final as (
    select * from checks
)

select * from final
