-- Ressourceforløb active at some point in each period of release_periods (a day when start =
-- end), per municipality, sex and age band: a course counts when it started on or before the
-- period's last day and had not ended before its first.
with courses as (
    select municipality_code, sex, age_band, course_start_date, coalesce(course_end_date, date '9999-12-31') as course_end_date
    from fct_cases
    where course_start_date is not null
),

periods as (
    select period, start_date, end_date from release_periods
),

final as (
    select
        periods.period,
        lpad(courses.municipality_code::varchar, 3, '0') as municipality,
        courses.sex,
        courses.age_band as age,
        count(*) as n
    from courses
    inner join periods
        on courses.course_start_date <= periods.end_date
        and courses.course_end_date >= periods.start_date
    group by all
)

select * from final
