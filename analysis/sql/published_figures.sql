-- Published figures with their sources.
select * from ref_published_figures order by period_start, figure_id
