-- Events of the reform and the initiative package, for time axes ($path).
with source as (
    select * from read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"',
        columns = {'event_id': 'VARCHAR', 'date': 'DATE', 'label_da': 'VARCHAR',
                   'label_en': 'VARCHAR', 'date_precision': 'VARCHAR'})
),

final as (
    select event_id, "date" as event_date, label_da, label_en, date_precision from source
)

select * from final order by event_date
