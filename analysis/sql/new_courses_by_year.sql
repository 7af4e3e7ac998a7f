-- New ressourceforløb per calendar year of course start, with decisions of each type.
with decisions as (
    select * from agg_decisions_year
    where ($region is null or region_code = $region)
),

courses as (
    select year(course_start_date) as year, count(*) as new_courses
    from fct_cases
    where course_start_date is not null
      and ($region is null or region_code = $region)
    group by 1
),

by_type as (
    select
        decision_year as year,
        sum(decisions) filter (where decision = 'resource_course')::bigint as resource_course,
        sum(decisions) filter (where decision = 'flex_job')::bigint as flex_job,
        sum(decisions) filter (where decision = 'disability_pension')::bigint as disability_pension,
        sum(decisions) filter (where decision = 'other')::bigint as other,
        sum(decisions)::bigint as decisions
    from decisions
    group by 1
),

final as (
    select
        coalesce(courses.year, by_type.year) as year,
        coalesce(courses.new_courses, 0) as new_courses,
        coalesce(by_type.resource_course, 0) as resource_course,
        coalesce(by_type.flex_job, 0) as flex_job,
        coalesce(by_type.disability_pension, 0) as disability_pension,
        coalesce(by_type.other, 0) as other,
        coalesce(by_type.decisions, 0) as decisions
    from courses
    full join by_type on courses.year = by_type.year
)

select * from final order by year
