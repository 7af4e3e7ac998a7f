-- Persons in a ressourceforløb on the last day of each quarter up to the data's end, and
-- courses started in the quarter, per region; the national figures are their sums.
with stock as (
    select * from agg_course_stock_month
),

dataset as (
    select data_end_date from meta_dataset
),

final as (
    select
        region_code,
        date_trunc('quarter', month_start)::date as quarter_start,
        max(month_end) as quarter_end,
        (sum(courses_active) filter (where month(month_end) % 3 = 0))::bigint as persons_in_course,
        sum(courses_started)::bigint as courses_started
    from stock
    group by region_code, 2
    having max(month_end) <= (select data_end_date from dataset)
        and count(distinct month_start) = 3
)

select * from final order by quarter_start, region_code
