-- Row rules of pool grants: positive grant, non-negative spending, a period that ends after it starts.
with grants as (
    select * from stg_pool_grants
),

checks as (
    select _rec, 'granted_dkk' as column_name, cast(granted_dkk as varchar) as value, 'value.positive' as rule
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
