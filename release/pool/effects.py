"""Effects of the pool "Bedre ressourceforløb" on three outcomes, estimated at publish time: a
difference-in-differences that holds with staggered grant starts, the plain two-way fixed-effects
one beside it, an event study around each municipality's grant start, and their 95 % intervals.

Main estimator: Gardner's (2021) two-stage difference-in-differences (DID2S, as `pf.did2s`). Stage
one fits municipality and quarter fixed effects on the untreated cases only (the municipalities
without a grant, and the grant municipalities' cases referred before their start); stage two
averages the grant municipalities' cases after their start less what stage one predicts for them.
No grant municipality is compared with another one already treated, so effects that grow or vary
between start quarters do not bias it, unlike two-way fixed effects (Goodman-Bacon 2021). Chosen
over Sun and Abraham (2021), which is unbiased too but measures each grant municipality's change
from one quarter (the one before its start): with some thirty cases per municipality and quarter
that single baseline quarter made its standard errors three to four times this estimator's (a
generated dataset at scale 1), which takes the whole period before the start as the baseline.

Event study: per quarter since the start (-8..+8, the ends binned) the grant group's mean less
stage one's prediction for the same cases (the gap); the coefficient is the gap less quarter -1's
gap, the counterfactual is the observed mean less the gap (what stage one predicts: the group's
level before the start moved as the untreated cases moved). The pre-trend test is the linear
slope of the gaps before the start.

Intervals: the cluster jackknife (CRV3; MacKinnon, Nielsen and Webb 2023): every statistic again
without each municipality in turn, (G-1)/G times the squared deviations, t on G-1 degrees of
freedom (G municipalities). With 17 grant municipalities, clustered standard errors (CRV1) were
too narrow (91 % coverage); the jackknife lets each grant municipality's weight on the estimate
show. `python -m bench.coverage` measures coverage on planted and placebo datasets; a wild
cluster bootstrap was not needed, and pyfixest refuses it with the cell weights below. With fewer
than MIN_TREATED_FOR_INTERVAL grant municipalities no interval is given.

Speed (about 0.1 s a call at scale 1): every regressor is constant within a municipality x
quarter x (before/after the start) cell, so weighted regressions on cell means give the
case-level coefficients; the municipality fixed effects are swept out within each municipality,
which leaving a municipality out does not change, so each jackknife replicate is one small solve.
pyfixest is the reference the tests hold this to (`pf.did2s`, `pf.feols` with CRV3), not called
here: a `pf.did2s` fit alone takes 0.2 s at scale 1, it has no jackknife, and its CRV3 with fixed
effects refits the model once per municipality.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from scipy import stats as scipy_stats

OUTCOMES = ("citizen_involved", "days_referral_to_decision", "internship_within")
# Referrals followed for two years: almost every case has had its team meeting and decision, so
# censoring does not bias the latest quarters.
FOLLOW_UP_DAYS = 730
EVENT_WINDOW = 8  # event study: quarters -8..+8 around the grant start, the ends binned
REFERENCE_QUARTER = -1
# With one or two grant municipalities an interval would rest on one or two municipalities' paths.
MIN_TREATED_FOR_INTERVAL = 3
UNITS = {"citizen_involved": "procentpoint", "days_referral_to_decision": "dage", "internship_within": "procentpoint"}
METHOD_MAIN = "Gardner (2021), to-trins difference-in-differences"
METHOD_TWFE = "Klassisk difference-in-differences med faste effekter for kommune og kvartal (TWFE)"
INTERVAL_METHOD = "klynge-jackknife over kommuner (CRV3), t-fordeling med {df} frihedsgrader"
NO_INTERVAL = f"intet interval: færre end {MIN_TREATED_FOR_INTERVAL} kommuner med bevilling"
LEVEL = 0.95


@dataclass(frozen=True)
class Effect:
    """A point estimate in the outcome's unit with its 95 % interval (None when not given)."""

    estimate: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Estimate:
    """The effects of the grants on one outcome, the event study and the sample they rest on."""

    outcome: str
    unit: str  # "procentpoint" or "dage"
    months: int
    method_main: str
    method_twfe: str
    interval_method: str
    main: Effect | None  # None when no estimate can be made
    twfe: Effect | None
    n_cases: int
    n_treated: int  # grant municipalities with cases in the sample
    n_control: int
    pre_quarters: int  # sample quarters before the first grant start
    post_quarters: int  # sample quarters from the first grant start on
    pretrend_p: float | None  # linear slope before the start (parallel paths)
    sample_quarters: list[date]
    event: pl.DataFrame  # EVENT_SCHEMA
    cells: pl.DataFrame  # municipality, quarter_start, treated, n


EVENT_SCHEMA = {
    "event": pl.Int64, "label": pl.String, "reference": pl.Boolean, "base": pl.Int64, "numerator": pl.Int64,
    "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "observed": pl.Float64,
    "counterfactual": pl.Float64, "counterfactual_lower": pl.Float64, "counterfactual_upper": pl.Float64,
}
CELLS_SCHEMA = {"municipality": pl.String, "quarter_start": pl.Date, "treated": pl.Boolean, "n": pl.Int64}
SAMPLE_SCHEMA = {"municipality": pl.String, "quarter_start": pl.Date, "treated": pl.Boolean, "start": pl.Date,
                 "post": pl.Boolean, "event": pl.Int64, "y": pl.Float64}


# --- the sample ------------------------------------------------------------------------------------


def _quarter_index(column: str | pl.Expr) -> pl.Expr:
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.year().cast(pl.Int64) * 4 + (expr.dt.month().cast(pl.Int64) - 1) // 3


def sample(cases: pl.DataFrame, outcome: str, data_end: date, months: int = 6) -> pl.DataFrame:
    """Rows of the estimation sample: municipality, quarter_start, treated (bool), start, post (bool),
    event (int, clipped to ±EVENT_WINDOW, null for comparison), y (float)."""
    # Only quarters whose every referral has been followed FOLLOW_UP_DAYS by the data's end.
    quarter_end = pl.col("quarter_start").dt.offset_by("3mo").dt.offset_by("-1d")
    rows = cases.filter(quarter_end + pl.duration(days=FOLLOW_UP_DAYS) <= pl.lit(data_end))
    if outcome == "citizen_involved":
        # Known once the team meeting is held; in points so that effects read as percentage points.
        rows = rows.filter(pl.col("citizen_involved").is_not_null()).with_columns(
            y=pl.col("citizen_involved").cast(pl.Float64) * 100)
    elif outcome == "days_referral_to_decision":
        # Restricted mean: a case still without a decision after FOLLOW_UP_DAYS counts with
        # FOLLOW_UP_DAYS, which every case in the sample has been followed for (no censoring).
        rows = rows.with_columns(
            y=pl.col("days_to_decision_or_end").clip(upper_bound=FOLLOW_UP_DAYS).cast(pl.Float64))
    elif outcome == "internship_within":
        # Courses followed at least `months` months, so that "no internship yet" means "none within".
        limit = pl.col("course_start_date").dt.offset_by(f"{months}mo")
        rows = rows.filter(limit <= pl.lit(data_end)).with_columns(
            y=(pl.col("internship_start_date") <= limit).fill_null(False).cast(pl.Float64) * 100)
    else:
        raise ValueError(f"unknown outcome {outcome!r}")
    return rows.select(
        "municipality", "quarter_start",
        pl.col("grant_start").is_not_null().alias("treated"),
        pl.col("grant_start").alias("start"),
        (pl.col("referral_date") >= pl.col("grant_start")).fill_null(False).alias("post"),
        (_quarter_index("quarter_start") - _quarter_index("grant_start"))
        .clip(-EVENT_WINDOW, EVENT_WINDOW).alias("event"),
        "y",
    ).cast(SAMPLE_SCHEMA)


# --- the design as cells ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """The sample as municipality x quarter x post cells, as arrays (one entry per cell)."""

    municipality: np.ndarray  # index 0..G-1
    quarter: np.ndarray  # index 0..T-1
    n: np.ndarray  # cases (the regression weight)
    y: np.ndarray  # mean outcome
    treated: np.ndarray
    post: np.ndarray
    event: np.ndarray  # clipped quarters since the start (0 for the comparison)
    clusters: int
    quarters: int


def _design(rows: pl.DataFrame) -> _Design:
    cells = rows.group_by("municipality", "quarter_start", "treated", "post", "event").agg(
        pl.len().alias("n"), pl.col("y").mean().alias("y")
    ).sort("municipality", "quarter_start", "post")
    municipality = cells["municipality"].rank("dense").cast(pl.Int64).to_numpy() - 1
    quarter = cells["quarter_start"].rank("dense").cast(pl.Int64).to_numpy() - 1
    return _Design(
        municipality=municipality, quarter=quarter, n=cells["n"].cast(pl.Float64).to_numpy(),
        y=cells["y"].to_numpy(), treated=cells["treated"].to_numpy(), post=cells["post"].to_numpy(),
        event=cells["event"].fill_null(0).to_numpy(), clusters=int(municipality.max()) + 1,
        quarters=int(quarter.max()) + 1,
    )


# --- weighted least squares with every municipality left out in turn -----------------------------


def _within(values: np.ndarray, weights: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Columns less their weighted mean within each group (the group's fixed effect swept out)."""
    total = np.bincount(group, weights=weights, minlength=groups)
    means = np.stack([np.bincount(group, weights=weights * col, minlength=groups) for col in values.T], axis=1)
    return values - (means / np.where(total > 0, total, 1.0)[:, None])[group]


def _jackknife_wls(x: np.ndarray, y: np.ndarray, w: np.ndarray, cluster: np.ndarray, clusters: int) -> np.ndarray:
    """Coefficients of weighted least squares of y on x with cluster fixed effects: row 0 on all
    cells, row 1 + g without cluster g. Unidentified coefficients come out as 0 (minimum norm)."""
    xd = _within(x, w, cluster, clusters)
    yd = _within(y[:, None], w, cluster, clusters)[:, 0]
    k = x.shape[1]
    # Each cluster's share of the normal equations; the fixed effects are within a cluster, so
    # leaving one out subtracts its share and nothing else.
    a_g = np.zeros((clusters, k, k))
    b_g = np.zeros((clusters, k))
    order = np.argsort(cluster, kind="stable")
    bounds = np.searchsorted(cluster[order], np.arange(clusters + 1))
    for g in range(clusters):
        rows = order[bounds[g]:bounds[g + 1]]
        xw = xd[rows] * w[rows, None]
        a_g[g] = xd[rows].T @ xw
        b_g[g] = xw.T @ yd[rows]
    a = np.concatenate([a_g.sum(axis=0)[None], a_g.sum(axis=0)[None] - a_g])
    b = np.concatenate([b_g.sum(axis=0)[None], b_g.sum(axis=0)[None] - b_g])
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # Some replicate lost a quarter (its only cells were in the cluster left out).
        return np.stack([np.linalg.lstsq(a[r], b[r], rcond=None)[0] for r in range(len(a))])


def _quarter_dummies(quarter: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Dummies for the quarters in `used` except the first (the municipality effects hold the level)."""
    return (quarter[:, None] == used[None, 1:]).astype(float)


# --- the estimators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Replicates:
    """Statistics on all cells (row 0) and without each municipality (rows 1..G); NaN where a
    replicate cannot make one."""

    main: np.ndarray  # (G+1,)
    twfe: np.ndarray | None  # (G+1,), None when not identified
    gaps: np.ndarray  # (G+1, events): the grant group's mean less its stage-one prediction
    events: list[int]


def _did2s_residuals(d: _Design) -> tuple[np.ndarray, np.ndarray]:
    """The grant group's cells less their stage-one prediction, per replicate (G+1 x cells), and
    which of them each replicate can predict (a municipality and quarter with untreated cells)."""
    untreated = ~(d.treated & d.post)
    used = np.unique(d.quarter[untreated])
    cells = np.flatnonzero(d.treated)
    coefficients = _jackknife_wls(_quarter_dummies(d.quarter[untreated], used), d.y[untreated], d.n[untreated],
                                  d.municipality[untreated], d.clusters)
    quarter_effect = np.zeros((coefficients.shape[0], d.quarters))
    quarter_effect[:, used[1:]] = coefficients
    # A municipality's effect: its untreated cells' weighted mean less their quarters' effects.
    weight = np.zeros((d.clusters, d.quarters))
    np.add.at(weight, (d.municipality[untreated], d.quarter[untreated]), d.n[untreated])
    level = np.zeros((d.clusters, d.quarters))
    np.add.at(level, (d.municipality[untreated], d.quarter[untreated]), d.n[untreated] * d.y[untreated])
    total = weight.sum(axis=1)
    has_untreated = total > 0
    share = weight / np.where(has_untreated, total, 1.0)[:, None]
    municipality_effect = level.sum(axis=1) / np.where(has_untreated, total, 1.0) - quarter_effect @ share.T
    m, q = d.municipality[cells], d.quarter[cells]
    residual = d.y[cells][None, :] - municipality_effect[:, m] - quarter_effect[:, q]
    # Replicate 1+g leaves municipality g out, and with it any quarter only g had untreated cells in.
    quarter_weight = weight.sum(axis=0)[None, :] - np.concatenate([np.zeros((1, d.quarters)), weight])
    keep = (quarter_weight[:, q] > 0) & has_untreated[m][None, :]
    keep[1 + m, np.arange(len(cells))] = False
    return residual, keep


def _weighted_means(values: np.ndarray, keep: np.ndarray, weights: np.ndarray, select: np.ndarray) -> np.ndarray:
    """Per replicate: the weighted mean of the selected, kept cells (NaN where none is left)."""
    w = keep * (weights * select)[None, :]
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * values).sum(axis=1) / total, np.nan)


def _twfe(d: _Design) -> np.ndarray | None:
    """Treated x post with municipality and quarter fixed effects, per replicate; None when the
    fixed effects explain treated x post away (no grant municipality seen both before and after)."""
    used = np.unique(d.quarter)
    treated_post = (d.treated & d.post).astype(float)
    x = np.column_stack([treated_post, _quarter_dummies(d.quarter, used)])
    # Identified only if treated x post keeps something after both sets of fixed effects.
    swept = _within(x, d.n, d.municipality, d.clusters)
    root = np.sqrt(d.n)[:, None]
    if swept.shape[1] > 1:
        others = root * swept[:, 1:]
        left = root[:, 0] * swept[:, 0] - others @ np.linalg.lstsq(others, root[:, 0] * swept[:, 0], rcond=None)[0]
    else:
        left = root[:, 0] * swept[:, 0]
    if np.linalg.norm(left) <= 1e-9 * max(np.linalg.norm(root[:, 0] * treated_post), 1e-300):
        return None
    coefficients = _jackknife_wls(x, d.y, d.n, d.municipality, d.clusters)[:, 0]
    # A replicate without any grant municipality seen before and after has no estimate.
    seen = _seen_before_and_after(d)
    coefficients[1:][~seen] = np.nan
    return coefficients


def _seen_before_and_after(d: _Design) -> np.ndarray:
    """Per municipality left out: whether some other grant municipality has cells before and after."""
    before = np.bincount(d.municipality, weights=d.treated & ~d.post, minlength=d.clusters) > 0
    after = np.bincount(d.municipality, weights=d.treated & d.post, minlength=d.clusters) > 0
    both = before & after
    return both.sum() - both > 0


def _replicates(d: _Design) -> _Replicates:
    residual, keep = _did2s_residuals(d)
    cells = np.flatnonzero(d.treated)
    n, post, event = d.n[cells], d.post[cells], d.event[cells]
    events = sorted(set(event.tolist()))
    main = _weighted_means(residual, keep, n, post)
    gaps = np.stack([_weighted_means(residual, keep, n, event == e) for e in events], axis=1)
    return _Replicates(main=main, twfe=_twfe(d), gaps=gaps, events=events)


# --- intervals -------------------------------------------------------------------------------------


def _jackknife_se(replicates: np.ndarray) -> float | None:
    """Standard error from the cluster jackknife (CRV3): the square root of (G-1)/G times the
    squared deviations of the leave-one-out estimates (rows 1..G) from the full one (row 0);
    None when some replicate has no estimate (it rested on the municipality left out)."""
    others = replicates[1:]
    if len(others) < 2 or np.isnan(others).any():
        return None
    g = len(others)
    return float(np.sqrt((g - 1) / g * np.sum((others - replicates[0]) ** 2)))


def _jackknife(replicates: np.ndarray, df: int) -> tuple[float, float | None, float | None]:
    """(estimate, lower, upper): the estimate on all cells and its 95 % interval, t with df."""
    estimate = float(replicates[0])
    se = _jackknife_se(replicates)
    if se is None:
        return estimate, None, None
    half = float(scipy_stats.t.ppf(0.5 + LEVEL / 2, df)) * se
    return estimate, estimate - half, estimate + half


def _pretrend_p(gaps: np.ndarray, events: list[int], df: int) -> float | None:
    """p-value of a t-test that the grant group's path before the start has no linear slope
    against its stage-one prediction (quarters -8..-1 since the start, equally weighted).

    One restriction rather than a joint test of every quarter before the start: with few
    treated clusters a joint Wald test rejects far too often (Cameron and Miller 2015).
    """
    pre = [j for j, e in enumerate(events) if e <= REFERENCE_QUARTER]
    if len(pre) < 2:
        return None
    times = np.array([events[j] for j in pre], dtype=float)
    centred = times - times.mean()
    slope = gaps[:, pre] @ (centred / (centred @ centred))
    se = _jackknife_se(slope)
    if se is None:
        return None
    if se == 0:
        return 1.0 if slope[0] == 0 else 0.0
    return float(2 * scipy_stats.t.sf(abs(slope[0] / se), df))


# --- the estimate ----------------------------------------------------------------------------------


def estimate(cases: pl.DataFrame, outcome: str, data_end: date, months: int = 6, seed: int = 2017) -> Estimate:
    """The effects of the grants on `outcome` (main estimator and two-way fixed effects), the event
    study and the sample, with 95 % jackknife intervals. `seed` is kept for callers: the
    jackknife draws nothing at random, so the result is the same for every seed."""
    rows = sample(cases, outcome, data_end, months)
    first_start = rows.filter(pl.col("treated"))["start"].min()
    sample_quarters = sorted(rows["quarter_start"].unique().to_list())
    n_treated = rows.filter(pl.col("treated"))["municipality"].n_unique()
    n_control = rows.filter(~pl.col("treated"))["municipality"].n_unique()
    cells = (rows.group_by("municipality", "quarter_start", "treated").agg(pl.len().alias("n"))
             .sort("municipality", "quarter_start").cast(CELLS_SCHEMA))
    pre = [q for q in sample_quarters if first_start is not None and _quarter_after(q) <= first_start]
    post = [q for q in sample_quarters if first_start is not None and _quarter_after(q) > first_start]
    with_intervals = n_treated >= MIN_TREATED_FOR_INTERVAL
    df = n_treated + n_control - 1  # t's degrees of freedom: municipalities in the sample less one
    common = dict(outcome=outcome, unit=UNITS[outcome], months=months, method_main=METHOD_MAIN,
                  method_twfe=METHOD_TWFE, interval_method=INTERVAL_METHOD.format(df=df) if with_intervals
                  else NO_INTERVAL, n_cases=rows.height, n_treated=n_treated, n_control=n_control,
                  pre_quarters=len(pre), post_quarters=len(post), sample_quarters=sample_quarters, cells=cells)
    treated_rows = rows.filter(pl.col("treated"))
    if (n_treated == 0 or n_control == 0 or treated_rows.filter(~pl.col("post")).is_empty()
            or treated_rows.filter(pl.col("post")).is_empty()):
        return Estimate(main=None, twfe=None, pretrend_p=None, event=pl.DataFrame(schema=EVENT_SCHEMA), **common)
    reps = _replicates(_design(rows))

    def effect(replicates: np.ndarray | None) -> Effect | None:
        if replicates is None or np.isnan(replicates[0]):
            return None
        value, lower, upper = _jackknife(replicates, df)
        return Effect(value, lower, upper) if with_intervals else Effect(value, None, None)

    return Estimate(
        main=effect(reps.main), twfe=effect(reps.twfe),
        pretrend_p=_pretrend_p(reps.gaps, reps.events, df) if with_intervals else None,
        event=_event_table(treated_rows, reps, df, with_intervals, outcome), **common,
    )


def _quarter_after(q: date) -> date:
    """The first day of the quarter after the one starting on q."""
    return date(q.year + 1, 1, 1) if q.month == 10 else date(q.year, q.month + 3, 1)


def _event_table(treated_rows: pl.DataFrame, reps: _Replicates, df: int, with_intervals: bool,
                 outcome: str) -> pl.DataFrame:
    """Per quarter since the start: the coefficient against quarter -1, the grant group's observed
    mean with its base and numerator, and the counterfactual path with its band."""
    observed = treated_rows.group_by("event").agg(
        pl.len().alias("base"), (pl.col("y") == 100).sum().alias("numerator"), pl.col("y").mean().alias("observed"))
    observed = {r["event"]: r for r in observed.iter_rows(named=True)}
    share = outcome != "days_referral_to_decision"
    ref = reps.events.index(REFERENCE_QUARTER) if REFERENCE_QUARTER in reps.events else None
    rows = []
    for j, e in enumerate(reps.events):
        o = observed[e]
        # The coefficient is measured against the quarter before the start; the counterfactual
        # against the whole period before it (stage one), as the main estimate is.
        if ref is None:
            coefficient = (None, None, None)
        elif j == ref:
            coefficient = (0.0, 0.0, 0.0) if with_intervals else (0.0, None, None)
        else:
            coefficient = _jackknife(reps.gaps[:, j] - reps.gaps[:, ref], df)
        gap, gap_lower, gap_upper = _jackknife(reps.gaps[:, j], df)
        if not with_intervals:
            coefficient, gap_lower, gap_upper = (coefficient[0], None, None), None, None
        rows.append({
            "event": e, "label": _event_label(e), "reference": e == REFERENCE_QUARTER, "base": o["base"],
            "numerator": o["numerator"] if share else None,
            "estimate": coefficient[0], "lower": coefficient[1], "upper": coefficient[2],
            "observed": o["observed"], "counterfactual": o["observed"] - gap,
            "counterfactual_lower": None if gap_upper is None else o["observed"] - gap_upper,
            "counterfactual_upper": None if gap_lower is None else o["observed"] - gap_lower,
        })
    # NaN where no case of a quarter could be predicted (a grant municipality without untreated cases).
    return pl.DataFrame(rows, schema=EVENT_SCHEMA).fill_nan(None)


def _event_label(e: int) -> str:
    """'≤ −8', '−7', ..., '0', ..., '≥ 8' (quarters since the grant start; the ends binned)."""
    text = str(e).replace("-", "−")
    if e == -EVENT_WINDOW:
        return f"≤ {text}"
    if e == EVENT_WINDOW:
        return f"≥ {text}"
    return text
