-- The pool's released effects of one specification ($area, $focus: '' for all grants).
select * from rel_pool_effects where area = $area and focus = $focus order by outcome, months
