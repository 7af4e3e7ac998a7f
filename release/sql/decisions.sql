-- Decisions after the rehabilitation team's meeting per quarter of the decision, municipality
-- and type.
with decisions as (
    select municipality_code, decision, decision_date from fct_cases
    where decision is not null and decision_date is not null
),

final as (
    select
        year(decision_date)::varchar || 'K' || quarter(decision_date)::varchar as quarter,
        lpad(municipality_code::varchar, 3, '0') as municipality,
        decision,
        count(*) as n
    from decisions
    group by all
)

select * from final
