-- The days the release counts persons in a course on: the data's end and the published days.
select role, period from rel_stock_days
