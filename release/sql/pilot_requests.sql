-- One row per pilot request with the breakdowns the release counts by, and the days to advice
-- (or, for a request still open, the days it has waited by the data's end). No ids.
with requests as (
    select * from fct_pilot_requests
),

dataset as (
    select data_end_date from meta_dataset
),

final as (
    select
        year(requests.request_date)::varchar || 'K' || quarter(requests.request_date)::varchar as quarter,
        lpad(requests.municipality_code::varchar, 3, '0') as municipality,
        requests.sex,
        requests.age_band as age,
        requests.request_context as context,
        coalesce(requests.advice_outcome, 'open') as advice,
        case when requests.dialogue_date is null then 'no' else 'yes' end as dialogue,
        requests.offer_type as offer,
        requests.advice_date is not null as advised,
        coalesce(requests.days_request_to_advice,
                 date_diff('day', requests.request_date, dataset.data_end_date)) as days
    from requests
    cross join dataset
)

select * from final
