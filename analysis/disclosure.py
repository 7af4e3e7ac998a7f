"""Disclosure control: the only way a number leaves the analysis layer.

Every figure meant for the screen or a download is wrapped in a protected type here. The ui
helpers accept nothing else, so a number that skipped this module cannot be shown.

Primary rule (Danish practice for published counts): a count from 1 to k-1 is hidden, and so
is every statistic computed from fewer than k persons. A true zero stays 0; a missing value
stays missing (it is not zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

import settings

HIDDEN_MARK = ".."

NOTE_SMALL_COUNT = (
    "«..» betyder, at tallet er skjult, fordi det bygger på færre end {k} personer "
    "(diskretionering, så ingen borger kan genkendes)."
)


def note(k: int) -> str:
    """The Danish footnote for hidden cells."""
    return NOTE_SMALL_COUNT.format(k=k)


@dataclass(frozen=True)
class ProtectedValue:
    """One figure after disclosure control: `value` is None when hidden or missing."""

    value: float | int | None
    hidden: bool
    base: int | None  # the number of persons the figure is computed from
    k: int = settings.K_ANONYMITY

    @property
    def missing(self) -> bool:
        """No value exists (not the same as zero, and not hidden)."""
        return self.value is None and not self.hidden


@dataclass(frozen=True)
class ProtectedTable:
    """A frame after disclosure control: hidden cells are null and flagged in `hidden`."""

    frame: pl.DataFrame
    hidden: dict[str, pl.Series] = field(default_factory=dict)  # column -> True where hidden
    k: int = settings.K_ANONYMITY

    @property
    def any_hidden(self) -> bool:
        """Whether any cell is hidden (the footnote is needed)."""
        return any(bool(mask.any()) for mask in self.hidden.values())

    def is_hidden(self, column: str) -> pl.Series:
        """Mask of hidden cells of one column (all False for a column with nothing to hide)."""
        mask = self.hidden.get(column)
        return mask if mask is not None else pl.Series(column, [False] * self.frame.height)


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


def public_table(frame: pl.DataFrame) -> ProtectedTable:
    """Published figures and reference facts: public already, built from no case data."""
    return ProtectedTable(frame, {}, settings.K_ANONYMITY)
