-- The published figures about the pool ($figure_ids), with their sources.
with figures as (
    select * from ref_published_figures
),

final as (
    select * from figures
    where list_contains($figure_ids, figure_id)
)

select * from final order by list_position($figure_ids, figure_id)
