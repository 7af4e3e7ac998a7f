-- The pool's released price per extra outcome of one specification.
select * from rel_pool_costs where area = $area and focus = $focus order by outcome
