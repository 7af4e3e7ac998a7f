"""The overview in the release: persons in a course on given days, courses started and decisions
per period, for the country and the regions, and the public facts beside them (grants, published
figures, events)."""

from __future__ import annotations

from datetime import date

import polars as pl

from release.cells import CellSet, counted
from release.context import Context, Shown

# Days on which published stock figures were measured (the sources give the month).
PUBLISHED_STOCK_DAYS = {"persons_2015": date(2015, 9, 30), "persons_2016": date(2016, 11, 30)}
MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")


def day_label(d: date) -> str:
    """'30. sep. 2015'."""
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


class Overview:
    """Cells and public tables of the overview."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        cat, end = ctx.periods, ctx.dataset.data_end
        self.quarters = cat.of_kind("quarter")
        self.years = cat.of_kind("year")
        # Stock on each quarter's last day, for quarters the data cover to their end.
        self.days = [self._day(q.end) for q in self.quarters if q.end <= end]
        self.end_day = self._day(end)
        self.published_days = {figure: self._day(d) for figure, d in PUBLISHED_STOCK_DAYS.items()
                               if ctx.dataset.first_day <= d <= end}
        self.window = cat.of_kind("pilot_window")[0]

    def _day(self, d: date):
        return self.ctx.periods.add(d, d, day_label(d), "day")

    def declare(self, cells: CellSet) -> None:
        """Every count of persons the overview, its downloads and the briefing can show."""
        ctx, areas = self.ctx, self.ctx.areas
        days = list(dict.fromkeys([*self.days, self.end_day]))
        stock = ctx.courses_active([p.id for p in [*days, *self.published_days.values(), self.window]])
        cells.add(counted(stock, "courses_active", [*days, self.window], areas, ["country", "region"], [()]))
        cells.add(counted(stock, "courses_active", list(self.published_days.values()), areas, ["country"], [()]))
        started = ctx.frame("courses_started")
        cells.add(counted(started, "courses_started", [*self.quarters, *self.years], areas, ["country", "region"], [()]))
        decisions = ctx.frame("decisions")
        cells.add(counted(decisions, "decisions", self.years, areas, ["country", "region"], [(), ("decision",)]))
        requests = ctx.frame("pilot_requests").select("quarter", "municipality", pl.lit(1, dtype=pl.Int64).alias("n"))
        cells.add(counted(requests, "requests", [self.window], areas, ["country", "region"], [()]))

    def pinning_zeros(self, shown: Shown) -> list[tuple[str, str, str, str]]:
        """Zeros to hide beside a count of units: the overview releases no such count itself."""
        return []

    def tables(self, shown: Shown) -> dict[str, pl.DataFrame]:
        """The public facts: grants per area (public decisions about municipalities), published
        figures with their sources, and the events to mark on time axes."""
        grants = self.ctx.frame("pool_grants")
        country = grants.select(pl.lit("000").alias("area"), pl.col("grants").sum(),
                                pl.col("municipalities").sum(), pl.col("granted_dkk").sum(),
                                pl.col("spent_dkk").sum())
        regions = pl.DataFrame({"area": self.ctx.areas.at("region")}).join(grants, on="area", how="left").with_columns(
            pl.col("grants", "municipalities", "granted_dkk").fill_null(0))
        return {
            "rel_public_grants": pl.concat([country.cast(regions.schema), regions]),
            "rel_published_figures": self.ctx.con.sql("SELECT * FROM ref_published_figures").pl(),
            "rel_events": self.ctx.con.sql(
                "SELECT event_id, event_date, label_da, date_precision FROM ref_events ORDER BY event_date").pl(),
            "rel_pool_period": self.ctx.frame("pool_period"),
            "rel_stock_days": pl.DataFrame({
                "role": ["data_end", *self.published_days],
                "period": [self.end_day.id, *(p.id for p in self.published_days.values())],
            }),
        }
