-- Decisions after a team meeting per municipality, year of decision and type.
with cases as (
    select municipality_code, region_code, decision, decision_date
    from fct_cases
    where decision is not null and decision_date is not null
),

final as (
    select
        municipality_code,
        region_code,
        year(decision_date) as decision_year,
        decision,
        count(*) as decisions
    from cases
    group by all
)

select * from final order by decision_year, municipality_code, decision
