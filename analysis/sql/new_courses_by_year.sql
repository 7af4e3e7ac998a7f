-- New ressourceforløb per year of course start, and decisions of each type per year of
-- decision, per region; the national figures are their sums.
with decisions as (
    select * from agg_decisions_year
),

courses as (
    select region_code, year(course_start_date) as year, count(*) as new_courses
    from fct_cases
    where course_start_date is not null
    group by all
),

by_type as (
    select
        region_code,
        decision_year as year,
        sum(decisions) filter (where decision = 'resource_course')::bigint as resource_course,
        sum(decisions) filter (where decision = 'flex_job')::bigint as flex_job,
        sum(decisions) filter (where decision = 'disability_pension')::bigint as disability_pension,
        sum(decisions) filter (where decision = 'other')::bigint as other,
        sum(decisions)::bigint as decisions
    from decisions
    group by all
),

final as (
    select
        coalesce(courses.region_code, by_type.region_code) as region_code,
        coalesce(courses.year, by_type.year) as year,
        coalesce(courses.new_courses, 0) as new_courses,
        coalesce(by_type.resource_course, 0) as resource_course,
        coalesce(by_type.flex_job, 0) as flex_job,
        coalesce(by_type.disability_pension, 0) as disability_pension,
        coalesce(by_type.other, 0) as other,
        coalesce(by_type.decisions, 0) as decisions
    from courses
    full join by_type on courses.region_code = by_type.region_code and courses.year = by_type.year
)

select * from final order by year, region_code
