"""Count cells: what the release counts, by period, area and group, with its true value.

A cell is a key (measure, period, area, group) and a count of persons. The group is a canonical
string of breakdowns, 'age=30-39|context=early_clarification' (empty for everyone), so the same
count is the same cell in every table that shows it. Cells are *released* (some page can show
them) or not (a category no page shows, kept because an intruder can still subtract towards it).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import polars as pl

from release.areas import Areas
from release.periods import Period

NO_GROUP = ""
Key = tuple[str, str, str, str]  # measure, period, area, grp
SCHEMA = {"measure": pl.String, "period": pl.String, "area": pl.String, "grp": pl.String, "value": pl.Int64,
          "released": pl.Boolean}


@dataclass(frozen=True)
class Category:
    """A breakdown whose values partition the persons; a value may split further (a tree)."""

    parents: dict[str, str | None]  # value -> the value it lies in (None: directly under all)

    def children(self, value: str | None) -> list[str]:
        """The values directly under `value` (None: the top level)."""
        return [v for v, p in self.parents.items() if p == value]

    def top(self, leaf: str) -> str:
        """The top-level value a value lies in."""
        while self.parents[leaf] is not None:
            leaf = self.parents[leaf]
        return leaf

    def leaves(self) -> list[str]:
        """Values with nothing under them, in order."""
        return [v for v in self.parents if not self.children(v)]


def flat(*values: str) -> Category:
    """A breakdown without sub-values."""
    return Category({v: None for v in values})


OUTCOMES = ("offer_adjusted", "offer_kept", "offer_replaced", "withdrawn")
DIMENSIONS: dict[str, Category] = {
    "sex": flat("F", "M"),
    "age": flat("16-29", "30-39", "40-49", "50-59", "60+"),
    "context": flat("early_clarification", "concrete_offer"),
    # A request is still open, or advised with one of four outcomes.
    "advice": Category({"open": None, "advised": None, **{o: "advised" for o in OUTCOMES}}),
    "dialogue": flat("yes", "no"),
    "offer": flat("company_internship", "mentor", "education", "health_or_social", "other"),
    "decision": flat("resource_course", "flex_job", "disability_pension", "other"),
    # Case processing (release.processing): a referred case is waiting for a decision or decided,
    # one of four decisions; it has had the team meeting or not; a course decided has started or
    # not, has a coordinating caseworker or not; a started course has had an internship or not.
    "case_decision": Category({"pending": None, "decided": None, "resource_course": "decided",
                               "flex_job": "decided", "disability_pension": "decided", "other": "decided"}),
    "meeting": flat("yes", "no"),
    "started": flat("yes", "no"),
    "coordinator": flat("yes", "no"),
    "internship": flat("yes", "no"),
    # The pool (release.pool): a case is referred in a municipality with a grant from the pool or
    # not (public decisions); a case with a team meeting was prepared with the citizen or not; an
    # internship was completed or not.
    "pool": flat("other", "grant"),
    "involved": flat("yes", "no"),
    "completed": flat("yes", "no"),
    # The estimation samples of the pool's effects (release.pool.samples): which outcome's sample
    # a case is in, and whether its outcome is a success (prepared with the citizen; an
    # internship within the months).
    "outcome": flat("citizen_involved", "days_referral_to_decision", "internship_6", "internship_12"),
    "success": flat("yes", "no"),
}
# Breakdowns whose values are nested, not disjoint: "advised within 28 days" lies inside
# "advised within 35 days", which lies inside the advised requests (the breakdown value named).
THRESHOLDS = {
    "within": ("advice", "advised"),
    # Cases that left a stage of case processing within t days lie inside those that left it.
    "within_meeting": ("meeting", "yes"),
    "within_meeting_decision": ("case_decision", "decided"),
    "within_decision": ("case_decision", "decided"),
    "within_start": ("started", "yes"),
    "within_coordinator": ("coordinator", "yes"),
    "within_internship": ("internship", "yes"),
}


@dataclass(frozen=True)
class Measure:
    """What a cell counts, and how its counts of two periods relate."""

    name: str
    label_da: str
    # events: each person counts in the period of one date, so a period's count is the sum of its
    # parts'; stock: a person counts in every period they are active in, so periods are nested.
    over_time: str


MEASURES = {m.name: m for m in (
    Measure("requests", "anmodninger", "events"),
    Measure("courses_active", "ressourceforløb i gang", "stock"),
    Measure("courses_started", "nye ressourceforløb", "events"),
    Measure("decisions", "afgørelser", "events"),
    Measure("cases", "sager visiteret", "events"),
    Measure("channel_sparring", "sparring med sundhedskoordinator", "events"),
    Measure("channel_gp", "inddragelse af praktiserende læge", "events"),
    # Cases of the pool's estimation samples by municipality and referral quarter (unreleased) and
    # by quarter since the grant start: their relations are the pool's own (CellSet.relate).
    Measure("pool_sample", "sager i effektberegningen", "fixed"),
)}


def lies_in(dim: str, value: str, outer: str) -> bool:
    """Whether a breakdown's value lies in `outer` (or is it)."""
    category = DIMENSIONS[dim]
    while value is not None:
        if value == outer:
            return True
        value = category.parents[value]
    return False


def narrowed(dims: dict[str, str], dim: str, value: str) -> dict[str, str] | None:
    """These breakdowns also restricted to `dim` = `value`; None when the two cannot meet (a case
    decided on a flex job is never waiting for a decision)."""
    have = dims.get(dim)
    if have is None or lies_in(dim, value, have):
        return {**dims, dim: value}
    if lies_in(dim, have, value):
        return dict(dims)
    return None


def group_key(**dims: str) -> str:
    """The canonical group string of these breakdowns."""
    return "|".join(f"{d}={v}" for d, v in sorted(dims.items()))


def parse_group(key: str) -> dict[str, str]:
    """The breakdowns of a group string."""
    return dict(part.split("=", 1) for part in key.split("|")) if key else {}


def empty() -> pl.DataFrame:
    """No cells."""
    return pl.DataFrame(schema=SCHEMA)


def counted(
    base: pl.DataFrame,
    measure: str,
    periods: list[Period],
    areas: Areas,
    levels: list[str],
    groupings: list[tuple[str, ...]],
    *,
    unreleased: dict[str, set[str]] | None = None,
) -> pl.DataFrame:
    """Every cell of periods x areas at `levels` x each grouping, zeros included.

    `base` holds counts `n` per `municipality` and the breakdown columns, and either a `quarter`
    (an event's quarter: a period's count sums its quarters) or a `period` (a stock counted per
    period). A grouping names breakdowns; 'advice^' takes a breakdown at its top level. Cells of
    the values in `unreleased` are kept as unreleased cells.
    """
    unreleased = unreleased or {}
    periods = list({p.id: p for p in periods}.values())
    if "quarter" in base.columns:
        members = pl.DataFrame(
            [(p.id, q) for p in periods for q in p.quarters], schema={"period": pl.String, "quarter": pl.String},
            orient="row")
        base = base.join(members, on="quarter").drop("quarter")
    else:
        base = base.filter(pl.col("period").is_in([p.id for p in periods]))
    frames = []
    for level in levels:
        at_level = base.with_columns(pl.col("municipality").replace_strict(areas.municipality_map(level)).alias("area"))
        for grouping in groupings:
            dims = [g.rstrip("^") for g in grouping]
            mapped = at_level.with_columns(
                pl.col(d).replace_strict({v: DIMENSIONS[d].top(v) for v in DIMENSIONS[d].parents})
                for g, d in zip(grouping, dims) if g.endswith("^")
            )
            sums = mapped.group_by(["period", "area", *dims]).agg(pl.col("n").sum().alias("value"))
            values = [DIMENSIONS[d].children(None) if g.endswith("^") else DIMENSIONS[d].leaves()
                      for g, d in zip(grouping, dims)]
            grid = pl.DataFrame(
                [(p.id, a, *combo) for p in periods for a in areas.at(level) for combo in product(*values)],
                schema={"period": pl.String, "area": pl.String, **{d: pl.String for d in dims}}, orient="row")
            cells = grid.join(sums, on=["period", "area", *dims], how="left").with_columns(
                pl.col("value").fill_null(0).cast(pl.Int64))
            released = pl.lit(True)
            for d in dims:
                if d in unreleased:
                    released &= ~pl.col(d).is_in(list(unreleased[d]))
            grp = pl.concat_str([pl.lit(f"{d}=") + pl.col(d) for d in sorted(dims)], separator="|") if dims else pl.lit(NO_GROUP)
            frames.append(cells.select(pl.lit(measure).alias("measure"), "period", "area", grp.alias("grp"), "value",
                                       released.alias("released")))
    return pl.concat(frames) if frames else empty()


class CellSet:
    """The tables of cells the theme builders declare."""

    def __init__(self) -> None:
        self.tables: list[tuple[pl.DataFrame, bool]] = []
        self.relations: list[tuple[tuple[Key, ...], Key]] = []

    def relate(self, parts: list[Key], total: Key) -> None:
        """A relation the breakdowns, areas and periods do not give: total = sum of parts."""
        self.relations.append((tuple(parts), total))

    def add(self, frame: pl.DataFrame, *, optional: bool = False) -> None:
        """Add a table of cells (columns of SCHEMA). An optional table is released only if the
        data carry it: if adding it hides no cell released before it (release.build)."""
        self.tables.append((frame.select(list(SCHEMA)).cast(SCHEMA), optional))

    def required(self) -> list[pl.DataFrame]:
        """The tables that are always released."""
        return [f for f, optional in self.tables if not optional]

    def optional(self) -> list[pl.DataFrame]:
        """The tables released only when the data carry them, in the order they were declared."""
        return [f for f, optional in self.tables if optional]


def merged(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Every cell of these tables once, released if any table releases it, numbered 0..n-1;
    ValueError if two tables disagree on a cell's value (a builder bug)."""
    if not frames:
        return empty().with_row_index("cell")
    cells = pl.concat(frames).group_by(["measure", "period", "area", "grp"], maintain_order=True).agg(
        pl.col("value").min().alias("value"), pl.col("value").max().alias("check"), pl.col("released").any())
    clash = cells.filter(pl.col("value") != pl.col("check"))
    if clash.height:
        raise ValueError(f"cells counted twice with different values: {clash.head(3).to_dicts()}")
    return cells.drop("check").with_row_index("cell")
