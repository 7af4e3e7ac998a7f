-- Row rules of pilot requests: the case exists and is a ressourceforløb that runs on the
-- request date, the request lies in the pilot window ($pilot_start..$pilot_end), date order.
with requests as (
    select * from stg_pilot_requests
),

cases as (
    select case_id, decision, course_start_date, course_end_date from stg_cases
),

joined as (
    select
        requests.*,
        cases.case_id as found_case_id,
        cases.decision,
        cases.course_start_date,
        cases.course_end_date
    from requests
    left join cases on requests.case_id = cases.case_id
),

checks as (
    select _rec, 'case_id' as column_name, case_id as value, 'ref.case_missing' as rule
    from joined where case_id is not null and found_case_id is null
    union all
    select _rec, 'case_id', case_id, 'ref.case_not_course'
    from joined where found_case_id is not null and decision is distinct from 'resource_course'
    union all
    select _rec, 'request_date', cast(request_date as varchar), 'ref.outside_course'
    from joined
    where decision = 'resource_course'
      and (course_start_date is null or request_date < course_start_date or request_date > course_end_date)
    union all
    select _rec, 'request_date', cast(request_date as varchar), 'ref.outside_pilot'
    from joined where request_date < $pilot_start or request_date > $pilot_end
    union all
    select _rec, 'dialogue_date', cast(dialogue_date as varchar), 'order.dialogue'
    from joined where dialogue_date < request_date
    union all
    select _rec, 'advice_date', cast(advice_date as varchar), 'order.advice'
    from joined where advice_date < request_date
    union all
    select _rec, 'advice_outcome', null, 'when.advice_outcome'
    from joined
    where advice_date is not null and advice_outcome is null
      and _rec not in (select _rec from column_problems where column_name = 'advice_outcome')
),

final as (
    select * from checks
)

select * from final
