-- Row rules of pool grants: municipality code, positive grant, non-negative spending, period.
with grants as (
    select * from stg_pool_grants
),

checks as (
    select _rec, 'municipality_code' as column_name, cast(municipality_code as varchar) as value, 'value.municipality' as rule
    from grants where municipality_code not in (select code from ref_municipality)
    union all
    select _rec, 'granted_dkk', cast(granted_dkk as varchar), 'value.positive'
    from grants where granted_dkk <= 0
    union all
    select _rec, 'spent_dkk', cast(spent_dkk as varchar), 'value.non_negative'
    from grants where spent_dkk < 0
    union all
    select _rec, 'period_end', cast(period_end as varchar), 'order.period'
    from grants where period_end <= period_start
),

final as (
    select * from checks
)

select * from final
