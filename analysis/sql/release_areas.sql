-- The areas of the release: the country, the regions and the municipalities.
select area, name, level, parent from rel_areas order by area
