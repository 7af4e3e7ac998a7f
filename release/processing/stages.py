"""The stages of case processing as counts of the release: who entered a stage, who left it, who
is still in it, and who left it within a given number of days.

A referred case is one person. Every count of a stage is a count of referred cases with some
states (release.cells.DIMENSIONS): the cases that had the team meeting (meeting=yes) are the
cases of the stage from the meeting to the decision, and those of them decided
(case_decision=decided) left it. So one count is one cell, however many stages show it, and the
relations between stages are the breakdowns' own (decided + pending = all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from release.areas import COUNTRY, Areas
from release.cells import SCHEMA, group_key, narrowed, parse_group
from release.disclosure import rules
from release.periods import Period


@dataclass(frozen=True)
class Stage:
    """A stage: its Danish label, the states of the cases in it, the state that says it ended,
    and the breakdown counting those who ended it within t days."""

    label: str
    since: str  # what its days count from, for axis titles
    entered: tuple[tuple[str, str], ...]
    ended: tuple[str, str]  # (breakdown, value) of the cases that left the stage
    waiting: tuple[str, str]  # (breakdown, value) of the cases still in it
    within: str

    def cases(self) -> dict[str, str]:
        return dict(self.entered)

    def closed(self) -> dict[str, str]:
        return {**self.cases(), self.ended[0]: self.ended[1]}

    def open(self) -> dict[str, str]:
        return {**self.cases(), self.waiting[0]: self.waiting[1]}


STAGES: dict[str, Stage] = {
    "referral_to_team_meeting": Stage("Visitation → rehabiliteringsteammøde", "visitationen", (), ("meeting", "yes"),
                                      ("meeting", "no"), "within_meeting"),
    "team_meeting_to_decision": Stage("Rehabiliteringsteammøde → afgørelse", "rehabiliteringsteammødet",
                                      (("meeting", "yes"),),
                                      ("case_decision", "decided"), ("case_decision", "pending"),
                                      "within_meeting_decision"),
    "referral_to_decision": Stage("Visitation → afgørelse", "visitationen", (), ("case_decision", "decided"),
                                  ("case_decision", "pending"), "within_decision"),
    "decision_to_course_start": Stage("Afgørelse → start af ressourceforløb", "afgørelsen",
                                      (("case_decision", "resource_course"),),
                                      ("started", "yes"), ("started", "no"), "within_start"),
    "decision_to_coordinator": Stage("Afgørelse → koordinerende sagsbehandler", "afgørelsen",
                                     (("case_decision", "resource_course"),), ("coordinator", "yes"),
                                     ("coordinator", "no"), "within_coordinator"),
    "course_start_to_internship": Stage("Forløbsstart → første virksomhedspraktik", "forløbets start",
                                        (("case_decision", "resource_course"), ("started", "yes")),
                                        ("internship", "yes"), ("internship", "no"), "within_internship"),
}
# The thresholds a reader can choose (4, 8, 13, 26 and 52 weeks), and the days a curve may have a
# point at: weekly for a month, then every two weeks, monthly, quarterly and yearly.
THRESHOLD_DAYS = (28, 56, 91, 182, 364)
LADDER = (7, 14, 21, 28, 42, 56, 70, 91, 119, 154, 182, 273, 364, 455, 546, 730, 1095, 1460)
VIEW_DIMS = ("sex", "age", "case_decision", "pool")


def counts(stage: str) -> dict[str, dict[str, str]]:
    """The stage's counts (cases, closed, open) as breakdowns."""
    s = STAGES[stage]
    return {"cases": s.cases(), "closed": s.closed(), "open": s.open()}


def cell_group(view: str, dims: dict[str, str]) -> str | None:
    """The group string of a count with these breakdowns in a view (a group string), or None
    when no case can be both (waiting for a decision in a view of flex-job decisions)."""
    merged: dict[str, str] | None = parse_group(view)
    for dim, value in dims.items():
        merged = narrowed(merged, dim, value)
        if merged is None:
            return None
    return group_key(**merged)


def within_group(view: str, stage: str, days: int) -> str | None:
    """The group string of the cases of a view that left a stage within `days` days."""
    s = STAGES[stage]
    return cell_group(view, {**s.closed(), s.within: str(days)})


def condition(dims: dict[str, str]) -> pl.Expr:
    """The cases with these breakdowns (case_decision=decided: any decision)."""
    out = pl.lit(True)
    for dim, value in dims.items():
        if dim == "case_decision" and value == "decided":
            out &= pl.col(dim) != "pending"
        else:
            out &= pl.col(dim) == value
    return out


@dataclass(frozen=True)
class Spec:
    """One count per view: its breakdowns, which cases it counts, and (for a day of a curve) which
    cases are still waiting after that day."""

    dims: tuple[tuple[str, str], ...]
    condition: pl.Expr
    after: pl.Expr | None = None  # cases still in the stage after the day: the point's support


def specs(days: tuple[int, ...], ladder: tuple[int, ...] = ()) -> dict[str, Spec]:
    """The counts of every stage, and the counts within each of `days` (always released) and of
    `ladder` (released while at least k cases are still waiting after the day)."""
    out: dict[str, Spec] = {}
    for name, stage in STAGES.items():
        for dims in counts(name).values():
            out.setdefault(group_key(**dims), Spec(tuple(dims.items()), condition(dims)))
        column = pl.col(f"{name}_days")
        for t in sorted({*days, *ladder}):
            dims = {**stage.closed(), stage.within: str(t)}
            after = None if t in days else (column > t).fill_null(False)
            out[group_key(**dims)] = Spec(tuple(dims.items()), condition(stage.closed()) & (column <= t), after)
    return out


def tabulate(cases: pl.DataFrame, measure: str, specs_: dict[str, Spec], periods: list[Period], areas: Areas,
             level: str, views: list[str], k: int) -> pl.DataFrame:
    """Every count of `specs_` for periods x areas of `level` x views (group strings), zeros
    included, as cells (release.cells.SCHEMA). A day of a curve is released only while at least
    k cases of the view are still waiting after it."""
    names = list(specs_)
    support = {n: f"_after{i}" for i, n in enumerate(names) if specs_[n].after is not None}
    keys = ["quarter", "municipality", *VIEW_DIMS]
    indicators = cases.select(
        *keys, *(specs_[n].condition.cast(pl.Int64).alias(f"_c{i}") for i, n in enumerate(names)),
        *(specs_[n].after.cast(pl.Int64).alias(support[n]) for n in support),
    ).group_by(keys).sum()
    members = pl.DataFrame([(p.id, q) for p in periods for q in p.quarters],
                           schema={"period": pl.String, "quarter": pl.String}, orient="row")
    mapping = areas.municipality_map(level)
    frames = []
    for view in views:
        chosen = indicators
        for dim, value in parse_group(view).items():
            chosen = chosen.filter(condition({dim: value}))
        sums = (chosen.join(members, on="quarter")
                .with_columns(pl.col("municipality").replace_strict(mapping, default=None).alias("area"))
                .drop_nulls("area")
                .group_by("period", "area").agg(pl.exclude(*keys, "period", "area").sum()))
        grid = pl.DataFrame([(p.id, a) for p in periods for a in areas.at(level)],
                            schema={"period": pl.String, "area": pl.String}, orient="row")
        full = grid.join(sums, on=["period", "area"], how="left").fill_null(0)
        for i, name in enumerate(names):
            grp = cell_group(view, dict(specs_[name].dims))
            if grp is None:
                continue
            released = pl.col(support[name]) >= k if name in support else pl.lit(True)
            frames.append(full.select(pl.lit(measure).alias("measure"), "period", "area", pl.lit(grp).alias("grp"),
                                      pl.col(f"_c{i}").cast(pl.Int64).alias("value"), released.alias("released")))
    if not frames:
        return pl.DataFrame(schema=SCHEMA)
    cells = pl.concat(frames).unique(["measure", "period", "area", "grp"], keep="first", maintain_order=True)
    return _carried(cells, specs_, {p.id: "quarter" if len(p.quarters) == 1 else "longer" for p in periods}, k)


def _carried(cells: pl.DataFrame, specs_: dict[str, Spec], kinds: dict[str, str], k: int) -> pl.DataFrame:
    """Counts within a threshold released only where the data carry them (rules.may_carry): a
    threshold whose counts are mostly 1 to k-1 over the areas and quarters (or longer periods)
    of a table is kept back as a whole, rather than hidden cell by cell, which would hide the
    counts beside them too. Kept back, its counts still bind what is shown (relations)."""
    thresholds = {d for spec in specs_.values() for d, _ in spec.dims if d.startswith("within")}
    if not thresholds:
        return cells
    family = pl.col("grp").str.replace(r"^(?:.*\|)?((?:" + "|".join(sorted(thresholds)) + r")=\d+).*$", "$1")
    tagged = cells.with_columns(
        pl.when(pl.col("grp").str.contains("within")).then(family).otherwise(None).alias("_family"),
        pl.col("period").replace_strict(kinds, default="longer").alias("_kind"))
    verdicts = {}
    for (fam, kind), part in tagged.filter(pl.col("_family").is_not_null()).group_by("_family", "_kind"):
        values = part["value"].filter(part["released"])
        verdicts[(fam, kind)] = rules.may_carry(values, k) if values.len() else True
    keep = pl.Series([verdicts.get((f, kd), True) if f is not None else True
                      for f, kd in zip(tagged["_family"], tagged["_kind"])], dtype=pl.Boolean)
    return cells.with_columns((pl.col("released") & keep).alias("released"))


def in_view(cases: pl.DataFrame, period: Period, area: str, view: str, areas: Areas) -> pl.DataFrame:
    """The cases of one view (load side only)."""
    chosen = cases.filter(pl.col("quarter").is_in(list(period.quarters)))
    if area != COUNTRY:
        level = areas[area].level
        chosen = chosen.filter(pl.col("municipality").is_in(
            [m for m, a in areas.municipality_map(level).items() if a == area]))
    for dim, value in parse_group(view).items():
        chosen = chosen.filter(condition({dim: value}))
    return chosen


def durations(view_cases: pl.DataFrame, stage: str) -> tuple[np.ndarray, np.ndarray]:
    """Days in the stage and whether it ended, for the cases of a view that entered it."""
    rows = view_cases.filter(pl.col(f"{stage}_days").is_not_null())
    return (rows[f"{stage}_days"].to_numpy().astype(float), rows[f"{stage}_done"].to_numpy().astype(bool))
