"""The pilot with the regional health coordinator in the release: requests and uptake by period,
area and group, where (regions and the municipalities' funnel), from request to outcome, how fast
(Kaplan–Meier with pooled steps), and the municipalities' other channels to health advice.

The 78 requests of the pilot cannot be crossed by municipality, sex and age band at once, so the
release holds what is worth showing: the country by period and sex or age band, the regions by
period, and the municipalities over the whole window (docs/release.md).
"""

from __future__ import annotations

import polars as pl

from release.areas import COUNTRY
from release.cells import CellSet, counted, group_key
from release.context import Context, Shown
from release.disclosure import rules
from stats.funnel import funnel_position, poisson_funnel
from stats.intervals import poisson_rate, proportion
from stats.survival import kaplan_meier, survival_at

# Days from request to advice at which the curve may have a point: weekly for a quarter, then
# monthly and yearly. A point is the cell "advised within t days"; where a step would cover fewer
# than k requests the engine hides a cell like any other, so the steps pool themselves.
LADDER = (7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 120, 150, 182, 273, 365, 548, 730)
GROUPS = ("", *(group_key(sex=s) for s in ("F", "M")),
          *(group_key(age=a) for a in ("16-29", "30-39", "40-49", "50-59", "60+")))
FLOW_TOTALS = [("dialogue",), ("advice",), ("advice^",)]
FLOW_BY_OFFER = [("offer",), ("offer", "dialogue"), ("offer", "advice^"), ("offer", "advice")]


class Pilot:
    """Cells and statistics of the pilot."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        cat = ctx.periods
        self.window = cat.of_kind("pilot_window")[0]
        self.quarters = cat.of_kind("pilot_quarter")
        self.parts = cat.of_kind("pilot_part")
        self.running = [p for p in cat.of_kind("running_total") if p.id != self.window.id]
        self.headline_periods = [*self.quarters, *self.parts, self.window]
        self.requests = ctx.frame("pilot_requests").with_columns(pl.lit(1, dtype=pl.Int64).alias("n"))
        self.regions = ctx.areas.at("region")

    # --- the views a page can choose ----------------------------------------------------------

    def views(self) -> list[tuple[str, str, str]]:
        """(period, area, group) of every headline view: the country by period and group, the
        regions by period."""
        return ([(p.id, COUNTRY, g) for p in self.headline_periods for g in GROUPS]
                + [(p.id, r, "") for p in self.headline_periods for r in self.regions])

    def speed_views(self) -> list[tuple[str, str, str]]:
        """Views with days to advice: the window by group and region, and its years."""
        return ([(self.window.id, COUNTRY, g) for g in GROUPS] + [(p.id, COUNTRY, "") for p in self.parts]
                + [(self.window.id, r, "") for r in self.regions])

    def _released(self, shown: Shown) -> list[tuple[str, str, str]]:
        """The headline views whose count of requests is in the release."""
        return [v for v in self.views() if shown.known("requests", *v)]

    def _in_view(self, period: str, area: str, grp: str) -> pl.DataFrame:
        """The requests of one view (load side only)."""
        p = self.ctx.periods[period]
        frame = self.requests.filter(pl.col("quarter").is_in(list(p.quarters)))
        if area != COUNTRY:
            level = self.ctx.areas[area].level
            codes = [m for m, a in self.ctx.areas.municipality_map(level).items() if a == area]
            frame = frame.filter(pl.col("municipality").is_in(codes))
        for part in filter(None, grp.split("|")):
            dim, value = part.split("=", 1)
            frame = frame.filter(pl.col(dim) == value)
        return frame

    # --- cells --------------------------------------------------------------------------------

    def declare(self, cells: CellSet) -> None:
        """Every count of persons the pilot's pages, downloads and briefing can show.

        The required tables come first: the country by period, the regions, women and men and the
        age bands, early clarification, open requests and the outcomes over the whole window, the
        municipalities, and the whole country's curve. The optional tables follow in the order
        they are worth most to a reader; each is released only when the data carry it
        (release.build): with the 78 requests of the default data the quarters of each region are
        mostly 1 to 4 requests, and such a table would cost the national figures beside it.
        """
        ctx, base, areas = self.ctx, self.requests, self.ctx.areas
        w, parts = [self.window], self.parts
        courses = ctx.courses_active([p.id for p in self.headline_periods])
        required = [
            counted(base, "requests", [*self.headline_periods, *self.running], areas, ["country"], [()]),
            counted(base, "requests", w, areas, ["region"], [()]),
            counted(base, "requests", w, areas, ["country"], [("sex",), ("age",), ("context",), ("advice^",)]),
            counted(courses, "courses_active", self.headline_periods, areas, ["country", "region"], [()]),
            counted(courses, "courses_active", self.headline_periods, areas, ["country"], [("sex",), ("age",)]),
            counted(base, "requests", w, areas, ["municipality"], [()]),
            counted(courses, "courses_active", w, areas, ["municipality"], [()]),
            counted(base, "requests", w, areas, ["country"], FLOW_TOTALS, unreleased={"dialogue": {"no"}}),
        ]
        within = self._within_cells()
        optional = [
            counted(base, "requests", parts, areas, ["region"], [()]),
            counted(base, "requests", parts, areas, ["country"], [("sex",), ("age",)]),
            counted(base, "requests", parts, areas, ["country"], [("context",), ("advice^",)]),
            counted(base, "requests", w, areas, ["region"], [("context",), ("advice^",)]),
            *(counted(base, "requests", w, areas, ["country"], [grouping])
              for grouping in (("sex", "context"), ("age", "context"), ("sex", "advice^"), ("age", "advice^"))),
            counted(base, "requests", parts, areas, ["country"], FLOW_TOTALS, unreleased={"dialogue": {"no"}}),
            counted(base, "requests", w, areas, ["country"], FLOW_BY_OFFER, unreleased={"dialogue": {"no"}}),
            *(frame for view, frame in within.items() if view != (self.window.id, COUNTRY, "")),
            counted(base, "requests", [*self.quarters, *self.running], areas, ["region"], [()]),
            *(counted(base, "requests", self.quarters, areas, ["country"], [(group,)]) for group in ("sex", "age")),
        ]
        for frame in [*required, within[(self.window.id, COUNTRY, "")]]:
            cells.add(frame)
        for frame in optional:
            cells.add(frame, optional=True)
        if ctx.dataset.has_channels:
            self._channel_cells(cells)

    def _within_cells(self) -> dict[tuple[str, str, str], pl.DataFrame]:
        """Requests advised within each day of the ladder, per speed view. Every view counts every
        day, so the views add up (women and men to all, regions to the country) and an intruder
        subtracting them meets cells the engine knows; a day is released only while at least k
        requests are still waiting after it (the curve ends there)."""
        out = {}
        for period, area, grp in self.speed_views():
            view = self._in_view(period, area, grp)
            days, advised = view["days"].to_list(), view["advised"].to_list()
            rows = [("requests", period, area, _with(grp, within=str(t)),
                     sum(a and d <= t for a, d in zip(advised, days)),
                     sum(d > t for d in days) >= self.ctx.k) for t in LADDER]
            out[(period, area, grp)] = pl.DataFrame(
                rows, schema={"measure": pl.String, "period": pl.String, "area": pl.String, "grp": pl.String,
                              "value": pl.Int64, "released": pl.Boolean}, orient="row")
        return out

    def _channel_cells(self, cells: CellSet) -> None:
        """The other channels per quarter, for the country and the regions."""
        base = self.ctx.frame("health_advice_channels")
        known = {p.id: p for p in self.ctx.periods.of_kind("quarter")}
        quarters = [known[q] for q in sorted(set(base["quarter"].to_list())) if q in known]
        for channel in ("coordinator_sparring", "gp_involvement"):
            part = base.filter(pl.col("channel") == channel).select("quarter", "municipality", "n")
            measure = "channel_sparring" if channel == "coordinator_sparring" else "channel_gp"
            cells.add(counted(part, measure, quarters, self.ctx.areas, ["country", "region"], [()]))

    # --- statistics from shown cells ----------------------------------------------------------

    def tables(self, shown: Shown) -> dict[str, pl.DataFrame]:
        """The pilot's statistics, each shown only where the rules allow (docs/disclosure.md)."""
        return {
            "rel_estimates": pl.concat([self._rates(shown), self._shares(shown)]),
            "rel_units": self._units(shown),
            "rel_durations": self._durations(shown),
            "rel_curves": self._curves(shown),
            **self._funnel(shown),
        }

    def _rates(self, shown: Shown) -> pl.DataFrame:
        """Requests per 1,000 courses active in the period, with the exact (Garwood) interval:
        shown where both counts are."""
        rows = []
        for period, area, grp in self._released(shown):
            n, courses = shown.shown("requests", period, area, grp), shown.shown("courses_active", period, area, grp)
            if n is None or not courses:
                rows.append(("pilot_uptake", period, area, grp, None, None, None, n is None or courses is None))
                continue
            rate = poisson_rate(n, courses, per=1000)
            rows.append(("pilot_uptake", period, area, grp, rate.estimate, rate.lower, rate.upper, False))
        return _statistics(rows)

    def _shares(self, shown: Shown) -> pl.DataFrame:
        """The share of requests for early clarification: shown where it and its complement are."""
        rows = []
        for period, area, grp in self._released(shown):
            if not shown.known("requests", period, area, _with(grp, context="early_clarification")):
                continue
            early = shown.shown("requests", period, area, _with(grp, context="early_clarification"))
            concrete = shown.shown("requests", period, area, _with(grp, context="concrete_offer"))
            if not rules.share_shown(early, concrete):
                rows.append(("pilot_early_share", period, area, grp, None, None, None, early is None or concrete is None))
                continue
            share = proportion(early, early + concrete)
            rows.append(("pilot_early_share", period, area, grp, share.estimate, share.lower, share.upper, False))
        return _statistics(rows)

    def pinning_zeros(self, shown: Shown) -> list[tuple[str, str, str, str]]:
        """Municipalities at zero to hide so that no count of municipalities with requests tells
        that every hidden municipality of its area has one (rules.units_bound): per such area, the
        zero with the fewest courses, in a region whose hidden municipalities hold at least k."""
        w = self.window.id
        municipalities = self.ctx.areas.at("municipality")
        extra = []
        for area in [COUNTRY, *self.regions]:
            members = [m for m in municipalities if area == COUNTRY or self.ctx.areas[m].parent == area]
            listed = [(shown.shown("requests", w, m), shown.hidden("requests", w, m)) for m in members]
            count = self._in_view(w, area, "")["municipality"].n_unique()
            if not rules.units_bound(count, listed) or any(k[2] in members for k in extra):
                continue
            hidden_sum = {r: sum(shown.true("requests", w, m) for m in municipalities
                                 if self.ctx.areas[m].parent == r and shown.hidden("requests", w, m))
                          for r in self.regions}
            zeros = [m for m in members if shown.shown("requests", w, m) == 0
                     and hidden_sum[self.ctx.areas[m].parent] >= self.ctx.k]
            if zeros:
                pick = min(zeros, key=lambda m: (shown.true("courses_active", w, m), m))
                extra.append(("requests", w, pick, ""))
        return extra

    def _units(self, shown: Shown) -> pl.DataFrame:
        """Municipalities with at least one request, per view, where it pins no municipality.

        Beside the list of municipalities (the whole window) the count can tell that every hidden
        municipality has at least one request: that is a claim (`claim`, the cells it bounds)
        which the build keeps only if the release stays certified with it.
        """
        w = self.window.id
        municipalities = self.ctx.areas.at("municipality")
        rows = []
        for period, area, grp in self._released(shown):
            view = self._in_view(period, area, grp)
            count = view["municipality"].n_unique()
            persons = shown.shown("requests", period, area, grp)
            claim = None
            listed = None
            if period == w and grp == "":
                members = [m for m in municipalities if area == COUNTRY or self.ctx.areas[m].parent == area]
                listed = [(shown.shown("requests", w, m), shown.hidden("requests", w, m)) for m in members]
                if rules.units_bound(count, listed):
                    claim = [shown.row("requests", w, m) for m in members if shown.hidden("requests", w, m)]
            visible = rules.units_shown(count, persons, listed)
            rows.append(("pilot_municipalities", period, area, grp, count if visible else None, not visible, count,
                         claim if visible else None))
        return pl.DataFrame(rows, schema={"measure": pl.String, "period": pl.String, "area": pl.String,
                                          "grp": pl.String, "value": pl.Int64, "hidden": pl.Boolean,
                                          "true": pl.Int64, "claim": pl.List(pl.Int64)}, orient="row")

    def _durations(self, shown: Shown) -> pl.DataFrame:
        """Kaplan–Meier quantiles of days to advice and the closed-only median, each shown only
        with at least k requests on either side of it."""
        rows = []
        for period, area, grp in self.speed_views():
            if not shown.known("requests", period, area, _with(grp, within=str(LADDER[0]))):
                continue  # the view's curve is not in the release
            view = self._in_view(period, area, grp)
            days, advised = view["days"].to_list(), view["advised"].to_list()
            base_hidden = shown.hidden("requests", period, area, grp)
            for statistic, value in rules.duration_statistics(days, advised, self.ctx.k, hidden=base_hidden).items():
                rows.append(("pilot_days_to_advice", period, area, grp, statistic, *value))
        return pl.DataFrame(rows, schema={"measure": pl.String, "period": pl.String, "area": pl.String,
                                          "grp": pl.String, "statistic": pl.String, "value": pl.Float64,
                                          "status": pl.String}, orient="row")

    def _curves(self, shown: Shown) -> pl.DataFrame:
        """The share still waiting for advice at each shown day of the ladder (Kaplan–Meier)."""
        rows = []
        for period, area, grp in self.speed_views():
            if shown.hidden("requests", period, area, grp) or not shown.known(
                    "requests", period, area, _with(grp, within=str(LADDER[0]))):
                continue
            view = self._in_view(period, area, grp)
            survival = kaplan_meier(view["days"].to_list(), view["advised"].to_list())
            rows.append(("pilot_days_to_advice", period, area, grp, 0, 1.0))
            for t in LADDER:
                if shown.known("requests", period, area, _with(grp, within=str(t))):
                    if not shown.hidden("requests", period, area, _with(grp, within=str(t))):
                        rows.append(("pilot_days_to_advice", period, area, grp, t, survival_at(survival, t).estimate))
        return pl.DataFrame(rows, schema={"measure": pl.String, "period": pl.String, "area": pl.String,
                                          "grp": pl.String, "days": pl.Int64, "waiting": pl.Float64}, orient="row")

    def _funnel(self, shown: Shown) -> dict[str, pl.DataFrame]:
        """Municipalities' uptake against their courses over the whole window, with exact Poisson
        limits around the national rate on a grid whose ends reveal no municipality's courses."""
        w = self.window.id
        n, courses = shown.shown("requests", w, COUNTRY), shown.shown("courses_active", w, COUNTRY)
        points = []
        for m in self.ctx.areas.at("municipality"):
            r, c = shown.shown("requests", w, m), shown.shown("courses_active", w, m)
            if r is not None and c:
                points.append((m, r, c))
        limit_schema = {"measure": pl.String, "period": pl.String, "exposure": pl.Float64, "lower_95": pl.Float64,
                        "upper_95": pl.Float64, "lower_998": pl.Float64, "upper_998": pl.Float64}
        point_schema = {"measure": pl.String, "period": pl.String, "area": pl.String, "rate": pl.Float64,
                        "position": pl.String}
        if n is None or not courses or not points:
            return {"rel_funnel_limits": pl.DataFrame(schema=limit_schema),
                    "rel_funnel_points": pl.DataFrame(schema=point_schema)}
        national = n / courses * 1000
        low, high = rules.funnel_span([c for _, _, c in points])
        limits = poisson_funnel(national, [low, high], per=1000)
        return {
            "rel_funnel_limits": pl.DataFrame({
                "measure": "pilot_uptake", "period": w, "exposure": limits.exposure, "lower_95": limits.lower_95,
                "upper_95": limits.upper_95, "lower_998": limits.lower_998, "upper_998": limits.upper_998,
            }, schema=limit_schema),
            "rel_funnel_points": pl.DataFrame(
                [("pilot_uptake", w, m, r / c * 1000, funnel_position(r, c, national, per=1000)) for m, r, c in points],
                schema=point_schema, orient="row"),
        }


def _with(grp: str, **dims: str) -> str:
    """A group string with more breakdowns."""
    parts = dict(part.split("=", 1) for part in grp.split("|")) if grp else {}
    return group_key(**parts, **dims)


def _statistics(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"measure": pl.String, "period": pl.String, "area": pl.String,
                                      "grp": pl.String, "estimate": pl.Float64, "lower": pl.Float64,
                                      "upper": pl.Float64, "hidden": pl.Boolean}, orient="row")
