-- The released change in the share still waiting after $days days from one window to the next.
select estimate, lower, upper, hidden
from rel_stage_differences
where event_id = $event and area = $area and grp = $grp and stage = $stage and days = $days
