-- The span of the pool Bedre ressourceforløb (public decisions, no persons); no row without grants.
select period_start, period_end
from rel_pool_period
where period_start is not null
