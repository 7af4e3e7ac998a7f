-- The span of the pool Bedre ressourceforløb: the earliest grant period's start and the latest
-- grant period's end (public decisions about municipalities, no persons).
with grants as (
    select * from fct_pool_grants
),

final as (
    select min(period_start) as period_start, max(period_end) as period_end
    from grants
)

select * from final
