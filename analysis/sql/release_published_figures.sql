-- Published figures with their sources.
select * from rel_published_figures order by period_start, figure_id
