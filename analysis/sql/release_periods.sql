-- The released periods with their labels, roles and spans, in time order.
select period, label_da, kinds, start_date, end_date, quarters
from rel_periods
order by start_date, end_date
