-- New ressourceforløb per quarter of the course's start and municipality.
with courses as (
    select municipality_code, course_start_date from fct_cases where course_start_date is not null
),

final as (
    select
        year(course_start_date)::varchar || 'K' || quarter(course_start_date)::varchar as quarter,
        lpad(municipality_code::varchar, 3, '0') as municipality,
        count(*) as n
    from courses
    group by all
)

select * from final
