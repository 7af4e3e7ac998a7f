-- The pool's released outcomes per referral quarter ($area; groups grant and other): counts
-- (null where hidden), shares with intervals and median days with status (release/pool).
select * from rel_pool_quarters where area = $area order by quarter_start, "group" desc
