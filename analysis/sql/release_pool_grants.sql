-- The released pool table rel_pool_grants (release/pool): read as published, nothing computed.
select * from rel_pool_grants
