"""The pool "Bedre ressourceforløb" in the release: the grants (public decisions), outcomes per
referral quarter for the grant municipalities and the others, the effects and the event study
estimated at publish, and the price per extra outcome (docs/release.md).

The counts are cells of the same referred cases as case processing (release.processing), split
by the breakdown `pool` (a municipality with a grant or not): so they are protected together with
processing's, and grant + other = all is a relation the engine knows. The event study's observed
path counts the grant municipalities' cases by quarter since their own grant start: those counts
are cells too, each the sum of unreleased cells per municipality and quarter, which tie back to
the quarterly counts (the pool's own relations, CellSet.relate).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from release.areas import COUNTRY
from release.cells import CellSet, group_key
from release.periods import Period, label_quarters, quarter_end, quarter_start, range_id
from release.context import Context, Shown
from release.disclosure import rules
from release.pool import effects, outcomes, samples
from release.processing import stages

FOCUS_AREAS = ("citizen_involvement", "company_internships", "processing_times")
GROUPS = ("other", "grant")
# A block (the country's quarters, the regions' quarters) is released only where at most one
# count in ten is small, as for case processing (release.processing.BLOCK_RATIO).
BLOCK_RATIO = 0.1
MEASURE = "cases"


class Pool:
    """Cells, statistics and public tables of the pool page."""

    part = "cases"  # protected with case processing: the same referred cases (release.build)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.quarters = ctx.periods.of_kind("quarter")
        self.regions = ctx.areas.at("region")
        self.cases = ctx.shared("processing_cases")
        self.pool_cases = ctx.frame("pool_cases")
        self.grants = ctx.frame("pool_grant_rows")
        self.blocks: dict[str, list[str]] = {}
        self.cost_periods = {area: self._cost_period(area) for area in [COUNTRY, *self.regions]}

    def _cost_period(self, area: str) -> Period | None:
        """The quarters a price per outcome is counted on in an area: from the first quarter in
        which every grant of the area had started to the last quarter of the effects' sample
        (followed two years). The price is counted on the sum of those quarters' shown counts:
        declared as a cell of its own, the sum made the engine hide a third more and take three
        times as long."""
        starts = self.view_cases(area, None).filter(pl.col("grant_start").is_not_null())["grant_start"]
        if starts.len() == 0:
            return None
        last = starts.max()
        first_all = quarter_start(last) if quarter_start(last) == last else quarter_end(last) + timedelta(days=1)
        follow = timedelta(days=effects.FOLLOW_UP_DAYS)
        quarters = [q for q in self.quarters if q.start >= first_all and q.end + follow <= self.ctx.dataset.data_end]
        if not quarters:
            return None
        ids = tuple(q.id for q in quarters)
        return Period(range_id(ids[0], ids[-1]), quarters[0].start, quarters[-1].end,
                      label_quarters(ids[0], ids[-1]), frozenset({"pool_cost"}), ids, ())

    def specs(self) -> list[tuple[str, str | None]]:
        """(area, focus area) of every released specification of the effects: the country for
        all grants and for each focus area, each region for all its grants (a region's focus
        areas have one or two municipalities: nothing to estimate)."""
        return [(COUNTRY, None), *((COUNTRY, f) for f in FOCUS_AREAS), *((r, None) for r in self.regions)]

    # --- cells --------------------------------------------------------------------------------

    def declare(self, cells: CellSet) -> None:
        """The quarterly counts of the grant municipalities and the others (country, and the
        regions where the data carry them), and the counts behind the event study's path."""
        for name, level, specs_ in (("country", "country", outcomes.specs()),
                                    ("regions", "region", outcomes.specs(outcomes.REGION_COUNTS))):
            if name == "regions" and "country" not in self.blocks:
                break
            frame = stages.tabulate(self.cases, MEASURE, specs_, self.quarters, self.ctx.areas, level,
                                    [group_key(pool=g) for g in GROUPS], self.ctx.k)
            if rules.may_carry(frame["value"], self.ctx.k, BLOCK_RATIO):
                self.blocks[name] = [level]
                cells.add(frame)
        samples.declare(self, cells)

    def pinning_zeros(self, shown: Shown) -> list[tuple[str, str, str, str]]:
        """Zeros to hide beside a count of units: the pool releases no such count."""
        return []

    # --- tables -------------------------------------------------------------------------------

    def tables(self, shown: Shown) -> dict[str, pl.DataFrame]:
        """Grants, quarterly outcomes, effects, the event study and the price per outcome."""
        fits = {(area, focus, outcome, months): self._estimate(area, focus, outcome, months)
                for area, focus in self.specs() for outcome, months in outcomes.EFFECT_OUTCOMES}
        effects_table, event_table = outcomes.effect_tables(self, fits, shown)
        return {
            "rel_pool_grants": self.grants,
            "rel_pool_quarters": outcomes.quarter_table(self, shown),
            "rel_pool_effects": effects_table,
            "rel_pool_event": event_table,
            "rel_pool_costs": outcomes.cost_table(self, fits, effects_table, shown),
        }

    def view_cases(self, area: str, focus: str | None) -> pl.DataFrame:
        """The pool's cases of a specification (load side): its area's municipalities, the grant
        group those with a grant (in the focus area), the comparison those with none."""
        frame = self.pool_cases
        if area != COUNTRY:
            frame = frame.filter(pl.col("region") == area)
        if focus is not None:
            chosen = self.grants.filter(pl.col("focus_area") == focus)["municipality_code"].to_list()
            frame = frame.filter(pl.col("grant_start").is_null()
                                 | pl.col("municipality").is_in([f"{int(m):03d}" for m in chosen]))
        return frame

    def _estimate(self, area: str, focus: str | None, outcome: str, months: int) -> effects.Estimate:
        return effects.estimate(self.view_cases(area, focus), outcome, self.ctx.dataset.data_end, months=months)
