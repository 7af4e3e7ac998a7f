-- Other health-advice channels per municipality, quarter and channel (the evaluation found
-- municipalities mostly used these instead of the pilot's right).
select municipality_code, region_code, quarter_start, channel, n
from fct_health_advice_channels
order by quarter_start, municipality_code, channel
