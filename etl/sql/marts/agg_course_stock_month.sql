-- Ressourceforløb per municipality and month: active on the month's last day, started and
-- ended in the month. Active = started on or before that day and not ended before it.
with courses as (
    select municipality_code, region_code, course_start_date, course_end_date
    from fct_cases
    where course_start_date is not null
),

bounds as (
    select
        date_trunc('month', min(course_start_date))::date as first_month,
        date_trunc('month', max(greatest(course_start_date, coalesce(course_end_date, course_start_date))))::date as last_month
    from courses
),

months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month_start
    from bounds
),

municipalities as (
    select code as municipality_code, region_code from ref_municipality
),

starts as (
    select municipality_code, date_trunc('month', course_start_date)::date as month_start, count(*) as n
    from courses group by all
),

-- A course that ends on day d is still active on d; it leaves the stock the day after.
leaves as (
    select municipality_code, date_trunc('month', course_end_date + 1)::date as month_start, count(*) as n
    from courses where course_end_date is not null group by all
),

ends as (
    select municipality_code, date_trunc('month', course_end_date)::date as month_start, count(*) as n
    from courses where course_end_date is not null group by all
),

grid as (
    select municipalities.municipality_code, municipalities.region_code, months.month_start
    from municipalities cross join months
),

flows as (
    select
        grid.municipality_code,
        grid.region_code,
        grid.month_start,
        coalesce(starts.n, 0) as courses_started,
        coalesce(ends.n, 0) as courses_ended,
        coalesce(leaves.n, 0) as courses_left
    from grid
    left join starts using (municipality_code, month_start)
    left join ends using (municipality_code, month_start)
    left join leaves using (municipality_code, month_start)
),

final as (
    select
        municipality_code,
        region_code,
        month_start,
        last_day(month_start) as month_end,
        courses_started,
        courses_ended,
        (sum(courses_started - courses_left) over (
            partition by municipality_code order by month_start
            rows between unbounded preceding and current row
        ))::bigint as courses_active
    from flows
)

select * from final order by month_start, municipality_code
