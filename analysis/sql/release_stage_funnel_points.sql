-- The municipalities placed in the funnel of one stage and threshold, with their names.
select points.area, areas.name, points.cases, points.share, points.position
from rel_stage_funnel_points as points
join rel_areas as areas using (area)
where points.stage = $stage and points.days = $days
order by points.cases, points.area
