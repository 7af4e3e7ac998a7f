-- The specifications the release estimated the pool's effects for, and the areas with quarterly counts.
select distinct area, focus, 'effects' as kind from rel_pool_effects
union all
select distinct area, '' as focus, 'quarters' as kind from rel_pool_quarters
