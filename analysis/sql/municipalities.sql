-- The 98 municipalities with their regions.
select code as municipality_code, name, region_code from ref_municipality order by name
