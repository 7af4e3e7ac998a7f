-- Courses active at some point between $start and $end (on one day when $start = $end).
with courses as (
    select course_start_date, course_end_date from fct_cases
    where course_start_date is not null
      and ($region is null or region_code = $region)
),

final as (
    select count(*) as courses_active
    from courses
    where course_start_date <= $end
      and (course_end_date is null or course_end_date >= $start)
)

select * from final
