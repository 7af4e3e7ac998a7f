"""What every theme builder of the release works with: the load's connection, the dataset's
facts, the periods and areas, and (after suppression) which cells are shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from release.areas import Areas
from release.periods import Catalogue

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """The text of release/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Dataset:
    """The facts of the load the release describes."""

    data_end: date
    first_day: date
    pilot_start: date
    pilot_end: date
    has_channels: bool


@dataclass
class Context:
    """The load side's handle for one release build."""

    con: duckdb.DuckDBPyConnection
    dataset: Dataset
    periods: Catalogue
    areas: Areas
    k: int

    _stock: dict[str, pl.DataFrame] | None = None

    _frames: dict[str, pl.DataFrame] | None = None

    def frame(self, name: str, params: dict | None = None) -> pl.DataFrame:
        """Run release/sql/<name>.sql on the load's database."""
        return self.con.sql(sql(name), params=params or {}).pl()

    def shared(self, name: str) -> pl.DataFrame:
        """release/sql/<name>.sql run once per build, however many themes read it (case
        processing and the pool read the same cases)."""
        self._frames = self._frames if self._frames is not None else {}
        if name not in self._frames:
            self._frames[name] = self.frame(name)
        return self._frames[name]

    def courses_active(self, period_ids: list[str]) -> pl.DataFrame:
        """Courses active in each of these periods per municipality, sex and age band (`period`,
        `municipality`, `sex`, `age`, `n`), each period counted once however many themes ask."""
        self._stock = self._stock if self._stock is not None else {}
        missing = [p for p in dict.fromkeys(period_ids) if p not in self._stock]
        if missing:
            spans = pl.DataFrame({"period": missing, "start_date": [self.periods[p].start for p in missing],
                                  "end_date": [self.periods[p].end for p in missing]})
            self.con.register("release_periods", spans)
            try:
                found = self.frame("courses_active")
            finally:
                self.con.unregister("release_periods")
            for p in missing:
                self._stock[p] = found.filter(pl.col("period") == p)
        return pl.concat([self._stock[p] for p in dict.fromkeys(period_ids)])


class Shown:
    """The cells after suppression: what a reader of the release sees, and the true values the
    builders compute statistics from (only ever published where the rules allow)."""

    def __init__(self, cells: pl.DataFrame, hidden: list[bool]):
        keys = list(zip(*(cells[c].to_list() for c in ("measure", "period", "area", "grp"))))
        self._cells = {key: (value, h) for key, value, h, released in
                       zip(keys, cells["value"].to_list(), hidden, cells["released"].to_list()) if released}
        self._rows = {key: i for i, key in enumerate(keys)}

    def row(self, measure: str, period: str, area: str, grp: str = "") -> int:
        """The cell's row among the release's cells."""
        return self._rows[(measure, period, area, grp)]

    def known(self, measure: str, period: str, area: str, grp: str = "") -> bool:
        """Whether the cell is released (shown or hidden)."""
        return (measure, period, area, grp) in self._cells

    def true(self, measure: str, period: str, area: str, grp: str = "") -> int:
        """A released cell's true value (load side only)."""
        return self._cells[(measure, period, area, grp)][0]

    def hidden(self, measure: str, period: str, area: str, grp: str = "") -> bool:
        """Whether the cell is hidden; a cell that does not exist counts as hidden."""
        found = self._cells.get((measure, period, area, grp))
        return True if found is None else found[1]

    def shown(self, measure: str, period: str, area: str, grp: str = "") -> int | None:
        """The value a reader sees, or None when hidden."""
        found = self._cells.get((measure, period, area, grp))
        return None if found is None or found[1] else found[0]
