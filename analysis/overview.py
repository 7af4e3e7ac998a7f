"""What the overview page asks: key figures of the loaded data beside the published ones.

Every figure is computed for all regions and the whole country at once and protected as one
table (analysis.disclosure.protect_areas), so no two views can be subtracted to reveal a
hidden cell. A view then picks its area from the protected table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analysis.database import LiveDatabase
from analysis.disclosure import (
    ProtectedTable,
    ProtectedValue,
    protect_areas,
    public_table,
    public_value,
    select_area,
    value_of,
)

# Days on which published stock figures were measured (the sources give the month).
PUBLISHED_STOCK_DAYS = {"persons_2015": date(2015, 9, 30), "persons_2016": date(2016, 11, 30)}
DECISION_TYPES = ["resource_course", "flex_job", "disability_pension", "other"]


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


def region_codes(db: LiveDatabase) -> list[str]:
    """The five region codes, in order."""
    return db.run("regions")["region_code"].to_list()


def _active(db: LiveDatabase, start: date, end: date) -> pl.DataFrame:
    return db.run("courses_active_between", {"start": start, "end": end})


def key_figure_table(db: LiveDatabase) -> ProtectedTable:
    """Headline counts of persons for every region and the whole country, protected together."""
    info = db.refresh()
    persons = _active(db, info.data_end_date, info.data_end_date).rename({"courses_active": "persons_in_course"})
    window = _active(db, info.pilot_start, info.pilot_end).rename({"courses_active": "courses_in_pilot_window"})
    pilot = db.run("pilot_summary").rename({"requests": "pilot_requests", "municipalities": "pilot_municipalities"})
    frame = (
        persons.join(window, on="region_code", how="full", coalesce=True)
        .join(pilot, on="region_code", how="full", coalesce=True)
    )
    return protect_areas(
        frame,
        areas=region_codes(db),
        counts=["persons_in_course", "courses_in_pilot_window", "pilot_requests", "pilot_municipalities"],
    )


def key_figures(db: LiveDatabase, region: str | None = None) -> KeyFigures:
    """Headline figures of the loaded data, nationally or for one region."""
    info = db.refresh()
    persons = select_area(key_figure_table(db), region)
    pool = db.run("pool_summary")
    if region is not None:
        pool = pool.filter(pl.col("region_code") == region)
    return KeyFigures(
        as_of=info.data_end_date,
        persons_in_course=value_of(persons, "persons_in_course"),
        courses_in_pilot_window=value_of(persons, "courses_in_pilot_window"),
        pilot_requests=value_of(persons, "pilot_requests"),
        pilot_municipalities=value_of(persons, "pilot_municipalities"),
        # Grants are public decisions about municipalities, not counts of persons.
        pool_granted_dkk=public_value(int(pool["granted_dkk"].sum() or 0)),
        pool_municipalities=public_value(int(pool["municipalities"].sum() or 0)),
    )


def persons_by_quarter(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """Persons in a course at each quarter's end, and courses started in the quarter."""
    frame = db.run("persons_in_course_by_quarter")
    protected = protect_areas(
        frame, areas=region_codes(db), by=["quarter_start", "quarter_end"],
        counts=["persons_in_course", "courses_started"],
    )
    return select_area(protected, region)


def courses_and_decisions_by_year(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """New courses, and decisions by type with their total, per year."""
    frame = db.run("new_courses_by_year")
    protected = protect_areas(
        frame, areas=region_codes(db), by=["year"], counts=["new_courses"],
        totals={"decisions": DECISION_TYPES},
    )
    return select_area(protected, region)


def comparison_with_published(db: LiveDatabase) -> ProtectedTable:
    """Each published figure that the loaded data can reproduce, beside the loaded value.

    Always national: the published figures are national.
    """
    info = db.refresh()
    national = select_area(key_figure_table(db), None)
    loaded: dict[str, ProtectedValue] = {
        "pilot_uses": value_of(national, "pilot_requests"),
        "pilot_municipalities": value_of(national, "pilot_municipalities"),
        "pilot_courses": value_of(national, "courses_in_pilot_window"),
    }
    for figure_id, day in PUBLISHED_STOCK_DAYS.items():
        if info.first_referral_date <= day <= info.data_end_date:
            stock = protect_areas(_active(db, day, day), areas=region_codes(db), counts=["courses_active"])
            loaded[figure_id] = value_of(select_area(stock, None), "courses_active")
    pool = db.run("pool_summary")
    for figure_id in ("pool_initiative_package", "pool_satspulje_2016"):
        loaded[figure_id] = public_value(int(pool["granted_dkk"].sum() or 0))
    loaded["pool_municipalities"] = public_value(int(pool["municipalities"].sum() or 0))

    published = db.run("published_figures").filter(pl.col("figure_id").is_in(list(loaded)))
    ids = published["figure_id"].to_list()
    frame = published.with_columns(pl.Series("loaded_value", [loaded[i].value for i in ids], dtype=pl.Int64))
    hidden = pl.Series("loaded_value", [loaded[i].hidden for i in ids])
    return ProtectedTable(frame, {"loaded_value": hidden})


def other_published(db: LiveDatabase) -> ProtectedTable:
    """Published figures that the loaded data cannot reproduce (shown as context, with source)."""
    comparable = set(PUBLISHED_STOCK_DAYS) | {
        "pilot_uses", "pilot_municipalities", "pilot_courses",
        "pool_initiative_package", "pool_satspulje_2016", "pool_municipalities",
    }
    return public_table(db.run("published_figures").filter(~pl.col("figure_id").is_in(list(comparable))))


def events(db: LiveDatabase) -> pl.DataFrame:
    """Events to mark on time axes (dates and labels, no figures)."""
    return db.run("events")


def pilot_window(db: LiveDatabase) -> tuple[date, date]:
    """The pilot window of the loaded version."""
    info = db.refresh()
    return info.pilot_start, info.pilot_end


def regions(db: LiveDatabase) -> pl.DataFrame:
    """Region codes and names."""
    return db.run("regions")
