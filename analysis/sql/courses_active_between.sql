-- Courses active at some point between $start and $end (on one day when $start = $end),
-- per region; the national figure is their sum.
with courses as (
    select region_code, course_start_date, course_end_date from fct_cases
    where course_start_date is not null
),

final as (
    select region_code, count(*) as courses_active
    from courses
    where course_start_date <= $end
      and (course_end_date is null or course_end_date >= $start)
    group by region_code
)

select * from final order by region_code
