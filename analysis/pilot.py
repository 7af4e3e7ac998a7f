"""What the pilot page asks of the release: uptake of the right to the regional health
coordinator by period, area and group; the regions and the municipalities' funnel; from request
to outcome; how fast; and the other channels to health advice.

A view is a released period, an area (the country or a region) and a group (everyone, women,
men or an age band). Not every section is released for every view (docs/release.md): where a
section is not, `section_view` names the nearest view that is, and says so in Danish.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from analysis import release
from analysis.database import LiveDatabase
from analysis.protected import (
    MISSING,
    NATIONAL,
    ProtectedInterval,
    ProtectedTable,
    ProtectedValue,
    public_table,
    shown,
)
from stats.funnel import FunnelLimits

OFFER_TYPES = ["company_internship", "mentor", "education", "health_or_social", "other"]
OUTCOMES = ["offer_adjusted", "offer_kept", "offer_replaced", "withdrawn"]
SEXES, AGE_BANDS = release.SEXES, release.AGE_BANDS
DURATION_STATISTICS = ("median", "q1", "q3", "p90", "naive_median")
MEASURE_DAYS = "pilot_days_to_advice"


@dataclass(frozen=True)
class PilotView:
    """A released view of the pilot: a period id, an area code and a group string."""

    period: str
    area: str = NATIONAL
    group: str = ""


def groups() -> dict[str, str]:
    """The groups a view can pick, with their Danish names ('' is everyone)."""
    return {"": "Alle", **{release.group(sex=s): name for s, name in SEXES.items()},
            **{release.group(age=a): f"{a} år" for a in AGE_BANDS}}


def periods(db: LiveDatabase) -> list[release.Period]:
    """The periods a view can pick: the whole window, its years and its quarters."""
    window = release.periods(db, "pilot_window")
    return [*window, *release.periods(db, "pilot_part"), *release.periods(db, "pilot_quarter")]


def window(db: LiveDatabase) -> release.Period:
    """The pilot window."""
    return release.periods(db, "pilot_window")[0]


def _label(db: LiveDatabase, view: PilotView) -> str:
    names = {**release.areas(db, "country"), **release.areas(db, "region")}
    label = {p.id: p.label for p in release.periods(db)}[view.period]
    who = groups()[view.group].lower() if view.group else ""
    return ", ".join(x for x in (label, names[view.area], who) if x)


# --- which view each section is released for ----------------------------------------------------

SECTIONS = {
    # section -> the cell that says whether the section is released for a view
    "headline": lambda v: ("requests", v.period, v.area, v.group),
    "quarters": lambda v: ("requests", "", v.area, v.group),  # every pilot quarter; checked below
    "regions": lambda v: ("requests", v.period, "081", ""),
    "flow": lambda v: ("requests", v.period, NATIONAL, release.group(advice="advised")),
    "speed": lambda v: ("requests", v.period, v.area, release.group(**_dims(v.group), within="7")),
    "channels": lambda v: ("channel_sparring", "", v.area, ""),
}


def _dims(grp: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in grp.split("|")) if grp else {}


def section_view(db: LiveDatabase, view: PilotView, section: str) -> tuple[PilotView, str]:
    """The view a section shows for the chosen one, and a Danish note when it differs."""
    w = window(db).id
    candidates = [view, replace(view, group=""), replace(view, area=NATIONAL), replace(view, area=NATIONAL, group=""),
                  replace(view, period=w), replace(view, period=w, group=""), PilotView(w)]
    if section in ("regions", "flow"):
        candidates = [PilotView(v.period) for v in candidates]
    if section == "channels":
        candidates = [PilotView(w, v.area) for v in candidates]
    if section == "quarters":
        candidates = [PilotView(w, v.area, v.group) for v in candidates]
    for candidate in dict.fromkeys(candidates):
        if _released(db, candidate, section):
            if candidate == view or (section in ("regions", "flow", "channels", "quarters") and _same_scope(
                    candidate, view, section)):
                return candidate, ""
            return candidate, (f"Dette afsnit udgives ikke for {_label(db, view)}, fordi tallene er for få; "
                               f"her vises {_label(db, candidate)}.")
    return PilotView(w), ""


def _same_scope(candidate: PilotView, view: PilotView, section: str) -> bool:
    """Whether the candidate shows what the section promises for the view (it follows only some
    of the filters: the regions follow the period, the quarters the area and group)."""
    if section in ("regions", "flow"):
        return candidate.period == view.period
    if section == "channels":
        return candidate.area == view.area
    return (candidate.area, candidate.group) == (view.area, view.group)


def _released(db: LiveDatabase, view: PilotView, section: str) -> bool:
    measure, period, area, grp = SECTIONS[section](view)
    if section == "quarters":
        quarters = [p.id for p in release.periods(db, "pilot_quarter")]
        found = release.cells(db, [measure], quarters, [area], [grp])
        return all(found.released(measure, q, area, grp) for q in quarters)
    if section == "channels":
        quarters = [p.id for p in release.periods(db, "quarter")]
        found = release.cells(db, [measure], quarters, [area], [grp])
        return any(found.released(measure, q, area, grp) for q in quarters)
    return release.cells(db, [measure], [period], [area], [grp]).released(measure, period, area, grp)


# --- the sections -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The pilot page's headline figures for one view."""

    requests: ProtectedValue
    courses: ProtectedValue
    uptake_per_1000: ProtectedInterval
    municipalities: ProtectedValue
    early_share: ProtectedInterval
    open_requests: ProtectedValue


_NO_ESTIMATE = ProtectedInterval(MISSING, None, None)


def headline(db: LiveDatabase, view: PilotView) -> Headline:
    """Requests, uptake per 1,000 courses with its exact interval, municipalities, early share,
    open requests."""
    key = (view.period, view.area, view.group)
    open_group = release.group(**_dims(view.group), advice="open")
    found = release.cells(db, ["requests", "courses_active"], [view.period], [view.area], [view.group, open_group])
    units = db.run("release_units", {"measure": "pilot_municipalities", "periods": [view.period],
                                     "areas": [view.area], "groups": [view.group]})
    return Headline(
        requests=found.get("requests", *key),
        courses=found.get("courses_active", *key),
        uptake_per_1000=release.estimates(db, "pilot_uptake", [view.period], [view.area], [view.group]).get(
            key, _NO_ESTIMATE),
        municipalities=shown(units["value"][0], bool(units["hidden"][0])) if units.height else MISSING,
        early_share=release.estimates(db, "pilot_early_share", [view.period], [view.area], [view.group]).get(
            key, _NO_ESTIMATE),
        open_requests=found.get("requests", view.period, view.area, open_group),
    )


def by_quarter(db: LiveDatabase, view: PilotView) -> ProtectedTable:
    """Requests per quarter of the window and the running total, for the view's area and group."""
    quarters = release.periods(db, "pilot_quarter")
    running = {p.quarters[-1]: p.id for p in release.periods(db, "running_total")}
    ids = [q.id for q in quarters]
    totals = [running.get(q, q) for q in ids]
    found = release.cells(db, ["requests"], [*ids, *totals], [view.area], [view.group])
    return release.table({"quarter_start": [q.start for q in quarters]}, {
        "requests": [found.get("requests", q, view.area, view.group) for q in ids],
        "cumulative": [found.get("requests", t, view.area, view.group) for t in totals],
    })


def by_region(db: LiveDatabase, view: PilotView) -> ProtectedTable:
    """Requests, courses and uptake per 1,000 per region and nationally for the view's period."""
    names = {**release.areas(db, "region"), **release.areas(db, "country")}
    codes = [*release.areas(db, "region"), NATIONAL]
    found = release.cells(db, ["requests", "courses_active"], [view.period], codes)
    rates = release.estimates(db, "pilot_uptake", [view.period], codes)
    rate = [rates.get((view.period, c, ""), _NO_ESTIMATE) for c in codes]
    table = release.table(
        {"level": ["national" if c == NATIONAL else "region" for c in codes], "code": codes,
         "name": [names[c] for c in codes]},
        {"requests": [found.get("requests", view.period, c) for c in codes],
         "courses": [found.get("courses_active", view.period, c) for c in codes]},
    )
    frame = table.frame.with_columns(
        pl.Series("rate", [r.estimate.value for r in rate], dtype=pl.Float64),
        pl.Series("rate_lower", [r.lower for r in rate], dtype=pl.Float64),
        pl.Series("rate_upper", [r.upper for r in rate], dtype=pl.Float64),
    )
    mask = pl.Series([r.estimate.hidden for r in rate])
    return ProtectedTable(frame, {**table.hidden, **{c: mask.alias(c) for c in ("rate", "rate_lower", "rate_upper")}})


@dataclass(frozen=True)
class Funnel:
    """Municipalities' uptake against their courses, with exact limits around the national rate."""

    points: ProtectedTable  # shown municipalities only: name, courses, requests, rate, position
    limits: FunnelLimits
    national_rate: float | None
    left_out: int  # municipalities with courses whose counts are hidden


def funnel(db: LiveDatabase) -> Funnel:
    """Uptake per 1,000 courses for each municipality over the whole window; municipalities whose
    counts are hidden are left out and counted."""
    w = window(db).id
    names = release.areas(db, "municipality")
    found = release.cells(db, ["requests", "courses_active"], [w], list(names))
    placed = db.run("release_funnel_points", {"measure": "pilot_uptake", "period": w})
    codes = placed["area"].to_list()
    points = placed.with_columns(
        pl.Series("name", [names[c] for c in codes]),
        pl.Series("requests", [found.get("requests", w, c).value for c in codes], dtype=pl.Int64),
        pl.Series("courses", [found.get("courses_active", w, c).value for c in codes], dtype=pl.Int64),
    ).rename({"area": "code"}).sort("courses")
    limits = db.run("release_funnel", {"measure": "pilot_uptake", "period": w})
    national = release.estimates(db, "pilot_uptake", [w], [NATIONAL]).get((w, NATIONAL, ""), _NO_ESTIMATE)
    with_courses = [c for c in names if (found.get("courses_active", w, c).value or 0) > 0
                    or found.get("courses_active", w, c).hidden]
    return Funnel(
        ProtectedTable(points, {}),
        FunnelLimits(*(limits[c].to_list() for c in limits.columns)),
        national.estimate.value,
        len([c for c in with_courses if c not in set(codes)]),
    )


def flow(db: LiveDatabase, view: PilotView) -> ProtectedTable:
    """Requests by offer type through dialogue meeting, advice and outcome, with a total row (the
    offer types only where the release holds them)."""
    rows = [*OFFER_TYPES, None]
    columns = {"requests": {}, "dialogue": {"dialogue": "yes"}, "advice": {"advice": "advised"},
               **{o: {"advice": o} for o in OUTCOMES}, "open": {"advice": "open"}}
    groups_ = [release.group(offer=o, **dims) for o in rows for dims in columns.values()]
    found = release.cells(db, ["requests"], [view.period], [NATIONAL], groups_)
    rows = [o for o in rows if o is None or found.released("requests", view.period, NATIONAL, release.group(offer=o))]
    values = {c: [found.get("requests", view.period, NATIONAL, release.group(offer=o, **dims)) for o in rows]
              for c, dims in columns.items()}
    return release.table({"offer_type": [o or "total" for o in rows]}, values)


@dataclass(frozen=True)
class Speed:
    """Days from request to advice, open requests counted (censored at the data's end)."""

    statistics: dict[str, ProtectedValue]  # median, q1, q3, p90, naive_median
    curve: list[tuple[float, float]]  # (days, share still waiting) at the released points
    n: ProtectedValue
    open: ProtectedValue


def speed(db: LiveDatabase, view: PilotView) -> Speed:
    """Kaplan–Meier quantiles of days to advice and the closed-only median, with the curve."""
    params = {"measure": MEASURE_DAYS, "period": view.period, "area": view.area, "grp": view.group}
    found = {s: (v, status) for s, v, status in db.run("release_durations", params).iter_rows()}
    statistics = {s: shown(found[s][0], found[s][1] == "hidden") if s in found else MISSING
                  for s in DURATION_STATISTICS}
    curve = [(float(t), float(w)) for t, w in db.run("release_curve", params).iter_rows()]
    open_group = release.group(**_dims(view.group), advice="open")
    cells = release.cells(db, ["requests"], [view.period], [view.area], [view.group, open_group])
    return Speed(statistics, curve, cells.get("requests", view.period, view.area, view.group),
                 cells.get("requests", view.period, view.area, open_group))


def other_channels(db: LiveDatabase, view: PilotView) -> ProtectedTable | None:
    """Pilot requests beside the other health-advice channels per quarter for the view's area;
    None when the channels were not loaded."""
    if not db.refresh().has_health_advice_channels:
        return None
    quarters = release.periods(db, "quarter")
    ids = [q.id for q in quarters]
    found = release.cells(db, ["requests", "channel_sparring", "channel_gp"], ids, [view.area])
    kept = [q for q in quarters if found.released("channel_sparring", q.id, view.area)]
    return release.table({"quarter_start": [q.start for q in kept]}, {
        "requests": [found.get("requests", q.id, view.area) for q in kept],
        "coordinator_sparring": [found.get("channel_sparring", q.id, view.area) for q in kept],
        "gp_involvement": [found.get("channel_gp", q.id, view.area) for q in kept],
    })


def published(db: LiveDatabase) -> ProtectedTable:
    """The published figures about the pilot, with their sources."""
    return public_table(db.run("release_published_figures"))


def from_old_link(db: LiveDatabase, old: dict) -> tuple[PilotView, list[str]]:
    """The released view nearest a link made before the release, and Danish notes on what
    changed: a free range of quarters opens the nearest released period, a set of municipalities
    their region (or the whole country), and sex with age band the sex alone."""
    notes = []
    w = window(db)
    period = w.id
    if "fra" in old or "til" in old:
        quarters = {p.id: p for p in release.periods(db, "quarter")}
        first = quarters.get(old.get("fra", ""), None)
        last = quarters.get(old.get("til", ""), None)
        start, end = (first or w).start, (last or w).end
        if start > end:
            start, end = end, start
        period, exact = release.nearest_period(periods(db), max(start, w.start), min(end, w.end))
        if not exact:
            label = {p.id: p.label for p in release.periods(db)}[period]
            notes.append(f"Linket bad om perioden {old.get('fra', '…')}–{old.get('til', '…')}. Tallene udgives kun "
                         f"for faste perioder, så den nærmeste vises: {label}.")
    area = NATIONAL
    if "kommune" in old:
        chosen = old["kommune"] if isinstance(old["kommune"], list) else [old["kommune"]]
        regions = release.areas(db, "region")
        by_name = {r["name"]: r["parent"] for r in db.run("release_areas").iter_rows(named=True)
                   if r["level"] == "municipality"}
        parents = {by_name[n] for n in chosen if n in by_name}
        area = parents.pop() if len(parents) == 1 else NATIONAL
        where = regions.get(area, "hele landet")
        notes.append(f"Linket valgte kommunerne {', '.join(chosen)}. Tal for valgte kommuner udgives ikke "
                     f"(de kunne trækkes fra hinanden); her vises {where}.")
    sexes = {name: s for s, name in SEXES.items()}
    sex, age = sexes.get(old.get("koen", "")), old.get("alder") if old.get("alder") in AGE_BANDS else None
    grp = release.group(sex=sex) if sex else release.group(age=age) if age else ""
    if sex and age:
        notes.append("Køn og alder udgives ikke sammen; her vises kønnet.")
    return PilotView(period, area, grp), notes
