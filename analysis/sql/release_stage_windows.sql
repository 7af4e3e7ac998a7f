-- The events with released windows of referral quarters before and after them.
select event_id, label_da, event_date, before, after
from rel_stage_windows
order by event_date, event_id
