-- Persons in a ressourceforløb on the last day of each quarter up to the data's end,
-- nationally or in one region ($region NULL = all), with courses started in the quarter.
with stock as (
    select * from agg_course_stock_month
    where ($region is null or region_code = $region)
),

dataset as (
    select data_end_date from meta_dataset
),

final as (
    select
        date_trunc('quarter', month_start)::date as quarter_start,
        max(month_end) as quarter_end,
        (sum(courses_active) filter (where month(month_end) % 3 = 0))::bigint as persons_in_course,
        sum(courses_started)::bigint as courses_started
    from stock
    group by 1
    having max(month_end) <= (select data_end_date from dataset)
        and count(distinct month_start) = 3
)

select * from final order by quarter_start
