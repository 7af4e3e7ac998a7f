-- The 98 municipalities and their regions, from the project's reference file ($path).
with source as (
    select * from read_csv($path, header = true, auto_detect = false, delim = ',', quote = '"',
        columns = {'kommunekode': 'INTEGER', 'kommune': 'VARCHAR', 'dst_regionkode': 'VARCHAR',
                   'dagi_regionkode': 'VARCHAR', 'iso_3166_2': 'VARCHAR', 'region': 'VARCHAR'})
),

final as (
    select
        kommunekode as code,
        kommune as name,
        dst_regionkode as region_code,
        region as region_name
    from source
)

select * from final order by code
