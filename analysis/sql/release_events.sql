-- Events of the reform and the initiative package, for time axes.
select event_id, event_date, label_da, date_precision from rel_events order by event_date
