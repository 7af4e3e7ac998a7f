-- Pilot requests as typed rows, with days from request to dialogue and to advice. No joins.
with source as (
    select rowid as _rec, * from raw_pilot_requests
),

final as (
    select
        _rec,
        rf_clean(request_id) as request_id,
        rf_clean(case_id) as case_id,
        rf_date(request_date) as request_date,
        cat_pilot_requests_offer_type(offer_type) as offer_type,
        cat_pilot_requests_request_context(request_context) as request_context,
        rf_date(dialogue_date) as dialogue_date,
        rf_date(advice_date) as advice_date,
        cat_pilot_requests_advice_outcome(advice_outcome) as advice_outcome
    from source
)

select
    *,
    date_diff('day', request_date, dialogue_date) as days_request_to_dialogue,
    date_diff('day', request_date, advice_date) as days_request_to_advice
from final
