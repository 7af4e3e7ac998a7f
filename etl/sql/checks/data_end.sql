-- The latest date in the cases and the pilot requests: a declared data end before it is a
-- contradiction (the pages would show events after the data's end).
select greatest(
    (select max(greatest(referral_date, team_meeting_date, decision_date, course_start_date,
                         coordinator_assigned_date, internship_start_date, course_end_date))
     from stg_cases),
    (select max(greatest(request_date, dialogue_date, advice_date)) from stg_pilot_requests)
) as latest_date
