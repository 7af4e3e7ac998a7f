-- Ressourceforløb active at some point between $start and $end, per municipality, sex and
-- age band: the denominator of the pilot's uptake for any filter.
with courses as (
    select municipality_code, region_code, sex, age_band, course_start_date, course_end_date
    from fct_cases
    where course_start_date is not null
),

final as (
    select municipality_code, region_code, sex, age_band, count(*) as courses
    from courses
    where course_start_date <= $end
      and (course_end_date is null or course_end_date >= $start)
    group by all
)

select * from final order by municipality_code, sex, age_band
