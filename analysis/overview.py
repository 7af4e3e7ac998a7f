"""What the overview page asks of the release: key figures of the loaded data beside the
published ones, persons in a course per quarter, new courses and decisions per year.

Every figure is a released cell: the whole country and each region were protected together
with every other table of the release (docs/release.md), so no two views can be subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from analysis import release
from analysis.database import LiveDatabase
from analysis.protected import (
    NATIONAL,
    ProtectedTable,
    ProtectedValue,
    public_table,
    public_value,
)

DECISION_TYPES = ["resource_course", "flex_job", "disability_pension", "other"]
# Published figures the release can set the loaded data beside: figure id -> how.
STOCK_FIGURES = ("persons_2015", "persons_2016")
PILOT_FIGURES = {"pilot_uses": "requests", "pilot_courses": "courses_active"}
POOL_FIGURES = ("pool_initiative_package", "pool_satspulje_2016")


@dataclass(frozen=True)
class KeyFigures:
    """The overview's headline figures, all released cells or public facts."""

    as_of: date
    persons_in_course: ProtectedValue
    courses_in_pilot_window: ProtectedValue
    pilot_requests: ProtectedValue
    pilot_municipalities: ProtectedValue
    pool_granted_dkk: ProtectedValue
    pool_municipalities: ProtectedValue


def regions(db: LiveDatabase) -> pl.DataFrame:
    """Region codes and names."""
    names = release.areas(db, "region")
    return pl.DataFrame({"region_code": list(names), "region_name": list(names.values())})


def _window(db: LiveDatabase) -> str:
    return release.periods(db, "pilot_window")[0].id


def _stock_days(db: LiveDatabase) -> dict[str, str]:
    """Role -> period id of the days the release counts persons in a course on."""
    return dict(db.run("release_stock_days").iter_rows())


def key_figures(db: LiveDatabase, region: str | None = None) -> KeyFigures:
    """Headline figures of the loaded data, nationally or for one region."""
    info = db.refresh()
    area = region or NATIONAL
    window, end = _window(db), _stock_days(db)["data_end"]
    found = release.cells(db, ["courses_active", "requests"], [window, end], [area])
    units = db.run("release_units", {"measure": "pilot_municipalities", "periods": [window], "areas": [area],
                                     "groups": [""]})
    grants = _grants(db, area)
    return KeyFigures(
        as_of=info.data_end_date,
        persons_in_course=found.get("courses_active", end, area),
        courses_in_pilot_window=found.get("courses_active", window, area),
        pilot_requests=found.get("requests", window, area),
        pilot_municipalities=_unit(units),
        # Grants are public decisions about municipalities, not counts of persons.
        pool_granted_dkk=public_value(grants["granted_dkk"]),
        pool_municipalities=public_value(grants["municipalities"]),
    )


def _unit(frame: pl.DataFrame) -> ProtectedValue:
    if frame.is_empty():
        return ProtectedValue(None, False)
    row = frame.row(0, named=True)
    return ProtectedValue(None if row["hidden"] else row["value"], bool(row["hidden"]))


def _grants(db: LiveDatabase, area: str) -> dict:
    frame = db.run("release_grants").filter(pl.col("area") == area)
    return frame.row(0, named=True) if frame.height else {"granted_dkk": 0, "municipalities": 0}


def persons_by_quarter(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """Persons in a course at each quarter's end, and courses started in the quarter."""
    area = region or NATIONAL
    quarters = [p for p in release.periods(db, "quarter")]
    days = {p.id: p for p in release.periods(db, "day")}
    rows = [(q, days[q.end.isoformat()]) for q in quarters if q.end.isoformat() in days]
    found = release.cells(db, ["courses_active", "courses_started"], [d.id for _, d in rows] + [q.id for q, _ in rows],
                          [area])
    stock = [found.get("courses_active", d.id, area) for _, d in rows]
    started = [found.get("courses_started", q.id, area) for q, _ in rows]
    return release.table({"quarter_start": [q.start for q, _ in rows], "quarter_end": [q.end for q, _ in rows]},
                  {"persons_in_course": stock, "courses_started": started})


def courses_and_decisions_by_year(db: LiveDatabase, region: str | None = None) -> ProtectedTable:
    """New courses, and decisions by type with their total, per year."""
    area = region or NATIONAL
    years = release.periods(db, "year")
    groups = ["", *(release.group(decision=d) for d in DECISION_TYPES)]
    found = release.cells(db, ["courses_started", "decisions"], [y.id for y in years], [area], groups)
    columns = {"new_courses": [found.get("courses_started", y.id, area) for y in years]}
    for d in DECISION_TYPES:
        columns[d] = [found.get("decisions", y.id, area, release.group(decision=d)) for y in years]
    columns["decisions"] = [found.get("decisions", y.id, area) for y in years]
    return release.table({"year": [y.start.year for y in years]}, columns)


def comparison_with_published(db: LiveDatabase) -> ProtectedTable:
    """Each published figure that the loaded data can reproduce, beside the loaded value.

    Always national: the published figures are national.
    """
    window, days = _window(db), _stock_days(db)
    found = release.cells(db, ["courses_active", "requests"], [window, *days.values()], [NATIONAL])
    loaded: dict[str, ProtectedValue] = {f: found.get(m, window, NATIONAL) for f, m in PILOT_FIGURES.items()}
    loaded["pilot_municipalities"] = key_figures(db).pilot_municipalities
    for figure in STOCK_FIGURES:
        if figure in days:
            loaded[figure] = found.get("courses_active", days[figure], NATIONAL)
    grants = _grants(db, NATIONAL)
    for figure in POOL_FIGURES:
        loaded[figure] = public_value(grants["granted_dkk"])
    loaded["pool_municipalities"] = public_value(grants["municipalities"])
    published = db.run("release_published_figures").filter(pl.col("figure_id").is_in(list(loaded)))
    ids = published["figure_id"].to_list()
    frame = published.with_columns(pl.Series("loaded_value", [loaded[i].value for i in ids], dtype=pl.Int64))
    return ProtectedTable(frame, {"loaded_value": pl.Series("loaded_value", [loaded[i].hidden for i in ids])})


def other_published(db: LiveDatabase) -> ProtectedTable:
    """Published figures that the loaded data cannot reproduce (shown as context, with source)."""
    comparable = {*STOCK_FIGURES, *PILOT_FIGURES, "pilot_municipalities", *POOL_FIGURES, "pool_municipalities"}
    return public_table(db.run("release_published_figures").filter(~pl.col("figure_id").is_in(list(comparable))))


def events(db: LiveDatabase) -> pl.DataFrame:
    """Events to mark on time axes (dates and labels, no figures)."""
    return db.run("release_events")


def pilot_window(db: LiveDatabase) -> tuple[date, date]:
    """The pilot window of the loaded version."""
    info = db.refresh()
    return info.pilot_start, info.pilot_end


def pool_period(db: LiveDatabase) -> tuple[date, date] | None:
    """From the earliest grant period's start to the latest one's end of the pool Bedre
    ressourceforløb (public decisions, no persons); None without grants."""
    frame = db.run("release_pool_period")
    return (frame["period_start"][0], frame["period_end"][0]) if frame.height else None


def municipality_names(db: LiveDatabase) -> pl.DataFrame:
    """Municipality codes, names and regions, for the filters (reference facts, no figures)."""
    frame = db.run("release_areas").filter(pl.col("level") == "municipality")
    return frame.select(pl.col("area").cast(pl.Int64).alias("municipality_code"), "name",
                        pl.col("parent").alias("region_code")).sort("name")
