"""What the pilot page asks: uptake of the right to the regional health coordinator.

Disclosure rules for a filtered view (docs/disclosure.md, section 3):
- a count is hidden when it is small (1..k-1);
- when filters are set, it is also hidden when relaxing any one filter (period, sex, age band,
  municipalities) changes it by 1..k-1, since the two views together would show that small
  difference ("all" minus "women" = "men");
- a total over several chosen municipalities is hidden when any one of them is small on its
  own, since dropping it from the selection would reveal it;
- tables with totals then get secondary suppression (analysis/suppression.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, timedelta

import polars as pl

import settings
from analysis import suppression
from stats.funnel import FunnelLimits, funnel_position, poisson_funnel
from stats.intervals import Interval, poisson_rate, proportion
from stats.survival import DurationSummary, kaplan_meier_curve, kaplan_meier_summary
from analysis.database import LiveDatabase
from analysis.disclosure import (
    ProtectedTable,
    ProtectedValue,
    protect_count,
    protect_statistic,
    public_table,
    in_view,
    relaxed_views,
)

K = settings.K_ANONYMITY
OFFER_TYPES = ["company_internship", "mentor", "education", "health_or_social", "other"]
OUTCOMES = ["offer_adjusted", "offer_kept", "offer_replaced", "withdrawn"]
GROUPS = ("sex", "age_band")  # the filters beside period and area


@dataclass(frozen=True)
class PilotFilter:
    """A view of the pilot: period of the requests and the citizens' area, sex and age band."""

    start: date
    end: date
    region: str | None = None
    municipalities: tuple[int, ...] = ()
    sex: str | None = None
    age_band: str | None = None

    def relaxations(self, window: tuple[date, date]) -> list["PilotFilter"]:
        """The views that differ from this one by one filter left out."""
        return relaxed_views(self, window, GROUPS)


@dataclass(frozen=True)
class ProtectedInterval:
    """An estimate with its interval, all hidden together."""

    estimate: ProtectedValue
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Headline:
    """The pilot page's headline figures."""

    requests: ProtectedValue
    courses: ProtectedValue
    uptake_per_1000: ProtectedInterval
    municipalities: ProtectedValue
    early_share: ProtectedInterval
    open_requests: ProtectedValue


def requests(db: LiveDatabase) -> pl.DataFrame:
    """All pilot requests (no ids); the analysis filters them, the pages never see them."""
    return db.run("pilot_requests")


def _select(frame: pl.DataFrame, f: PilotFilter, dated: str | None = "request_date") -> pl.DataFrame:
    """Rows of a request or exposure frame inside the view (exposure rows carry no date)."""
    return frame.filter(in_view(f, GROUPS, dated))


def _view_hidden(db: LiveDatabase, f: PilotFilter) -> bool:
    """Whether the view's total must be hidden: small, next to a view that differs by little,
    or an area the protected hierarchy hides."""
    everything = requests(db)
    n = _select(everything, f).height
    return (0 < n < K) or _guarded(everything, f, _window(db)) or _area_hidden(db, f)


def _guarded(all_requests: pl.DataFrame, f: PilotFilter, window: tuple[date, date]) -> bool:
    """Whether this view's request count must be hidden because a neighbouring view differs by little."""
    n = _select(all_requests, f).height
    for other in f.relaxations(window):
        if 0 < _select(all_requests, other).height - n < K:
            return True
    for code in f.municipalities if len(f.municipalities) > 1 else ():
        if 0 < _select(all_requests, replace(f, municipalities=(code,))).height < K:
            return True
    return False


def area_hierarchy(db: LiveDatabase, start: date, end: date) -> pl.DataFrame:
    """Requests and courses for every municipality, region and the whole country in a period,
    with the cells hidden by primary and secondary suppression over that hierarchy."""
    # Every section of a view consults the same protected hierarchy: compute it once per
    # data version and period.
    return _area_hierarchy(db, db.refresh().version, start, end)


def clear_cache() -> None:
    """Forget the computed hierarchies (for cold measurements)."""
    _area_hierarchy.cache_clear()


@lru_cache(maxsize=32)
def _area_hierarchy(db: LiveDatabase, version: int, start: date, end: date) -> pl.DataFrame:
    period = PilotFilter(start, end)
    counts = _select(requests(db), period).group_by("municipality_code").len("requests")
    exposure = db.run("pilot_course_exposure", {"start": start, "end": end})
    municipalities = (
        db.run("municipalities")
        .join(exposure.group_by("municipality_code").agg(pl.col("courses").sum()), on="municipality_code", how="left")
        .join(counts, on="municipality_code", how="left")
        .with_columns(pl.col("courses", "requests").fill_null(0).cast(pl.Int64))
        .sort("region_code", "municipality_code")
    )
    regions = db.run("regions")
    region_rows = municipalities.group_by("region_code").agg(pl.col("courses", "requests").sum()).join(
        regions, on="region_code").sort("region_code")
    frame = pl.concat([
        municipalities.select(pl.lit("municipality").alias("level"), pl.col("municipality_code").cast(pl.String).alias("code"),
                              "name", "region_code", "courses", "requests"),
        region_rows.select(pl.lit("region").alias("level"), pl.col("region_code").alias("code"),
                           pl.col("region_name").alias("name"), "region_code", "courses", "requests"),
        pl.DataFrame({"level": ["national"], "code": ["000"], "name": ["Hele landet"], "region_code": [None],
                      "courses": [int(municipalities["courses"].sum())], "requests": [int(municipalities["requests"].sum())]},
                     schema={"level": pl.String, "code": pl.String, "name": pl.String, "region_code": pl.String,
                             "courses": pl.Int64, "requests": pl.Int64}),
    ])
    n_muni = municipalities.height
    region_index = {code: n_muni + i for i, code in enumerate(region_rows["region_code"].to_list())}
    children: dict[int, list[int]] = {i: [] for i in region_index.values()}
    for i, code in enumerate(municipalities["region_code"].to_list()):
        children[region_index[code]].append(i)
    children[frame.height - 1] = list(region_index.values())
    layout = suppression.hierarchy_layout(children, frame.height)
    hidden = suppression.suppress(frame["requests"].to_list(), layout, k=K)
    courses_hidden = suppression.suppress(frame["courses"].to_list(), layout, k=K)
    return frame.with_columns(pl.Series("hidden", hidden), pl.Series("courses_hidden", courses_hidden))


def _area_hidden(db: LiveDatabase, f: PilotFilter) -> bool:
    """Whether the view's area is hidden in the protected hierarchy of its period."""
    if not (f.region or f.municipalities):
        return False
    table = area_hierarchy(db, f.start, f.end)
    codes = [str(c) for c in f.municipalities] if f.municipalities else [f.region]
    level = "municipality" if f.municipalities else "region"
    chosen = table.filter((pl.col("level") == level) & pl.col("code").is_in(codes))
    return bool((chosen["hidden"] | chosen["courses_hidden"]).any())


def _window(db: LiveDatabase) -> tuple[date, date]:
    info = db.refresh()
    return info.pilot_start, info.pilot_end


def headline(db: LiveDatabase, f: PilotFilter) -> Headline:
    """Requests, uptake per 1,000 courses with its exact interval, municipalities, early share."""
    everything = requests(db)
    chosen = _select(everything, f)
    exposure = _select(db.run("pilot_course_exposure", {"start": f.start, "end": f.end}), f, dated=None)
    n, courses = chosen.height, int(exposure["courses"].sum() or 0)
    hidden = _view_hidden(db, f)
    count = ProtectedValue(None if hidden else n, hidden, n)
    rate = poisson_rate(n, courses, per=1000)
    early = int((chosen["request_context"] == "early_clarification").sum())
    share = proportion(early, n)
    # A share with n shown reveals both of its parts, so either part being small hides it.
    share_hidden = hidden or 0 < early < K or 0 < n - early < K
    open_n = int((~chosen["had_advice"]).sum())
    return Headline(
        requests=count,
        courses=protect_count(courses),
        uptake_per_1000=_interval(rate, hidden, n),
        municipalities=ProtectedValue(None, True, None) if hidden else protect_count(chosen["municipality_code"].n_unique()),
        early_share=_interval(share, share_hidden, n),
        open_requests=ProtectedValue(None, True, None) if hidden or 0 < n - open_n < K else protect_count(open_n),
    )


def _interval(interval: Interval, hidden: bool, base: int) -> ProtectedInterval:
    value = protect_statistic(interval.estimate, base)
    if hidden or value.hidden:
        return ProtectedInterval(ProtectedValue(None, True, base), None, None)
    return ProtectedInterval(value, interval.lower, interval.upper)


def by_quarter(db: LiveDatabase, f: PilotFilter) -> ProtectedTable:
    """Requests per quarter and the cumulative count, protected together (the running total
    minus the one before it is the quarter's count)."""
    everything = requests(db)
    chosen = _select(everything, f)
    quarters = pl.date_range(_quarter(f.start), _quarter(f.end), "1q", eager=True).alias("quarter_start")
    counts = (
        pl.DataFrame({"quarter_start": quarters})
        .join(chosen.group_by("quarter_start").len("requests"), on="quarter_start", how="left")
        .with_columns(pl.col("requests").fill_null(0).cast(pl.Int64))
        .with_columns(pl.col("requests").cum_sum().alias("cumulative"))
    )
    q = counts.height
    values = counts["requests"].to_list() + counts["cumulative"].to_list()
    # Cell i: the count of quarter i; cell q + i: the running total after quarter i.
    equations = [((0,), q)] + [((q + i - 1, i), q + i) for i in range(1, q)]
    layout = suppression.Layout(2 * q, tuple(equations))
    initial = suppression.primary(values, K)
    if _view_hidden(db, f) and q:
        initial[2 * q - 1] = True  # the last running total is the view's total
    hidden = suppression.suppress(values, layout, k=K, hidden=initial)
    masks = {"requests": pl.Series(hidden[:q]), "cumulative": pl.Series(hidden[q:])}
    frame = counts.with_columns(
        pl.when(masks[c]).then(None).otherwise(pl.col(c)).alias(c) for c in masks
    )
    return ProtectedTable(frame, masks, K)


def _quarter(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def by_region(db: LiveDatabase, f: PilotFilter) -> ProtectedTable:
    """Requests, courses and uptake per 1,000 per region and nationally (period filter only)."""
    table = area_hierarchy(db, f.start, f.end).filter(pl.col("level") != "municipality")
    # A rate with either part hidden would let the reader solve for that part.
    mask, courses_mask = table["hidden"] | table["courses_hidden"], table["courses_hidden"]
    frame = table.drop("hidden", "courses_hidden").with_columns(
        pl.when(mask).then(None).otherwise(pl.col("requests")).alias("requests"),
        pl.when(courses_mask).then(None).otherwise(pl.col("courses")).alias("courses"),
    )
    return _with_rates(ProtectedTable(frame, {"requests": mask.alias("requests"), "courses": courses_mask.alias("courses")}, K))


def _with_rates(table: ProtectedTable) -> ProtectedTable:
    """Uptake per 1,000 courses with its exact interval, hidden wherever the count is."""
    rows = []
    for n, courses in zip(table.frame["requests"].to_list(), table.frame["courses"].to_list()):
        rate = poisson_rate(n, courses, per=1000) if n is not None and courses else Interval(None, None, None)
        rows.append((rate.estimate, rate.lower, rate.upper))
    frame = table.frame.with_columns(
        pl.Series("rate", [r[0] for r in rows], dtype=pl.Float64),
        pl.Series("rate_lower", [r[1] for r in rows], dtype=pl.Float64),
        pl.Series("rate_upper", [r[2] for r in rows], dtype=pl.Float64),
    )
    mask = table.is_hidden("requests")
    hidden = {**table.hidden, **{c: mask.alias(c) for c in ("rate", "rate_lower", "rate_upper")}}
    return ProtectedTable(frame, hidden, table.k)


@dataclass(frozen=True)
class Funnel:
    """Municipalities' uptake against their courses, with exact limits around the national rate."""

    points: ProtectedTable  # shown municipalities only: name, courses, requests, rate, position
    limits: FunnelLimits
    national_rate: float
    left_out: int  # municipalities whose count is hidden (1..k-1 uses)


def funnel(db: LiveDatabase, f: PilotFilter) -> Funnel:
    """Uptake per 1,000 courses for each municipality (period filter only); municipalities the
    protected hierarchy hides are left out and counted."""
    table = area_hierarchy(db, f.start, f.end)
    national = table.filter(pl.col("level") == "national").row(0, named=True)
    rate = national["requests"] / national["courses"] * 1000 if national["courses"] else 0.0
    units = table.filter((pl.col("level") == "municipality") & (pl.col("courses") > 0))
    shown = units.filter(~pl.col("hidden") & ~pl.col("courses_hidden")).with_columns(
        (pl.col("requests") / pl.col("courses") * 1000).alias("rate"),
        pl.struct("requests", "courses").map_elements(
            lambda r: funnel_position(r["requests"], r["courses"], rate), return_dtype=pl.String
        ).alias("position"),
    ).drop("hidden", "courses_hidden").sort("courses")
    limits = poisson_funnel(rate, units["courses"].to_list() or [1], per=1000)
    left_out = int((units["hidden"] | units["courses_hidden"]).sum())
    return Funnel(ProtectedTable(shown, {}, K), limits, rate, left_out)


def flow(db: LiveDatabase, f: PilotFilter) -> ProtectedTable:
    """Requests by offer type through dialogue meeting, advice and outcome, with a total row."""
    chosen = _select(requests(db), f)
    rows = []
    for offer in [*OFFER_TYPES, None]:
        part = chosen if offer is None else chosen.filter(pl.col("offer_type") == offer)
        advised = part.filter(pl.col("had_advice"))
        rows.append({
            "offer_type": offer or "total",
            "requests": part.height,
            "dialogue": int(part["had_dialogue"].sum()),
            "advice": advised.height,
            **{o: int((advised["advice_outcome"] == o).sum()) for o in OUTCOMES},
            "open": part.height - advised.height,
        })
    frame = pl.DataFrame(rows)
    columns = ["requests", "dialogue", "advice", *OUTCOMES, "open"]
    width, height = len(columns), frame.height
    values = [int(frame[c][r]) for r in range(height) for c in columns]
    cell = {(r, c): r * width + columns.index(c) for r in range(height) for c in columns}
    equations = []
    for r in range(height):
        equations.append((tuple(cell[r, o] for o in OUTCOMES), cell[r, "advice"]))
        equations.append(((cell[r, "advice"], cell[r, "open"]), cell[r, "requests"]))
    for c in columns:
        equations.append((tuple(cell[r, c] for r in range(height - 1)), cell[height - 1, c]))
    initial = suppression.primary(values, K)
    if _view_hidden(db, f):
        initial[cell[height - 1, "requests"]] = True
    hidden = suppression.suppress(values, suppression.Layout(len(values), tuple(equations)), k=K, hidden=initial)
    masks = {c: pl.Series(c, [hidden[cell[r, c]] for r in range(height)]) for c in columns}
    masked = frame.with_columns(pl.when(masks[c]).then(None).otherwise(pl.col(c)).alias(c) for c in columns)
    return ProtectedTable(masked, masks, K)


@dataclass(frozen=True)
class Speed:
    """Days from request to advice, open requests counted (censored at the data's end)."""

    summary: DurationSummary | None  # None when hidden (fewer than k requests)
    curve: list[tuple[float, float]]
    n: ProtectedValue
    open: ProtectedValue


def speed(db: LiveDatabase, f: PilotFilter) -> Speed:
    """Kaplan–Meier quantiles of days to advice, with the closed-only median beside them."""
    everything = requests(db)
    chosen = _select(everything, f)
    n = chosen.height
    hidden = _view_hidden(db, f)
    if hidden or n == 0:
        return Speed(None, [], ProtectedValue(None, hidden, n) if hidden else protect_count(0),
                     ProtectedValue(None, hidden, None) if hidden else protect_count(0))
    durations = chosen["days_to_advice_or_end"].to_list()
    observed = chosen["had_advice"].to_list()
    summary = kaplan_meier_summary(durations, observed)
    open_n = summary.open
    return Speed(
        summary, kaplan_meier_curve(durations, observed), protect_count(n),
        ProtectedValue(None, True, None) if 0 < n - open_n < K else protect_count(open_n),
    )


def other_channels(db: LiveDatabase, f: PilotFilter) -> ProtectedTable | None:
    """Pilot uses beside the other health-advice channels per quarter (area filters only for
    the channels, which carry no sex or age); None when the table was not loaded."""
    if not db.refresh().has_health_advice_channels:
        return None
    pilot = by_quarter(db, f)
    area = PilotFilter(f.start, f.end, f.region, f.municipalities)
    channels = _select(db.run("health_advice_channels_by_quarter"), area, dated="quarter_start")
    wide = channels.group_by("quarter_start").agg(
        pl.col("n").filter(pl.col("channel") == "coordinator_sparring").sum().alias("coordinator_sparring"),
        pl.col("n").filter(pl.col("channel") == "gp_involvement").sum().alias("gp_involvement"),
    )
    frame = pilot.frame.select("quarter_start", "requests").join(wide, on="quarter_start", how="left").with_columns(
        pl.col("coordinator_sparring", "gp_involvement").fill_null(0))
    channel_masks = {c: frame[c].is_between(1, K - 1).alias(c) for c in ("coordinator_sparring", "gp_involvement")}
    frame = frame.with_columns(pl.when(channel_masks[c]).then(None).otherwise(pl.col(c)).alias(c) for c in channel_masks)
    return ProtectedTable(frame, {"requests": pilot.is_hidden("requests"), **channel_masks}, K)


def quarters(start: date, end: date) -> list[date]:
    """First days of the quarters from the one holding `start` to the one holding `end`."""
    return pl.date_range(_quarter(start), _quarter(end), "1q", eager=True).to_list()


def quarter_end(first_day: date) -> date:
    """The last day of the quarter that starts on `first_day`."""
    month = first_day.month + 3
    year = first_day.year + (month > 12)
    return date(year, (month - 1) % 12 + 1, 1) - timedelta(days=1)


def municipality_names(db: LiveDatabase) -> pl.DataFrame:
    """Municipality codes, names and regions, for the filter (reference facts, no figures)."""
    return db.run("municipalities")


def published(db: LiveDatabase) -> ProtectedTable:
    """The published figures about the pilot, with their sources."""
    return public_table(db.run("published_figures"))
