"""The per-view disclosure rules the processing and pool pages still use (issues 12 and 13 move
them onto the release and retire this module): primary suppression of a view's counts and
statistics, and the views one filter apart. The overview and the pilot read the release
(analysis/release.py); the types live in analysis/protected.py.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

import settings
from analysis.protected import NATIONAL, ProtectedTable, ProtectedValue

__all__ = ["NATIONAL", "in_view", "protect_count", "protect_statistic", "protect_table", "relaxed_views"]


def _small(n, k: int) -> bool:
    return n is not None and 0 < n < k


def protect_count(n: int | None, k: int = settings.K_ANONYMITY) -> ProtectedValue:
    """A count: hidden when 1..k-1."""
    hidden = _small(n, k)
    return ProtectedValue(None if hidden else n, hidden, n, k)


def protect_statistic(value: float | None, base: int | None, k: int = settings.K_ANONYMITY) -> ProtectedValue:
    """A rate, share, median or other statistic: hidden when computed from fewer than k persons."""
    hidden = base is not None and base < k and base > 0
    if base == 0:
        return ProtectedValue(None, False, 0, k)  # nothing to compute from: missing, not hidden
    return ProtectedValue(None if hidden else value, hidden, base, k)


def protect_table(
    frame: pl.DataFrame,
    counts: list[str] | tuple[str, ...] = (),
    statistics: dict[str, str] | None = None,
    k: int = settings.K_ANONYMITY,
) -> ProtectedTable:
    """Hide small counts, and statistics whose base column counts fewer than k persons.

    `statistics` maps a statistic column to the count column it was computed from.
    """
    statistics = statistics or {}
    hidden: dict[str, pl.Series] = {}
    for col in counts:
        hidden[col] = frame[col].is_between(1, k - 1).fill_null(False).alias(col)
    for col, base in statistics.items():
        hidden[col] = frame[base].is_between(1, k - 1).fill_null(False).alias(col)
    masked = frame.with_columns(
        pl.when(mask).then(None).otherwise(pl.col(col)).alias(col) for col, mask in hidden.items()
    )
    # A base of zero leaves a statistic undefined: missing, not hidden.
    masked = masked.with_columns(
        pl.when(pl.col(base) == 0).then(None).otherwise(pl.col(col)).alias(col) for col, base in statistics.items()
    )
    return ProtectedTable(masked, hidden, k)


def in_view(view, groups: tuple[str, ...], dated: str | None) -> pl.Expr:
    """The rows a filter view selects: `dated` in its period (None: rows without a date), its
    municipalities or else its region, and each set `groups` filter (a column of the same name)."""
    cond = pl.col(dated).is_between(view.start, view.end) if dated else pl.lit(True)
    if view.municipalities:
        cond &= pl.col("municipality_code").is_in(list(view.municipalities))
    elif view.region:
        cond &= pl.col("region_code") == view.region
    for group in groups:
        if getattr(view, group):
            cond &= pl.col(group) == getattr(view, group)
    return cond


def relaxed_views(view, window: tuple, groups: tuple[str, ...]) -> list:
    """The views that differ from a filter view by one filter left out: the period widened to
    `window`, one of the `groups` filters dropped, or the area widened (chosen municipalities to
    their region, a region to the whole country). Two such views shown one after the other would
    reveal their difference, so a view's count is hidden when that difference is small."""
    views = []
    if (view.start, view.end) != tuple(window):
        views.append(replace(view, start=window[0], end=window[1]))
    views.extend(replace(view, **{g: None}) for g in groups if getattr(view, g))
    if view.municipalities:
        views.append(replace(view, municipalities=()))
    elif view.region:
        views.append(replace(view, region=None))
    return views
