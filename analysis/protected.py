"""The types every figure travels in from the release to the screen: a shown value, a hidden
cell ('..') or a missing one ('–'), never a hidden number.

The app only reads the release, whose hidden cells hold no value at all; these types carry the
release's marks to the ui helpers, which accept nothing else, so a number that did not come
through a reader of the release cannot be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

import settings

HIDDEN_MARK = ".."
NATIONAL = "000"  # Statistics Denmark's code for all of Denmark

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
    base: int | None = None  # the number of persons the figure is computed from, where shown
    k: int = settings.K_ANONYMITY
    public: bool = False  # about municipalities or published already, not about persons

    @property
    def missing(self) -> bool:
        """No value exists (not the same as zero, and not hidden)."""
        return self.value is None and not self.hidden


HIDDEN = ProtectedValue(None, True)
MISSING = ProtectedValue(None, False)


def shown(value: float | int | None, hidden: bool = False) -> ProtectedValue:
    """A released figure with the release's mark."""
    return HIDDEN if hidden else ProtectedValue(value, False)


@dataclass(frozen=True)
class ProtectedInterval:
    """An estimate with its interval, all hidden together."""

    estimate: ProtectedValue
    lower: float | None
    upper: float | None


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


def public_table(frame: pl.DataFrame) -> ProtectedTable:
    """Published figures and reference facts: public already, built from no case data."""
    return ProtectedTable(frame, {}, settings.K_ANONYMITY)


def public_value(value: float | int | None) -> ProtectedValue:
    """A figure about municipalities, not persons (a grant is a public decision): shown as is."""
    return ProtectedValue(value, False, None, settings.K_ANONYMITY, public=True)


def select_rows(table: ProtectedTable, column: str, value) -> ProtectedTable:
    """The rows where `column` equals `value`, with their hidden flags."""
    mask = pl.Series((table.frame[column] == value).to_list(), dtype=pl.Boolean)
    return ProtectedTable(
        table.frame.filter(mask),
        {c: m.filter(mask) for c, m in table.hidden.items()},
        table.k,
    )


def value_of(table: ProtectedTable, column: str) -> ProtectedValue:
    """The single cell of a one-row protected table as a protected value."""
    if table.frame.height != 1:
        raise ValueError(f"expected one row, got {table.frame.height}")
    hidden = bool(table.is_hidden(column)[0])
    return ProtectedValue(table.frame[column][0], hidden, None, table.k)
