"""Case-processing times in the release: the stage table for every released view, survival curves
and the distribution of durations, the trend by referral quarter and the windows around the
events, the regions and the municipalities' funnel (docs/release.md).

A view is a period (a quarter, a year, the whole period, or a window around an event), an area
and a group. The country is released by period and by one group (sex, age band or decision), the
regions by period, the municipalities over the whole period: crossing them all would leave most
counts small, and the old page's free ranges and crossings let counts be subtracted back.
"""

from __future__ import annotations

import polars as pl

from release.areas import COUNTRY
from release.cells import CellSet, group_key, parse_group
from release.context import Context, Shown
from release.disclosure import rules
from release.disclosure.relations import partitions
from release.processing import curves, places, stages, trend
from release.processing.stages import LADDER, STAGES, THRESHOLD_DAYS
from stats.survival import kaplan_meier, survival_at, survival_quantile

MEASURE = "cases"
GROUPS = ("", *(group_key(sex=s) for s in ("F", "M")),
          *(group_key(age=a) for a in ("16-29", "30-39", "40-49", "50-59", "60+")),
          *(group_key(case_decision=d) for d in ("resource_course", "flex_job", "disability_pension", "other")))
# A block of views is released only where at most one count in ten of it is small (1 to k-1) for
# each count of at least k: its counts are tied to every other block through the periods, the
# areas and the states, so each small count spreads suppression far (on the synthetic data at a
# tenth of the default size, the municipalities have one small count for four, and protecting
# them took most of a minute); the default data carry every block (at most 6 in 100).
BLOCK_RATIO = 0.1
STATISTICS = ("median", "q1", "q3", "p90", "naive_median", "median_lower", "median_upper")


class Processing:
    """Cells and statistics of case-processing times."""

    part = "cases"  # protected with the pool, apart from the overview and pilot (release.build)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        cat = ctx.periods
        self.quarters = cat.of_kind("quarter")
        self.years = cat.of_kind("year")
        self.whole = cat.of_kind("whole")[0]
        self.windows = trend.windows(ctx)
        window_periods = list({p.id: p for w in self.windows for p in (w.before, w.after)}.values())
        self.periods = list({p.id: p for p in [*self.quarters, *self.years, self.whole, *window_periods]}.values())
        self.regions = ctx.areas.at("region")
        self.cases = ctx.shared("processing_cases")
        self._views: dict[tuple[str, str, str], pl.DataFrame] = {}

    # --- views --------------------------------------------------------------------------------

    def views(self) -> list[tuple[str, str, str]]:
        """(period, area, group) of every view with a stage table."""
        windows = [p for p in self.periods if p not in self.quarters and p is not self.whole]
        return ([(p.id, COUNTRY, "") for p in self.periods]
                + [(p.id, COUNTRY, g) for p in windows for g in GROUPS[1:]]
                + [(p.id, r, "") for p in self.periods for r in self.regions]
                + [(self.whole.id, m, "") for m in self.ctx.areas.at("municipality")])

    def curve_views(self) -> list[tuple[str, str, str]]:
        """Views with survival curves and the distribution of durations."""
        return [(self.whole.id, COUNTRY, "")] + [(self.whole.id, r, "") for r in self.regions]

    def view_cases(self, period: str, area: str, grp: str) -> pl.DataFrame:
        """The cases of one view (load side only), kept while the build runs."""
        key = (period, area, grp)
        if key not in self._views:
            self._views[key] = stages.in_view(self.cases, self.ctx.periods[period], area, grp, self.ctx.areas)
        return self._views[key]

    # --- cells --------------------------------------------------------------------------------

    def declare(self, cells: CellSet) -> None:
        """Every count of cases the processing page, its downloads and the briefing can show:
        each stage's cases, closed and open, and those closed within each threshold, for every
        view; the days of the curves for the curve views. A block of views the data do not carry
        (most of its counts 1 to k-1: sparse data) is left out whole, with every block finer than
        it, so that no count left out is the sum or difference of counts released."""
        blocks = self._blocks()
        counts_only = stages.specs(())
        groups = [g for name, block in blocks.items() if name.startswith("groups_") for g in block[2]]
        tables = [(counts_only, *blocks[name][:3]) for name in ("country_quarters", "region_quarters")
                  if name in blocks]
        if "country" in blocks:
            tables.append((counts_only, blocks["country"][0], "country", ["", *groups]))
        regions = self._periods_of(blocks, "regions", "regions_whole")
        if regions:
            tables.append((counts_only, regions, "region", [""]))
        tables += [(counts_only, *blocks[name][:3]) for name in ("country_whole", "municipalities") if name in blocks]
        frames = [self._tabulate(specs_, periods, level, views)
                  for specs_, periods, level, views in tables + self._threshold_tables(blocks)]
        for frame in frames + self._partners(frames):
            cells.add(frame)

    def _partners(self, frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """The parts missing from a split of a declared count, declared too: a reader who knows the
        breakdowns knows that the decided cases are those decided after a team meeting plus those
        decided without one, though the page shows only the first; the engine protects against
        that sum only if it holds all its parts. Released (mostly zeros and counts the page shows
        under another name): declared unreleased, they made the load six times slower."""
        have: dict[tuple[str, str], set[str]] = {}
        for frame in frames:
            for period, area, grp in frame.select("period", "area", "grp").unique().iter_rows():
                have.setdefault((period, area), set()).add(grp)
        wanted: dict[tuple[str, str], set[tuple[str, str]]] = {}  # (grp, level) -> (period, area)
        for (period, area), grps in have.items():
            todo = sorted((g for g in grps if "within" not in g), reverse=True)  # the same order every run
            while todo:
                grp = todo.pop()
                for parts in partitions(grp):
                    missing = sorted(p for p in parts if p not in grps)
                    if missing and len(missing) < len(parts):
                        for part in missing:
                            grps.add(part)
                            todo.append(part)
                            wanted.setdefault((part, self.ctx.areas[area].level), set()).add((period, area))
        out = []
        for (grp, level), places_ in sorted(wanted.items()):
            dims = parse_group(grp)
            spec = {grp: stages.Spec(tuple(dims.items()), stages.condition(dims))}
            periods = [p for p in self.periods if p.id in {period for period, _ in places_}]
            frame = self._tabulate(spec, periods, level, [""])
            keep = pl.DataFrame(sorted(places_), schema={"period": pl.String, "area": pl.String}, orient="row")
            out.append(frame.join(keep, on=["period", "area"]))
        return out

    def _periods_of(self, blocks, *names: str) -> list:
        """The periods of these blocks (those kept), in the catalogue's order."""
        ids = {p.id for name in names if name in blocks for p in blocks[name][0]}
        return [p for p in self.periods if p.id in ids]

    def _tabulate(self, specs_, periods, level: str, views: list[str]) -> pl.DataFrame:
        return stages.tabulate(self.cases, MEASURE, specs_, periods, self.ctx.areas, level, views, self.ctx.k)

    def _blocks(self) -> dict[str, tuple[list, str, list[str], tuple[str, ...]]]:
        """The blocks of counts (cases, closed and open of every stage) the data carry, by name:
        periods, area level, views and the blocks each needs (those its counts add up to: a block
        is kept only beside them, so that none left out is a sum of counts released).

        Quarters for the country and the regions; the years and the windows around the events
        also by group (sex, age band, decision); the whole period for the country, the regions
        and the municipalities. The whole period is not crossed with the groups: that ties every
        year's group counts together, and the engine would hide a tenth of the stage table to
        protect a few small counts."""
        longer = [p for p in self.periods if p not in self.quarters and p is not self.whole]  # years, windows
        whole = [self.whole]
        by_dim: dict[str, list[str]] = {}
        for grp in GROUPS[1:]:
            by_dim.setdefault(grp.split("=", 1)[0], []).append(grp)
        wanted = {
            "country_whole": (whole, "country", [""], ()),
            "country": (longer, "country", [""], ("country_whole",)),
            "country_quarters": (self.quarters, "country", [""], ("country",)),
            "regions_whole": (whole, "region", [""], ("country_whole",)),
            "regions": (longer, "region", [""], ("country", "regions_whole")),
            "region_quarters": (self.quarters, "region", [""], ("regions", "country_quarters")),
            **{f"groups_{dim}": (longer, "country", grps, ("country",)) for dim, grps in by_dim.items()},
            "municipalities": (whole, "municipality", [""], ("regions_whole",)),
        }
        kept: dict[str, tuple[list, str, list[str], tuple[str, ...]]] = {}
        for name, (periods, level, views, parents) in wanted.items():
            if not all(p in kept for p in parents):
                continue
            counts = self._tabulate(stages.specs(()), periods, level, views)
            # The parts its splits need (age band by decision beside age band by course) count too.
            values = pl.concat([counts, *self._partners([counts])])["value"]
            if rules.may_carry(values, self.ctx.k, BLOCK_RATIO):
                kept[name] = (periods, level, views, parents)
        return kept

    def _threshold_tables(self, blocks) -> list[tuple[dict, list, str, list[str]]]:
        """Those closed within each threshold (the shares over it): the country's years, windows
        and whole period, the regions and the municipalities (the funnel) over the whole period
        (each more crossing cost minutes of suppression: docs/release.md); the days of the curves
        for the country and the regions over the whole period. Only in blocks the data carry."""
        plain = stages.specs(THRESHOLD_DAYS)
        ladder = stages.specs(THRESHOLD_DAYS, LADDER)
        whole = [self.whole]
        tables = []
        if "country_whole" in blocks:
            tables.append((plain, self._periods_of(blocks, "country", "country_whole"), "country", [""]))
        if "regions_whole" in blocks:
            tables.append((plain, whole, "region", [""]))
        if "municipalities" in blocks:
            tables.append((plain, whole, "municipality", [""]))
        if "country_whole" in blocks:
            tables.append((ladder, whole, "country", [""]))
        if "regions_whole" in blocks:
            tables.append((ladder, whole, "region", [""]))
        return tables

    def pinning_zeros(self, shown: Shown) -> list[tuple[str, str, str, str]]:
        """Zeros to hide beside a count of units: processing releases no such count."""
        return []

    # --- statistics from shown cells ----------------------------------------------------------

    def tables(self, shown: Shown) -> dict[str, pl.DataFrame]:
        """The stage table, shares over the thresholds, curves, bins, windows and the funnel."""
        rows, shares, fits = self._stage_rows(shown)
        differences = [
            trend.difference_row(w, area, grp, stage, days, fits.get((w.before.id, area, grp, stage)),
                                 fits.get((w.after.id, area, grp, stage)),
                                 shares.get((w.before.id, area, grp, stage, days)) is True
                                 and shares.get((w.after.id, area, grp, stage, days)) is True)
            for w in self.windows for area, grp in self._window_views() for stage in STAGES for days in THRESHOLD_DAYS
        ]
        curve_rows, bins = curves.build(self, shown)
        return {
            "rel_stage_names": pl.DataFrame(
                [(stage, i, spec.label, spec.since) for i, (stage, spec) in enumerate(STAGES.items())],
                schema={"stage": pl.String, "position": pl.Int64, "label_da": pl.String, "since_da": pl.String},
                orient="row"),
            "rel_stages": pl.DataFrame(rows, schema=STAGE_SCHEMA, orient="row"),
            "rel_stage_shares": pl.DataFrame(
                [(*key, *value) for key, value in self._share_rows.items()], schema=SHARE_SCHEMA, orient="row"),
            "rel_stage_windows": trend.window_table(self.windows),
            "rel_stage_differences": pl.DataFrame(differences, schema=trend.DIFFERENCE_SCHEMA, orient="row"),
            "rel_stage_curves": curve_rows,
            "rel_stage_bins": bins,
            **places.funnels(self, shown),
        }

    def _window_views(self) -> list[tuple[str, str]]:
        return [(COUNTRY, g) for g in GROUPS] + [(r, "") for r in self.regions]

    def _stage_rows(self, shown: Shown):
        """One row per view and stage: counts, Kaplan–Meier quantiles (at least k cases on each
        side), the closed-only median; and the shares still waiting after each threshold, shown
        where the cases and those closed within the threshold are shown cells."""
        k = self.ctx.k
        rows, share_shown, fits = [], {}, {}
        self._share_rows = {}
        for period, area, grp in self.views():
            view = self.view_cases(period, area, grp)
            for stage in STAGES:
                keys = {name: stages.cell_group(grp, dims) for name, dims in stages.counts(stage).items()}
                # A view's row needs all its counts in the release: a group's cases can be a cell
                # (the part of a split) while the group's block was withheld.
                if keys["cases"] is None or not all(key is None or shown.known(MEASURE, period, area, key)
                                                    for key in keys.values()):
                    continue
                values = {name: (0 if key is None else shown.shown(MEASURE, period, area, key))
                          for name, key in keys.items()}
                hidden = {name: key is not None and shown.hidden(MEASURE, period, area, key)
                          for name, key in keys.items()}
                days, ended = stages.durations(view, stage)
                statistics = rules.duration_statistics(days, ended, k, hidden=hidden["cases"])
                survival = kaplan_meier(days, ended) if len(days) else None
                median_interval = _median_interval(days, ended, survival, k, statistics["median"][1])
                fits[(period, area, grp, stage)] = survival
                rows.append((period, area, grp, stage, values["cases"], values["closed"], values["open"],
                             hidden["cases"], hidden["closed"], hidden["open"],
                             *(statistics[s][0] for s in STATISTICS[:5]), *median_interval,
                             *(statistics[s][1] for s in STATISTICS[:5])))
                for t in THRESHOLD_DAYS:
                    within = stages.within_group(grp, stage, t)
                    ok = (values["cases"] is not None and values["cases"] > 0 and within is not None
                          and shown.shown(MEASURE, period, area, within) is not None and survival is not None)
                    if ok:
                        share = survival_at(survival, t)
                        ok = share.estimate is not None
                    status = rules.SHOWN if ok else (rules.MISSING if not values["cases"] and not hidden["cases"]
                                                     else rules.HIDDEN)
                    share_shown[(period, area, grp, stage, t)] = ok
                    self._share_rows[(period, area, grp, stage, t)] = (
                        (share.estimate, share.lower, share.upper, status) if ok else (None, None, None, status))
        return rows, share_shown, fits


def _median_interval(days, ended, survival, k: int, status: str) -> tuple[float | None, float | None]:
    """The median's 95 % interval, shown with the median where each limit too has at least k
    cases on each side."""
    if status != rules.SHOWN or survival is None:
        return None, None
    interval = survival_quantile(survival, 0.5)
    out = []
    for limit in (interval.lower, interval.upper):
        if limit is None:
            out.append(None)
            continue
        before = int((ended & (days <= limit)).sum())
        after = int((days > limit).sum())
        out.append(limit if before >= k and after >= k else None)
    return out[0], out[1]


STAGE_SCHEMA = {
    "period": pl.String, "area": pl.String, "grp": pl.String, "stage": pl.String,
    "cases": pl.Int64, "closed": pl.Int64, "open": pl.Int64,
    "cases_hidden": pl.Boolean, "closed_hidden": pl.Boolean, "open_hidden": pl.Boolean,
    "median": pl.Float64, "q1": pl.Float64, "q3": pl.Float64, "p90": pl.Float64, "naive_median": pl.Float64,
    "median_lower": pl.Float64, "median_upper": pl.Float64,
    "median_status": pl.String, "q1_status": pl.String, "q3_status": pl.String, "p90_status": pl.String,
    "naive_median_status": pl.String,
}
SHARE_SCHEMA = {"period": pl.String, "area": pl.String, "grp": pl.String, "stage": pl.String, "days": pl.Int64,
                "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "status": pl.String}
