"""Disclosure control: the only way a number leaves the analysis layer.

Every figure meant for the screen or a download is wrapped in a protected type here. The ui
helpers accept nothing else, so a number that skipped this module cannot be shown.

Primary rule (Danish practice for published counts): a count from 1 to k-1 is hidden, and so
is every statistic computed from fewer than k persons. A true zero stays 0; a missing value
stays missing (it is not zero).

Secondary rule: where shown figures add up (regions to the whole country, decision types to
their total), further cells are hidden until no hidden cell can be recomputed, or narrowed to
an interval narrower than the protection margin, from what is shown (analysis/suppression.py).

Differencing rule: a figure that can be shown for each region and for the whole country is
protected once, as one table of all regions plus the national total, and every view (a region,
or the whole country) shows cells from that one protected table. "All regions" minus "four
regions" then only ever subtracts shown cells from shown totals, which reveals nothing hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

import settings
from analysis import suppression

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
    public: bool = False  # about municipalities or published already, not about persons

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


def public_value(value: float | int | None) -> ProtectedValue:
    """A figure about municipalities, not persons (a grant is a public decision): shown as is."""
    return ProtectedValue(value, False, None, settings.K_ANONYMITY, public=True)


NATIONAL = "000"  # Statistics Denmark's code for all of Denmark


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


def protect_areas(
    frame: pl.DataFrame,
    *,
    areas: list[str],
    by: list[str] | tuple[str, ...] = (),
    counts: list[str] | tuple[str, ...] = (),
    totals: dict[str, list[str]] | None = None,
    area: str = "region_code",
    k: int = settings.K_ANONYMITY,
) -> ProtectedTable:
    """Protect counts given per region, adding the national rows, as one table per `by` key.

    `counts` are protected each on its own: the regions add up to the national figure.
    `totals` maps a total column to its parts (e.g. decisions -> the four types): regions by
    parts is then a two-way table with the national row and the total column as margins.
    Returns the regional rows and the national rows (area = NATIONAL), hidden cells null.
    """
    totals = totals or {}
    grouped = [c for parts in totals.values() for c in parts] + list(totals)
    columns = list(dict.fromkeys([*counts, *grouped]))
    full = _complete_areas(frame, areas, list(by), columns, area)
    national = full.group_by(list(by), maintain_order=True).agg(pl.col(columns).sum()).with_columns(
        pl.lit(NATIONAL).alias(area))
    full = pl.concat([full, national.select(full.columns)]).sort([*by, area])
    order = [*areas, NATIONAL]
    masks = {c: [False] * full.height for c in columns}
    rows_by_key = full.with_row_index("_i").group_by(list(by) or pl.lit(1), maintain_order=True).agg("_i", area)
    for row in rows_by_key.iter_rows(named=True):
        index = dict(zip(row[area], row["_i"]))
        positions = [index[a] for a in order]
        for col in counts:
            values = [int(full[col][i] or 0) for i in positions]
            layout = suppression.hierarchy_layout({len(areas): list(range(len(areas)))}, len(areas) + 1)
            for i, h in zip(positions, suppression.suppress(values, layout, k=k)):
                masks[col][i] = h
        for total, parts in totals.items():
            cols = [*parts, total]
            values = [int(full[c][i] or 0) for i in positions for c in cols]
            layout = suppression.two_way_layout(len(areas), len(parts))
            hidden = suppression.suppress(values, layout, k=k)
            for r, i in enumerate(positions):
                for c, col in enumerate(cols):
                    masks[col][i] = masks[col][i] or hidden[r * len(cols) + c]
    hidden = {c: pl.Series(c, m) for c, m in masks.items()}
    masked = full.with_columns(pl.when(hidden[c]).then(None).otherwise(pl.col(c)).alias(c) for c in columns)
    return ProtectedTable(masked, hidden, k)


def _complete_areas(frame: pl.DataFrame, areas: list[str], by: list[str], columns: list[str], area: str) -> pl.DataFrame:
    """Every area for every key: an area without rows has true zeros, not missing values."""
    grid = pl.DataFrame({area: areas})
    if by:
        grid = frame.select(by).unique(maintain_order=True).join(grid, how="cross")
    return (
        grid.join(frame.select([*by, area, *columns]), on=[*by, area], how="left")
        .with_columns(pl.col(columns).fill_null(0))
        .select([*by, area, *columns])
    )


def select_area(table: ProtectedTable, area_code: str | None, area: str = "region_code") -> ProtectedTable:
    """The rows of one area (None = the whole country) from a protected area table."""
    return select_rows(table, area, area_code or NATIONAL)


def select_rows(table: ProtectedTable, column: str, value) -> ProtectedTable:
    """The rows where `column` equals `value`, with their hidden flags."""
    mask = pl.Series((table.frame[column] == value).to_list())
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
