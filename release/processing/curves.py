"""Survival curves of the stages and the distribution of closed durations, read off the shown
cells «closed within t days» of the curve views.

A point of a curve is a cell of the release: where the engine hides one, the step before it and
the step after it pool, so every step shown covers at least k closed cases or none (two shown
nested counts differ by 0 or at least k). A day is released only while at least k cases are
still waiting after it, so the curve ends there. The bins of the distribution are the differences
between consecutive shown days, and the tail beyond the last shown day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from release.context import Shown
from release.processing import stages
from release.processing.stages import LADDER, STAGES
from stats.survival import kaplan_meier, survival_at

if TYPE_CHECKING:
    from release.processing import Processing

CURVE_SCHEMA = {"period": pl.String, "area": pl.String, "grp": pl.String, "stage": pl.String, "days": pl.Int64,
                "waiting": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "closed_only": pl.Float64}
BIN_SCHEMA = {"period": pl.String, "area": pl.String, "grp": pl.String, "stage": pl.String,
              "from_day": pl.Int64, "to_day": pl.Int64, "closed": pl.Int64}


def build(theme: "Processing", shown: Shown) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The curves' points and the bins of every curve view and stage."""
    measure = "cases"
    points, bins = [], []
    for period, area, grp in theme.curve_views():
        view = theme.view_cases(period, area, grp)
        for stage in STAGES:
            keys = {name: stages.cell_group(grp, dims) for name, dims in stages.counts(stage).items()}
            if keys["cases"] is None or shown.shown(measure, period, area, keys["cases"]) is None:
                continue
            closed = shown.shown(measure, period, area, keys["closed"])
            days = [(t, shown.shown(measure, period, area, stages.within_group(grp, stage, t))) for t in LADDER
                    if shown.known(measure, period, area, stages.within_group(grp, stage, t))]
            durations, ended = stages.durations(view, stage)
            # The thresholds are released whatever waits after them (the shares over them): on the
            # curve, as on the ladder, a day counts only while at least k cases still wait after it.
            days = [(t, n) for t, n in days if n is not None and int((durations > t).sum()) >= theme.ctx.k]
            if not days:
                continue
            survival = kaplan_meier(durations, ended)
            base = (period, area, grp, stage)
            points.append((*base, 0, 1.0, 1.0, 1.0, 1.0 if closed else None))
            for t, n in days:
                at = survival_at(survival, t)
                points.append((*base, t, at.estimate, at.lower, at.upper, 1 - n / closed if closed else None))
            previous_day, previous = 0, 0
            for t, n in days:
                bins.append((*base, previous_day, t, n - previous))
                previous_day, previous = t + 1, n
            if closed is not None:
                bins.append((*base, previous_day, None, closed - previous))
    return (pl.DataFrame(points, schema=CURVE_SCHEMA, orient="row"),
            pl.DataFrame(bins, schema=BIN_SCHEMA, orient="row"))
