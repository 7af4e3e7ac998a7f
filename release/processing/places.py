"""Where: the municipalities' funnel of each stage and threshold over the whole period.

A point is a municipality's share of its cases not closed within the threshold (open cases
count as not closed), against its number of cases, with exact binomial limits around the
country's share. Both counts of a point are shown cells; the limits are drawn over a grid whose
ends are round numbers around the shown municipalities (rules.funnel_span), so the grid reveals
no hidden municipality's cases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from release.areas import COUNTRY
from release.context import Shown
from release.disclosure import rules
from release.processing import stages
from release.processing.stages import STAGES, THRESHOLD_DAYS
from stats.funnel import binomial_funnel, binomial_position

if TYPE_CHECKING:
    from release.processing import Processing

LIMIT_SCHEMA = {"stage": pl.String, "days": pl.Int64, "exposure": pl.Float64, "lower_95": pl.Float64,
                "upper_95": pl.Float64, "lower_998": pl.Float64, "upper_998": pl.Float64}
POINT_SCHEMA = {"stage": pl.String, "days": pl.Int64, "area": pl.String, "cases": pl.Int64, "share": pl.Float64,
                "position": pl.String}
NATIONAL_SCHEMA = {"stage": pl.String, "days": pl.Int64, "period": pl.String, "share": pl.Float64,
                   "left_out": pl.Int64}


def funnels(theme: "Processing", shown: Shown) -> dict[str, pl.DataFrame]:
    """Limits, points and the national share of every stage and threshold."""
    measure, period = "cases", theme.whole.id
    municipalities = theme.ctx.areas.at("municipality")
    limits, points, national = [], [], []
    for stage in STAGES:
        cases_grp = stages.cell_group("", stages.counts(stage)["cases"])
        for days in THRESHOLD_DAYS:
            within_grp = stages.within_group("", stage, days)
            n, w = shown.shown(measure, period, COUNTRY, cases_grp), shown.shown(measure, period, COUNTRY, within_grp)
            found, left_out = [], 0
            for m in municipalities:
                cases = shown.shown(measure, period, m, cases_grp)
                within = shown.shown(measure, period, m, within_grp)
                if cases is not None and cases > 0 and within is not None:
                    found.append((m, cases, within))
                elif cases is None or cases > 0:
                    left_out += 1  # hidden: whether it has any cases at all is not told
            if not n or w is None or not found:
                national.append((stage, days, period, None, left_out))
                continue
            share = (n - w) / n
            national.append((stage, days, period, share, left_out))
            low, high = rules.funnel_span([c for _, c, _ in found])
            grid = binomial_funnel(share, [max(1, int(low)), int(high)])
            limits.extend(zip([stage] * len(grid.exposure), [days] * len(grid.exposure), grid.exposure,
                              grid.lower_95, grid.upper_95, grid.lower_998, grid.upper_998))
            points.extend((stage, days, m, c, (c - x) / c, binomial_position(c - x, c, share)) for m, c, x in found)
    return {
        "rel_stage_funnel_limits": pl.DataFrame(limits, schema=LIMIT_SCHEMA, orient="row"),
        "rel_stage_funnel_points": pl.DataFrame(points, schema=POINT_SCHEMA, orient="row"),
        "rel_stage_funnel_national": pl.DataFrame(national, schema=NATIONAL_SCHEMA, orient="row"),
    }
