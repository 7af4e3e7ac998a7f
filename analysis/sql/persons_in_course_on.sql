-- Persons in a ressourceforløb on one day ($day), nationally or in one region.
with courses as (
    select course_start_date, course_end_date from fct_cases
    where course_start_date is not null
      and ($region is null or region_code = $region)
),

final as (
    select count(*) as persons_in_course
    from courses
    where course_start_date <= $day
      and (course_end_date is null or course_end_date >= $day)
)

select * from final
