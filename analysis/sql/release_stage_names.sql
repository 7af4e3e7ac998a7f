-- The stages of case processing in order, with their Danish labels and what their days count from.
select stage, label_da, since_da
from rel_stage_names
order by position
