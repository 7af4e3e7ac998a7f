-- The five regions, from the project's reference file ($path).
with source as (
    select * from read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"',
        columns = {'dst_regionkode': 'VARCHAR', 'dagi_regionkode': 'VARCHAR',
                   'iso_3166_2': 'VARCHAR', 'region': 'VARCHAR'})
),

final as (
    select dst_regionkode as region_code, region as region_name, iso_3166_2 from source
)

select * from final order by region_code
