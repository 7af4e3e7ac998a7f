"""What the case-processing page asks of the release: how long each stage of a case takes, open
cases counted, for released views; curves and the distribution of durations; the trend by
referral quarter and the windows around the events; the regions and the municipalities' funnel.

A view is a released period (the whole period, a year or a quarter), an area (the country, a
region or a municipality) and a group (everyone, a sex, an age band or a decision). Not every
section is released for every view (docs/release.md): where a section is not, `section_view`
names the nearest view that is, and says so in Danish.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote
from dataclasses import dataclass, replace
from datetime import date, timedelta

import polars as pl

from analysis import release
from analysis.database import LiveDatabase
from analysis.protected import (
    HIDDEN,
    MISSING,
    NATIONAL,
    ProtectedInterval,
    ProtectedTable,
    ProtectedValue,
    shown,
)
from stats.funnel import FunnelLimits

SEXES, AGE_BANDS = release.SEXES, release.AGE_BANDS
DECISIONS = {"resource_course": "Ressourceforløb", "flex_job": "Fleksjob", "disability_pension": "Førtidspension",
             "other": "Anden afgørelse"}
QUANTILES = ("median", "q1", "q3", "p90", "naive_median")
THRESHOLD_WEEKS = (4, 8, 13, 26, 52)


@dataclass(frozen=True)
class StageView:
    """A released view of case processing: a period id, an area code and a group string."""

    period: str
    area: str = NATIONAL
    group: str = ""


def groups() -> dict[str, str]:
    """The groups a view can pick, with their Danish names ('' is everyone)."""
    return {"": "Alle", **{release.group(sex=s): name for s, name in SEXES.items()},
            **{release.group(age=a): f"{a} år" for a in AGE_BANDS},
            **{release.group(case_decision=d): f"Afgørelse: {name.lower()}" for d, name in DECISIONS.items()}}


def stages(db: LiveDatabase) -> dict[str, str]:
    """The stages in order, with their Danish labels."""
    return dict(db.run("release_stage_names").select("stage", "label_da").iter_rows())


def since(db: LiveDatabase) -> dict[str, str]:
    """What each stage's days count from ('visitationen')."""
    return dict(db.run("release_stage_names").select("stage", "since_da").iter_rows())


def periods(db: LiveDatabase) -> list[release.Period]:
    """The periods a view can pick: the whole period, the years, the quarters."""
    return [*release.periods(db, "whole"), *release.periods(db, "year"), *release.periods(db, "quarter")]


def whole(db: LiveDatabase) -> release.Period:
    """The whole period of the data."""
    return release.periods(db, "whole")[0]


def _views(db: LiveDatabase) -> dict[tuple[str, str, str], bool]:
    """Every released view, and whether it has curves."""
    return {(p, a, g): bool(c) for p, a, g, c in db.run("release_stage_views").iter_rows()}


def any_released(db: LiveDatabase) -> bool:
    """Whether the release holds any view of case processing (sparse data may carry none)."""
    return bool(_views(db))


def label(db: LiveDatabase, view: StageView) -> str:
    """'2019, Region Hovedstaden, kvinder'."""
    names = {**release.areas(db, "country"), **release.areas(db, "region"), **release.areas(db, "municipality")}
    period = {p.id: p.label for p in release.periods(db)}[view.period]
    who = groups()[view.group].lower() if view.group else ""
    return ", ".join(x for x in (period, names[view.area], who) if x)


# --- which view each section is released for ----------------------------------------------------


def _released(db: LiveDatabase, view: StageView, section: str) -> bool:
    views = _views(db)
    if section == "curve":
        return views.get((view.period, view.area, view.group), False)
    if section == "trend":
        return all((q.id, view.area, view.group) in views for q in release.periods(db, "quarter"))
    if section == "regions":
        return all((view.period, r, "") in views for r in release.areas(db, "region"))
    if section == "windows":
        return windows(db).height > 0 and any(
            (w["before"], view.area, view.group) in views for w in windows(db).iter_rows(named=True))
    return (view.period, view.area, view.group) in views


# What a section follows of the chosen view: a section that ignores a filter is not "another view".
_FOLLOWS = {"stages": ("period", "area", "group"), "curve": ("period", "area", "group"),
            "trend": ("area", "group"), "windows": ("area", "group"), "regions": ("period",)}


def section_view(db: LiveDatabase, view: StageView, section: str) -> tuple[StageView, str]:
    """The view a section shows for the chosen one, and a Danish note when it differs."""
    w = whole(db).id
    region = region_of(db, view.area)
    candidates = [view, replace(view, group=""), replace(view, period=w), replace(view, period=w, group=""),
                  replace(view, area=region), replace(view, area=region, group=""),
                  replace(view, area=region, period=w), replace(view, area=NATIONAL),
                  replace(view, area=NATIONAL, period=w), replace(view, area=NATIONAL, group=""),
                  StageView(w)]
    follows = _FOLLOWS[section]
    if section == "regions":
        candidates = [StageView(c.period) for c in candidates]
    elif section in ("trend", "windows"):
        candidates = [StageView(w, c.area, c.group) for c in candidates]
    for candidate in dict.fromkeys(candidates):
        if _released(db, candidate, section):
            if all(getattr(candidate, f) == getattr(view, f) for f in follows):
                return candidate, ""
            shown_as = candidate if section not in ("trend", "windows") else replace(candidate, period=view.period)
            return candidate, (f"Dette afsnit udgives ikke for {label(db, view)}; her vises "
                               f"{label(db, shown_as)}. Små tal kan ikke beskyttes i alle opdelinger.")
    return StageView(w), ""


def region_of(db: LiveDatabase, area: str) -> str:
    """The region of a municipality (another area: itself)."""
    frame = db.run("release_areas").filter(pl.col("area") == area)
    if frame.height and frame["level"][0] == "municipality":
        return frame["parent"][0]
    return area


def municipalities(db: LiveDatabase) -> pl.DataFrame:
    """The municipalities with their region (code, name, region), by name."""
    frame = db.run("release_areas").filter(pl.col("level") == "municipality")
    return frame.select(pl.col("area").alias("code"), "name", pl.col("parent").alias("region")).sort("name")


# --- the stage table ---------------------------------------------------------------------------------


def _status_value(value, status: str) -> ProtectedValue:
    return HIDDEN if status == "hidden" else shown(value)


def stage_table(db: LiveDatabase, view: StageView, days: int) -> ProtectedTable:
    """One row per stage: cases, closed, open; Kaplan–Meier median, quartiles and 90th percentile;
    the closed-only median; the share still waiting after `days` with its 95 % interval."""
    params = {"periods": [view.period], "areas": [view.area], "groups": [view.group]}
    rows = {r["stage"]: r for r in db.run("release_stages", params).iter_rows(named=True)}
    shares = {r["stage"]: r for r in db.run("release_stage_shares", {**params, "days": days}).iter_rows(named=True)}
    names = stages(db)
    order = [s for s in names if s in rows]
    frame = pl.DataFrame({
        "stage": pl.Series("stage", order, dtype=pl.String),
        "label": pl.Series("label", [names[s] for s in order], dtype=pl.String),
        **{c: pl.Series(c, [rows[s][c] for s in order], dtype=pl.Int64) for c in ("cases", "closed", "open")},
        **{q: pl.Series(q, [rows[s][q] for s in order], dtype=pl.Float64) for q in QUANTILES},
        "share_over": pl.Series([shares[s]["estimate"] if s in shares else None for s in order], dtype=pl.Float64),
        "share_over_lower": pl.Series([shares[s]["lower"] if s in shares else None for s in order], dtype=pl.Float64),
        "share_over_upper": pl.Series([shares[s]["upper"] if s in shares else None for s in order], dtype=pl.Float64),
    })
    hidden = {c: pl.Series(c, [bool(rows[s][f"{c}_hidden"]) for s in order], dtype=pl.Boolean)
              for c in ("cases", "closed", "open")}
    hidden |= {q: pl.Series(q, [rows[s][f"{q}_status"] == "hidden" for s in order], dtype=pl.Boolean)
               for q in QUANTILES}
    share_hidden = [s in shares and shares[s]["status"] == "hidden" for s in order]
    hidden |= {c: pl.Series(c, share_hidden, dtype=pl.Boolean) for c in ("share_over", "share_over_lower",
                                                                        "share_over_upper")}
    return ProtectedTable(frame, hidden)


def median_interval(db: LiveDatabase, view: StageView, stage: str) -> tuple[float | None, float | None]:
    """The released 95 % interval of a stage's median in a view."""
    params = {"periods": [view.period], "areas": [view.area], "groups": [view.group]}
    row = db.run("release_stages", params).filter(pl.col("stage") == stage)
    return (row["median_lower"][0], row["median_upper"][0]) if row.height else (None, None)


# --- curves and the distribution -----------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A stage's Kaplan–Meier curve at its released days, with the 95 % band and the closed-only
    curve beside it."""

    stage: str
    since: str
    points: pl.DataFrame  # days, waiting, lower, upper, closed_only
    cases: ProtectedValue
    open: ProtectedValue


def curve(db: LiveDatabase, view: StageView, stage: str) -> Curve:
    """The released curve of a stage in a view (empty when the release holds none)."""
    params = {"period": view.period, "area": view.area, "grp": view.group, "stage": stage}
    table = stage_table(db, view, 28)
    row = table.frame.filter(pl.col("stage") == stage)
    hidden = table.hidden
    index = table.frame["stage"].to_list().index(stage) if row.height else None
    cases = MISSING if index is None else (HIDDEN if hidden["cases"][index] else shown(row["cases"][0]))
    open_ = MISSING if index is None else (HIDDEN if hidden["open"][index] else shown(row["open"][0]))
    return Curve(stage, since(db).get(stage, ""), db.run("release_stage_curve", params), cases, open_)


@dataclass(frozen=True)
class Bins:
    """Closed durations of a stage in released bins (uneven where hidden days pooled them)."""

    stage: str
    since: str
    bins: pl.DataFrame  # from_day, to_day (null: and longer), closed
    open: ProtectedValue


def bins(db: LiveDatabase, view: StageView, stage: str) -> Bins:
    """The released bins of a stage's closed durations in a view."""
    params = {"period": view.period, "area": view.area, "grp": view.group, "stage": stage}
    return Bins(stage, since(db).get(stage, ""), db.run("release_stage_bins", params), curve(db, view, stage).open)


# --- over time -----------------------------------------------------------------------------------------


def trend(db: LiveDatabase, view: StageView, stage: str, days: int) -> ProtectedTable:
    """Per referral quarter: cases, open, the median and the share still waiting after `days`
    with its interval; provisional where the quarter's cases have not all been followed for
    `days` days, or more than half are still open."""
    quarters = release.periods(db, "quarter")
    ids = [q.id for q in quarters]
    params = {"periods": ids, "areas": [view.area], "groups": [view.group]}
    rows = {r["period"]: r for r in db.run("release_stages", params).filter(pl.col("stage") == stage)
            .iter_rows(named=True)}
    shares = {r["period"]: r for r in db.run("release_stage_shares", {**params, "days": days})
              .filter(pl.col("stage") == stage).iter_rows(named=True)}
    end = db.refresh().data_end_date
    kept = [q for q in quarters if q.id in rows]
    get = [rows[q.id] for q in kept]
    share = [shares.get(q.id) for q in kept]

    def provisional(q: release.Period, r: dict) -> bool:
        late = q.end + timedelta(days=days) > end
        return late or (r["open"] is not None and r["cases"] and 2 * r["open"] > r["cases"])

    frame = pl.DataFrame({
        "quarter_start": [q.start for q in kept], "period": [q.id for q in kept],
        "cases": pl.Series([r["cases"] for r in get], dtype=pl.Int64),
        "open": pl.Series([r["open"] for r in get], dtype=pl.Int64),
        "median": pl.Series([r["median"] for r in get], dtype=pl.Float64),
        "share_over": pl.Series([s["estimate"] if s else None for s in share], dtype=pl.Float64),
        "share_over_lower": pl.Series([s["lower"] if s else None for s in share], dtype=pl.Float64),
        "share_over_upper": pl.Series([s["upper"] if s else None for s in share], dtype=pl.Float64),
        "provisional": [bool(provisional(q, r)) for q, r in zip(kept, get)],
    })
    share_hidden = pl.Series([bool(s and s["status"] == "hidden") for s in share], dtype=pl.Boolean)
    return ProtectedTable(frame, {
        "cases": pl.Series([bool(r["cases_hidden"]) for r in get], dtype=pl.Boolean),
        "open": pl.Series([bool(r["open_hidden"]) for r in get], dtype=pl.Boolean),
        "median": pl.Series([r["median_status"] == "hidden" for r in get], dtype=pl.Boolean),
        **{c: share_hidden.alias(c) for c in ("share_over", "share_over_lower", "share_over_upper")},
    })


def windows(db: LiveDatabase) -> pl.DataFrame:
    """The events with released windows before and after them."""
    return db.run("release_stage_windows")


@dataclass(frozen=True)
class BeforeAfter:
    """The four quarters of referrals before an event against the four from it."""

    table: ProtectedTable  # period ("Før", "Efter"), start, end, cases, open, median (+ interval), share
    difference: ProtectedInterval  # share still waiting after the threshold, after minus before


def before_after(db: LiveDatabase, view: StageView, event: str, stage: str, days: int) -> BeforeAfter:
    """Cases referred in the window before an event against the window from it."""
    events = {r["event_id"]: r for r in windows(db).iter_rows(named=True)}
    found = events[event]
    spans = {p.id: p for p in release.periods(db)}
    rows, masks = [], {c: [] for c in ("cases", "open", "median", "median_lower", "median_upper", "share_over",
                                       "share_over_lower", "share_over_upper")}
    for name, pid in (("Før", found["before"]), ("Efter", found["after"])):
        table = stage_table(db, StageView(pid, view.area, view.group), days)
        part = table.frame.filter(pl.col("stage") == stage)
        i = table.frame["stage"].to_list().index(stage) if part.height else None
        low, high = median_interval(db, StageView(pid, view.area, view.group), stage)
        value = (lambda c: part[c][0] if part.height else None)
        hidden = (lambda c: bool(table.hidden[c][i]) if i is not None else False)
        rows.append({"period": name, "start": spans[pid].start, "end": spans[pid].end, "cases": value("cases"),
                     "open": value("open"), "median": value("median"), "median_lower": low, "median_upper": high,
                     "share_over": value("share_over"), "share_over_lower": value("share_over_lower"),
                     "share_over_upper": value("share_over_upper")})
        for c in masks:
            masks[c].append(hidden(c if not c.startswith("median_") else "median"))
    frame = pl.DataFrame(rows, schema={
        "period": pl.String, "start": pl.Date, "end": pl.Date, "cases": pl.Int64, "open": pl.Int64,
        "median": pl.Float64, "median_lower": pl.Float64, "median_upper": pl.Float64, "share_over": pl.Float64,
        "share_over_lower": pl.Float64, "share_over_upper": pl.Float64})
    diff = db.run("release_stage_difference", {"event": event, "area": view.area, "grp": view.group,
                                               "stage": stage, "days": days})
    if not diff.height:
        difference = ProtectedInterval(MISSING, None, None)
    elif diff["hidden"][0]:
        difference = ProtectedInterval(HIDDEN, None, None)
    else:
        difference = ProtectedInterval(shown(diff["estimate"][0]), diff["lower"][0], diff["upper"][0])
    return BeforeAfter(ProtectedTable(frame, {c: pl.Series(c, m, dtype=pl.Boolean) for c, m in masks.items()}),
                       difference)


# --- where ---------------------------------------------------------------------------------------------


def by_region(db: LiveDatabase, period: str, stage: str, days: int) -> ProtectedTable:
    """The regions and the whole country ("000") for a period: cases, open, median, the share
    still waiting after `days` with its interval."""
    names = {**release.areas(db, "region"), **release.areas(db, "country")}
    codes = [*release.areas(db, "region"), NATIONAL]
    parts = [stage_table(db, StageView(period, code), days) for code in codes]
    columns = ("cases", "open", "median", "share_over", "share_over_lower", "share_over_upper")
    values = {c: [] for c in columns}
    masks = {c: [] for c in columns}
    for table in parts:
        stages_ = table.frame["stage"].to_list()
        i = stages_.index(stage) if stage in stages_ else None
        for c in columns:
            values[c].append(table.frame[c][i] if i is not None else None)
            masks[c].append(bool(table.hidden[c][i]) if i is not None else False)
    frame = pl.DataFrame({"region_code": codes, "name": [names[c] for c in codes],
                          **{c: pl.Series(c, v, dtype=pl.Int64 if c in ("cases", "open") else pl.Float64)
                             for c, v in values.items()}})
    return ProtectedTable(frame, {c: pl.Series(c, m, dtype=pl.Boolean) for c, m in masks.items()})


@dataclass(frozen=True)
class StageFunnel:
    """Municipalities' share not closed within the threshold against their cases, with exact
    binomial limits around the country's share (over the whole period)."""

    stage: str
    days: int
    period: str | None
    points: ProtectedTable  # shown municipalities: code, name, cases, share, position
    limits: FunnelLimits
    national_share: float | None
    left_out: int


def funnel(db: LiveDatabase, stage: str, days: int) -> StageFunnel:
    """The released funnel of a stage and threshold."""
    params = {"stage": stage, "days": days}
    points = db.run("release_stage_funnel_points", params).rename({"area": "code"})
    limits = db.run("release_stage_funnel", params)
    national = db.run("release_stage_funnel_national", params)
    row = national.row(0, named=True) if national.height else {"period": None, "share": None, "left_out": 0}
    return StageFunnel(stage, days, row["period"], ProtectedTable(points, {}),
                       FunnelLimits(*(limits[c].to_list() for c in limits.columns)), row["share"],
                       int(row["left_out"] or 0))


# --- old links ----------------------------------------------------------------------------------------


def from_old_link(db: LiveDatabase, old: dict) -> tuple[StageView, list[str]]:
    """The released view nearest a link made before the release, and Danish notes on what
    changed: a free range of quarters opens the nearest released period, one municipality that
    municipality (over the whole period), several their region, and crossed filters (decision,
    sex, age band) the first of them. The area is NATIONAL unless the link chose municipalities
    (a region in the link stays on the page's own region filter)."""
    notes = []
    w = whole(db)
    period = w.id
    if "fra" in old or "til" in old:
        quarters = {p.id: p for p in release.periods(db, "quarter")}
        first, last = quarters.get(_one(old.get("fra"))), quarters.get(_one(old.get("til")))
        start, end = (first or w).start, (last or w).end
        if start > end:
            start, end = end, start
            notes.append("Linkets «Til kvartal» lå før «Fra kvartal»; perioden er vendt om.")
        period, exact = release.nearest_period(periods(db), start, end)
        if not exact:
            name = {p.id: p.label for p in release.periods(db)}[period]
            notes.append(f"Linket bad om perioden {_one(old.get('fra')) or '…'}–{_one(old.get('til')) or '…'}. "
                         f"Tallene udgives kun for faste perioder, så den nærmeste vises: {name}.")
    area = NATIONAL
    if "kommune" in old:
        chosen = old["kommune"] if isinstance(old["kommune"], list) else [old["kommune"]]
        by_name = {r["name"]: (r["area"], r["parent"]) for r in municipalities(db).select(
            pl.col("code").alias("area"), "name", pl.col("region").alias("parent")).iter_rows(named=True)}
        known = [by_name[n] for n in chosen if n in by_name]
        if len(known) == 1:
            area = known[0][0]
            if period != w.id:
                period = w.id
                notes.append("Kommunerne udgives kun for hele perioden; her vises hele perioden.")
        else:
            parents = {parent for _, parent in known}
            area = parents.pop() if len(parents) == 1 else NATIONAL
            where = release.areas(db, "region").get(area, "hele landet")
            notes.append(f"Linket valgte kommunerne {', '.join(map(str, chosen))}. Tallene udgives for én kommune "
                         f"ad gangen, regionerne og hele landet; her vises {where}.")
    by_label = {**{name: ("case_decision", d) for d, name in DECISIONS.items()}, **{d: ("case_decision", d) for d in DECISIONS},
                **{name: ("sex", s) for s, name in SEXES.items()}, **{s: ("sex", s) for s in SEXES}}
    crossed = [by_label.get(_one(old.get(key))) for key in ("afgoerelse", "koen") if old.get(key)]
    if _one(old.get("alder")) in AGE_BANDS:
        crossed.append(("age", _one(old["alder"])))
    crossed = [c for c in crossed if c]
    grp = release.group(**{crossed[0][0]: crossed[0][1]}) if crossed else ""
    if len(crossed) > 1:
        notes.append("Linket krydsede afgørelse, køn og alder. Tallene udgives for én opdeling ad gangen; her "
                     f"vises {groups()[grp].lower()}.")
    return StageView(period, area, grp), notes


def _one(value) -> str:
    """A link's value as one string (a repeated key: its first value), Danish letters repaired
    where the address was not decoded ('Forl%C3%B8b') or decoded twice ('ForlÃ¸b'), in one Unicode
    form."""
    if isinstance(value, list):
        value = value[0] if value else ""
    text = unquote("" if value is None else str(value))
    try:
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return unicodedata.normalize("NFC", text)
