-- Pilot requests with the case's area, sex and age band, the days to dialogue and advice,
-- and whether advice was given by the data's end (the rest are open). No ids.
with requests as (
    select * from fct_pilot_requests
),

dataset as (
    select data_end_date from meta_dataset
),

final as (
    select
        requests.request_key,
        requests.municipality_code,
        requests.region_code,
        requests.sex,
        requests.age_band,
        requests.request_date,
        date_trunc('quarter', requests.request_date)::date as quarter_start,
        requests.offer_type,
        requests.request_context,
        requests.dialogue_date is not null as had_dialogue,
        requests.advice_date is not null as had_advice,
        requests.advice_outcome,
        coalesce(requests.days_request_to_advice,
                 date_diff('day', requests.request_date, dataset.data_end_date)) as days_to_advice_or_end
    from requests
    cross join dataset
)

select * from final order by request_key
