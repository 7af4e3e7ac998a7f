-- The pool's released event study of one specification and outcome.
select * from rel_pool_event
where area = $area and focus = $focus and outcome = $outcome and months = $months
order by event
