"""What the overview page asks: key figures of the loaded data beside the published ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analysis.database import LiveDatabase
from analysis.disclosure import (
    ProtectedTable,
    ProtectedValue,
    protect_count,
    protect_statistic,
    protect_table,
    public_table,
)

# Days on which published stock figures were measured (the sources give the month).
PUBLISHED_STOCK_DAYS = {"persons_2015": date(2015, 9, 30), "persons_2016": date(2016, 11, 30)}


@dataclass(frozen=True)
class KeyFigures:
    """The overview's headline figures, all through disclosure control."""

    as_of: date
    persons_in_course: ProtectedValue
    courses_in_pilot_window: ProtectedValue
    pilot_requests: ProtectedValue
    pilot_municipalities: ProtectedValue
    pool_granted_dkk: ProtectedValue
    pool_municipalities: ProtectedValue
    pool_grants: ProtectedValue


def _one(db: LiveDatabase, name: str, params: dict) -> dict:
    return db.run(name, params).row(0, named=True)


def key_figures(db: LiveDatabase, region: str | None = None) -> KeyFigures:
    """Headline figures of the loaded data, nationally or for one region."""
    info = db.refresh()
    scope = {"region": region}
    persons = _persons_on(db, info.data_end_date, region)
    window = _one(db, "courses_active_between", {**scope, "start": info.pilot_start, "end": info.pilot_end})
    pilot = _one(db, "pilot_summary", scope)
    pool = _one(db, "pool_summary", scope)
    grants = pool["grants"]
    # A total amount is hidden when it sums fewer than k municipalities' grants.
    return KeyFigures(
        as_of=info.data_end_date,
        persons_in_course=protect_count(persons),
        courses_in_pilot_window=protect_count(window["courses_active"]),
        pilot_requests=protect_count(pilot["requests"]),
        pilot_municipalities=protect_count(pilot["municipalities"]),
        pool_granted_dkk=protect_statistic(pool["granted_dkk"], pool["municipalities"]),
        pool_municipalities=protect_count(pool["municipalities"]),
        pool_grants=protect_count(grants),
    )


def _persons_on(db: LiveDatabase, day: date, region: str | None) -> int:
    """Persons in a course on one day: courses active from that day to that day."""
    return _one(db, "courses_active_between", {"region": region, "start": day, "end": day})["courses_active"]


def persons_by_quarter(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """Persons in a course at each quarter's end, and courses started in the quarter."""
    frame = db.run("persons_in_course_by_quarter", {"region": region})
    return protect_table(frame, counts=("persons_in_course", "courses_started"))


def courses_and_decisions_by_year(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """New courses and decisions by type per year."""
    frame = db.run("new_courses_by_year", {"region": region})
    counts = ("new_courses", "resource_course", "flex_job", "disability_pension", "other", "decisions")
    return protect_table(frame, counts=counts)


def comparison_with_published(db: LiveDatabase) -> ProtectedTable:
    """Each published figure that the loaded data can reproduce, beside the loaded value.

    Always national: the published figures are national.
    """
    info = db.refresh()
    published = db.run("published_figures")
    loaded: dict[str, int | None] = {}
    for figure_id, day in PUBLISHED_STOCK_DAYS.items():
        if info.first_referral_date <= day <= info.data_end_date:
            loaded[figure_id] = _persons_on(db, day, None)
    pilot = _one(db, "pilot_summary", {"region": None})
    pool = _one(db, "pool_summary", {"region": None})
    window = _one(db, "courses_active_between", {"region": None, "start": info.pilot_start, "end": info.pilot_end})
    loaded.update(
        pilot_uses=pilot["requests"],
        pilot_municipalities=pilot["municipalities"],
        pilot_courses=window["courses_active"],
        pool_initiative_package=pool["granted_dkk"],
        pool_satspulje_2016=pool["granted_dkk"],
        pool_municipalities=pool["municipalities"],
    )
    rows = published.filter(pl.col("figure_id").is_in(list(loaded))).with_columns(
        pl.col("figure_id").replace_strict(loaded, default=None, return_dtype=pl.Int64).alias("loaded_value")
    )
    # Amounts are sums over grants, not counts of persons; they are hidden with the grants.
    rows = rows.with_columns(
        pl.when(pl.col("unit") == "kr.").then(pool["municipalities"]).otherwise(pl.col("loaded_value")).alias("loaded_base")
    )
    table = protect_table(rows, statistics={"loaded_value": "loaded_base"})
    return ProtectedTable(table.frame.drop("loaded_base"), table.hidden, table.k)


def other_published(db: LiveDatabase) -> ProtectedTable:
    """Published figures that the loaded data cannot reproduce (shown as context, with source)."""
    comparable = set(PUBLISHED_STOCK_DAYS) | {
        "pilot_uses", "pilot_municipalities", "pilot_courses",
        "pool_initiative_package", "pool_satspulje_2016", "pool_municipalities",
    }
    return public_table(db.run("published_figures").filter(~pl.col("figure_id").is_in(list(comparable))))


def events(db: LiveDatabase) -> pl.DataFrame:
    """Events to mark on time axes."""
    return db.run("events")


def regions(db: LiveDatabase) -> pl.DataFrame:
    """Region codes and names."""
    return db.run("regions")
