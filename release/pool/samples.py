"""The counts behind the event study's observed path: the grant municipalities' cases in each
effect's estimation sample, by quarter since their own grant start, and whether the outcome was
a success (prepared with the citizen; an internship within the months).

A path point is a sum over municipalities of counts at different calendar quarters, so it is not
a sum of released cells. The grant municipalities of a region that started in the same quarter
(a cohort) are one unit: each unit's count per quarter is declared as an unreleased cell (area:
the region, group: the cohort), every path point is written as the sum of its units' cells, and
those cells add up to the region's and the country's quarterly counts of the grant
municipalities that the page shows (for the outcomes counted the same way), so the engine sees
every way to subtract one from another. Units coarser than municipalities are exact here: every
relation a reader can write sums whole units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from release.areas import COUNTRY
from release.cells import CellSet, group_key
from release.periods import quarter_id
from release.pool import effects

if TYPE_CHECKING:
    from release.pool import Pool

MEASURE = "pool_sample"
# sample name -> (outcome of release.pool.effects, months, the quarterly count each success
# state equals when summed over a region's grant municipalities: breakdowns, or None)
SAMPLES = {
    "citizen_involved": ("citizen_involved", 6, {"yes": {"meeting": "yes", "involved": "yes"},
                                                 "no": {"meeting": "yes", "involved": "no"}}),
    "days_referral_to_decision": ("days_referral_to_decision", 6, {"": {}}),
    "internship_6": ("internship_within", 6, None),
    "internship_12": ("internship_within", 12, None),
}


def event_period(event: int) -> str:
    """The cell period of a quarter since the grant start (the ends binned)."""
    return f"event:{event}"


def sample_group(name: str, success: str | None = None) -> str:
    """The cell group of a sample (and a success state)."""
    return group_key(outcome=name, **({"success": success} if success else {}))


def declare(pool: Pool, cells: CellSet) -> None:
    """Each sample's cells per grant municipality and quarter (unreleased), per quarter since the
    start for the country (released: the observed path), and their relations."""
    data_end = pool.ctx.dataset.data_end
    region_of = pool.ctx.areas.municipality_map("region")
    rows = []
    for name, (outcome, months, _) in SAMPLES.items():
        frame = effects.sample(pool.pool_cases, outcome, data_end, months).filter(pl.col("treated")).with_columns(
            pl.col("municipality").replace_strict(region_of).alias("region"),
            # The cohort is the start's quarter: quarters since the start count from it.
            (pl.col("start").dt.year().cast(pl.String) + "K" + pl.col("start").dt.quarter().cast(pl.String))
            .alias("cohort"))
        states = ["yes", "no"] if SAMPLES[name][2] != {"": {}} else []
        grouped = frame.group_by("region", "cohort", "quarter_start", "event").agg(
            pl.len().alias("n"), (pl.col("y") > 0).sum().alias("yes"))
        for region, cohort, quarter, event, n, yes in grouped.iter_rows():
            values = {None: n, "yes": yes, "no": n - yes} if states else {None: n}
            for success, value in values.items():
                rows.append((name, success, region, cohort, quarter_id(quarter), int(event), int(value)))
    if not rows:
        return
    counts = pl.DataFrame(rows, schema={"sample": pl.String, "success": pl.String, "region": pl.String,
                                        "cohort": pl.String, "quarter": pl.String, "event": pl.Int64,
                                        "value": pl.Int64}, orient="row")
    # One order every run: the engine's choices follow the order of the cells.
    counts = counts.sort("sample", "success", "region", "cohort", "quarter", nulls_last=False)
    counts = counts.with_columns(
        pl.Series("grp", [sample_group(s, c) for s, c in zip(counts["sample"], counts["success"])], dtype=pl.String),
    ).with_columns(pl.concat_str([pl.lit("cohort=") + pl.col("cohort"), pl.col("grp")], separator="|").alias("unit"))
    cells.add(counts.select(pl.lit(MEASURE).alias("measure"), pl.col("quarter").alias("period"),
                            pl.col("region").alias("area"), pl.col("unit").alias("grp"), "value",
                            pl.lit(False).alias("released")))
    path = counts.group_by("grp", "event").agg(pl.col("value").sum()).sort("grp", "event")
    events = range(-effects.EVENT_WINDOW, effects.EVENT_WINDOW + 1)
    grid = pl.DataFrame([(g, e) for g in sorted(set(counts["grp"].to_list())) for e in events],
                        schema={"grp": pl.String, "event": pl.Int64}, orient="row")
    path = grid.join(path, on=["grp", "event"], how="left").with_columns(pl.col("value").fill_null(0))
    cells.add(path.select(pl.lit(MEASURE).alias("measure"),
                          pl.format("event:{}", pl.col("event")).alias("period"),
                          pl.lit(COUNTRY).alias("area"), "grp", "value", pl.lit(True).alias("released")))
    members: dict[tuple, list] = {}
    links: dict[tuple, list] = {}
    for sample, success, region, _, quarter, event, _, grp, unit in counts.iter_rows():
        key = (MEASURE, quarter, region, unit)
        members.setdefault((MEASURE, event_period(event), COUNTRY, grp), []).append(key)
        link = SAMPLES[sample][2]
        if link is not None and (success or "") in link:
            dims = {"pool": "grant", **link[success or ""]}
            for area in (region, COUNTRY):
                links.setdefault(("cases", quarter, area, group_key(**dims)), []).append(key)
    for total, parts in members.items():
        cells.relate(parts, total)
    for total, parts in links.items():
        cells.relate(parts, total)
