"""Readers of the release: released cells and statistics by key, as protected values.

The release holds every figure the overview and the pilot can show, each cell either with its
value or hidden (no value stored at all). These readers pick cells; they compute nothing but
what the documented formulas allow from shown cells (a running difference, a sum of shown
parts is never taken: the release holds each total itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analysis.database import LiveDatabase
from analysis.protected import HIDDEN, MISSING, NATIONAL, ProtectedInterval, ProtectedTable, ProtectedValue, shown

__all__ = ["NATIONAL", "Cells", "Period", "areas", "cells", "estimates", "group", "periods", "table"]


@dataclass(frozen=True)
class Period:
    """A released period: its id, Danish label, roles and span."""

    id: str
    label: str
    kinds: frozenset[str]
    start: date
    end: date
    quarters: tuple[str, ...]


# The breakdowns a reader can pick by, with their Danish names (release.cells.DIMENSIONS).
SEXES = {"F": "Kvinder", "M": "Mænd"}
AGE_BANDS = ["16-29", "30-39", "40-49", "50-59", "60+"]


def nearest_period(candidates: list[Period], start: date, end: date) -> tuple[str, bool]:
    """The period among `candidates` nearest a free range of days (an old link's «fra»/«til»),
    and whether it is exactly that range: the one whose days overlap the range's most, as a share
    of the days in either (Jaccard), then the shortest."""
    def overlap(p: Period) -> float:
        shared = max(0, (min(p.end, end) - max(p.start, start)).days + 1)
        union = (max(p.end, end) - min(p.start, start)).days + 1
        return shared / union

    best = max(candidates, key=lambda p: (overlap(p), -(p.end - p.start).days))
    return best.id, (best.start, best.end) == (start, end)


def periods(db: LiveDatabase, kind: str | None = None) -> list[Period]:
    """The released periods (of one role), in time order."""
    out = [Period(r["period"], r["label_da"], frozenset(r["kinds"].split(",")), r["start_date"], r["end_date"],
                  tuple(filter(None, (r["quarters"] or "").split(","))))
           for r in db.run("release_periods").iter_rows(named=True)]
    return [p for p in out if kind is None or kind in p.kinds]


def areas(db: LiveDatabase, level: str) -> dict[str, str]:
    """Codes and names of the areas of one level (country, region, municipality)."""
    frame = db.run("release_areas").filter(pl.col("level") == level)
    return dict(zip(frame["area"].to_list(), frame["name"].to_list()))


def group(**dims: str | None) -> str:
    """The release's group string of these breakdowns ('' for everyone)."""
    return "|".join(f"{d}={v}" for d, v in sorted(dims.items()) if v is not None)


class Cells:
    """A set of released cells, looked up by key: shown, hidden, or not released (missing)."""

    def __init__(self, frame: pl.DataFrame):
        self._cells = {(m, p, a, g): (v, h) for m, p, a, g, v, h in frame.iter_rows()}

    def get(self, measure: str, period: str, area: str, grp: str = "") -> ProtectedValue:
        """The cell as a protected value; missing when the release does not hold it."""
        found = self._cells.get((measure, period, area, grp))
        if found is None:
            return MISSING
        return shown(found[0], found[1])

    def released(self, measure: str, period: str, area: str, grp: str = "") -> bool:
        """Whether the release holds the cell (shown or hidden)."""
        return (measure, period, area, grp) in self._cells


def cells(db: LiveDatabase, measures: list[str], period_ids: list[str], area_codes: list[str],
          groups: list[str] = ("",)) -> Cells:
    """The released cells of every combination of these keys."""
    return Cells(db.run("release_cells", {"measures": list(measures), "periods": list(period_ids),
                                          "areas": list(area_codes), "groups": list(groups)}))


def estimates(db: LiveDatabase, measure: str, period_ids: list[str], area_codes: list[str],
              groups: list[str] = ("",)) -> dict[tuple[str, str, str], ProtectedInterval]:
    """Released rates or shares with their intervals, by (period, area, group)."""
    frame = db.run("release_estimates", {"measure": measure, "periods": list(period_ids),
                                         "areas": list(area_codes), "groups": list(groups)})
    out = {}
    for period, area, grp, estimate, lower, upper, hidden in frame.iter_rows():
        value = HIDDEN if hidden else shown(estimate)
        out[(period, area, grp)] = ProtectedInterval(value, None if hidden else lower, None if hidden else upper)
    return out


def table(keys: dict[str, list], values: dict[str, list[ProtectedValue]]) -> ProtectedTable:
    """A protected table of key columns and columns of released cells."""
    frame = pl.DataFrame({**keys, **{c: [v.value for v in vs] for c, vs in values.items()}},
                         schema_overrides={c: pl.Int64 for c in values})
    return ProtectedTable(frame, {c: pl.Series(c, [v.hidden for v in vs], dtype=pl.Boolean) for c, vs in values.items()})
