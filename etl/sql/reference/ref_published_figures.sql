-- Published figures with their sources, from the project's reference file ($path).
with source as (
    select * from read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {'figure_id': 'VARCHAR', 'label_da': 'VARCHAR', 'value': 'BIGINT',
                   'value_text_da': 'VARCHAR', 'unit': 'VARCHAR', 'period_da': 'VARCHAR',
                   'period_start': 'DATE', 'period_end': 'DATE', 'source_title': 'VARCHAR',
                   'source_site': 'VARCHAR'})
),

final as (
    select * from source
)

select * from final
