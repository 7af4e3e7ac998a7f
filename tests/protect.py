"""Protected values and tables for the UI tests: a count hidden when 1..k-1, a statistic hidden
on a base of 1..k-1 (what the release's cells and statistics look like to the pages)."""

from __future__ import annotations

import polars as pl

import settings
from analysis.protected import ProtectedTable, ProtectedValue


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
