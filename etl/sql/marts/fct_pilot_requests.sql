-- One row per pilot request, linked to its case by surrogate key, with the case's
-- municipality, region, sex and age band for filtering.
with requests as (
    select * from stg_pilot_requests
),

case_keys as (
    select case_id, _rec + 1 as case_key from stg_cases
),

cases as (
    select case_key, municipality_code, region_code, sex, age_band, course_start_date from fct_cases
),

final as (
    select
        row_number() over (order by requests.request_date, cases.case_key, requests.request_id) as request_key,
        cases.case_key,
        cases.municipality_code,
        cases.region_code,
        cases.sex,
        cases.age_band,
        requests.request_date,
        requests.offer_type,
        requests.request_context,
        requests.dialogue_date,
        requests.advice_date,
        requests.advice_outcome,
        requests.days_request_to_dialogue,
        requests.days_request_to_advice,
        date_diff('day', cases.course_start_date, requests.request_date) as days_course_start_to_request
    from requests
    inner join case_keys on requests.case_id = case_keys.case_id
    inner join cases on case_keys.case_key = cases.case_key
)

select * from final order by request_key
