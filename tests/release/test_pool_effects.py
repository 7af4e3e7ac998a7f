"""The pool's effects at publish (release.pool.effects): the estimators recover planted effects,
agree with direct case-level regressions, and the intervals are the cluster jackknife's."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
import statsmodels.formula.api as smf
from scipy import stats as scipy_stats

from bench.coverage import cases_from_generated
from etl.generate import generate
from release.pool import effects

DATA_END = date(2030, 1, 1)  # every quarter below is followed for two years
QUARTERS = [date(2014 + i // 4, 3 * (i % 4) + 1, 1) for i in range(24)]  # 2014K1-2019K4
CONTROLS = {f"{c:03d}": None for c in (101, 147, 151, 153, 155, 157)}
# Staggered starts, one in the middle of a quarter (cases of that quarter fall on both sides).
STAGGERED = {"201": date(2016, 1, 1), "210": date(2016, 8, 15), "217": date(2017, 4, 1), "219": date(2018, 1, 1)}


def _quarter_number(d: date) -> int:
    return d.year * 4 + (d.month - 1) // 3


def quarters_since_start() -> pl.Expr:
    """Quarters from the grant start's quarter to the referral quarter, not binned."""
    def number(column: str) -> pl.Expr:
        return pl.col(column).dt.year().cast(pl.Int64) * 4 + (pl.col(column).dt.month().cast(pl.Int64) - 1) // 3
    return number("quarter_start") - number("grant_start")


def frame(starts: dict[str, date | None], outcome, noise: int = 0, seed: int = 1) -> pl.DataFrame:
    """Hand-made cases: one to three per municipality and quarter (so the weights differ), referred
    on days 0, 30 and 60 of the quarter; outcome(i, t, post, event) gives the days to decision
    (and whether the citizen was involved: an even number of days)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, (code, start) in enumerate(sorted(starts.items())):
        for t, q in enumerate(QUARTERS):
            for k in range(1 + (i + t) % 3):
                referral = q + timedelta(days=30 * k)
                post = start is not None and referral >= start
                event = None if start is None else _quarter_number(q) - _quarter_number(start)
                days = int(outcome(i, t, post, event)) + (int(rng.integers(-noise, noise + 1)) if noise else 0)
                rows.append({"municipality": code, "quarter_start": q, "referral_date": referral, "grant_start": start,
                             "citizen_involved": days % 2 == 0, "decided": True, "days_to_decision_or_end": days,
                             "course_start_date": None, "internship_start_date": None})
    return pl.DataFrame(rows, schema={
        "municipality": pl.String, "quarter_start": pl.Date, "referral_date": pl.Date, "grant_start": pl.Date,
        "citizen_involved": pl.Boolean, "decided": pl.Boolean, "days_to_decision_or_end": pl.Int64,
        "course_start_date": pl.Date, "internship_start_date": pl.Date})


def constant(i, t, post, event):
    return 100 + 10 * i + 3 * t - (14 if post else 0)


def growing(i, t, post, event):
    # Effects that grow with the quarters since the start: early grants weigh on later ones in TWFE.
    return 100 + 10 * i + 3 * t - (4 * (event + 1) if post else 0)


DAYS = "days_referral_to_decision"


def case_rows(cases: pl.DataFrame, outcome: str = DAYS) -> pl.DataFrame:
    return effects.sample(cases, outcome, DATA_END).with_columns(
        treated_post=(pl.col("treated") & pl.col("post")).cast(pl.Float64),
        quarter=pl.col("quarter_start").cast(pl.String))


def stage_one(rows: pl.DataFrame) -> np.ndarray:
    """Gardner's stage one done directly on cases: OLS with a dummy for every municipality and
    quarter on the untreated cases; its prediction for every case."""
    data = rows.to_pandas()
    fit = smf.ols("y ~ C(municipality) + C(quarter)", data=data[data["treated_post"] == 0]).fit()
    return np.asarray(fit.predict(data))


def half_width(se: float, clusters: int) -> float:
    return float(scipy_stats.t.ppf(0.975, clusters - 1)) * se


# --- recovering planted effects ---------------------------------------------------------------------


def test_a_constant_effect_with_staggered_starts_is_recovered_exactly():
    fit = effects.estimate(frame({**CONTROLS, **STAGGERED}, constant), DAYS, DATA_END)
    assert fit.main.estimate == pytest.approx(-14, abs=1e-9)
    assert fit.twfe.estimate == pytest.approx(-14, abs=1e-9)
    # Without noise no municipality moves the estimate: the interval is the point.
    assert fit.main.lower == pytest.approx(-14, abs=1e-9) and fit.main.upper == pytest.approx(-14, abs=1e-9)
    assert (fit.n_treated, fit.n_control, fit.unit) == (4, 6, "dage")
    assert fit.interval_method == "klynge-jackknife over kommuner (CRV3), t-fordeling med 9 frihedsgrader"


def test_effects_growing_since_the_start_bias_twfe_but_not_the_main_estimator():
    cases = frame({**CONTROLS, **STAGGERED}, growing)
    fit = effects.estimate(cases, DAYS, DATA_END)
    treated_post = cases.filter(pl.col("referral_date") >= pl.col("grant_start"))
    truth = float((-4 * (treated_post.select(quarters_since_start())[:, 0] + 1)).mean())  # on the treated cases
    assert fit.main.estimate == pytest.approx(truth, abs=1e-9)
    assert abs(fit.twfe.estimate - truth) > 2  # earlier grants serve as comparisons for later ones
    # The event study shows the growth: 4 days more each quarter after the start, flat before it.
    event = {r["event"]: r["estimate"] for r in fit.event.iter_rows(named=True)}
    for e in range(1, 8):
        assert event[e] == pytest.approx(-4 * (e + 1), abs=1e-9)
    for e in range(-7, 0):
        assert event[e] == pytest.approx(0, abs=1e-9)


# --- agreement with direct case-level regressions and the jackknife ----------------------------------


@pytest.fixture(scope="module")
def noisy() -> pl.DataFrame:
    return frame({**CONTROLS, **STAGGERED}, constant, noise=40, seed=7)


def test_twfe_equals_the_case_level_regression_and_its_interval_the_jackknife(noisy):
    fit = effects.estimate(noisy, DAYS, DATA_END)
    rows = case_rows(noisy)
    formula = "y ~ treated_post + C(municipality) + C(quarter)"
    full = smf.ols(formula, data=rows.to_pandas()).fit().params["treated_post"]
    assert fit.twfe.estimate == pytest.approx(full, abs=1e-9)
    # CRV3: the regression again without each municipality, (G-1)/G times the squared deviations.
    municipalities = sorted(rows["municipality"].unique())
    leave_out = [smf.ols(formula, data=rows.filter(pl.col("municipality") != m).to_pandas()).fit()
                 .params["treated_post"] for m in municipalities]
    g = len(municipalities)
    se = np.sqrt((g - 1) / g * np.sum((np.array(leave_out) - full) ** 2))
    assert fit.twfe.upper - fit.twfe.estimate == pytest.approx(half_width(se, g), rel=1e-9)
    assert fit.twfe.estimate - fit.twfe.lower == pytest.approx(half_width(se, g), rel=1e-9)


def test_main_estimate_is_gardners_two_stages_and_its_interval_the_jackknife(noisy):
    fit = effects.estimate(noisy, DAYS, DATA_END)
    rows = case_rows(noisy)
    residual = rows["y"].to_numpy() - stage_one(rows)
    assert fit.main.estimate == pytest.approx(residual[rows["treated_post"].to_numpy() == 1].mean(), abs=1e-9)
    # The fast leave-one-out equals estimating again on the cases without each municipality.
    municipalities = sorted(rows["municipality"].unique())
    leave_out = [effects.estimate(noisy.filter(pl.col("municipality") != m), DAYS, DATA_END).main.estimate
                 for m in municipalities]
    g = len(municipalities)
    se = np.sqrt((g - 1) / g * np.sum((np.array(leave_out) - fit.main.estimate) ** 2))
    assert fit.main.upper - fit.main.estimate == pytest.approx(half_width(se, g), rel=1e-9)


def test_event_study_reference_and_counterfactual(noisy):
    fit = effects.estimate(noisy, DAYS, DATA_END)
    event = fit.event
    assert event["event"].to_list() == list(range(-8, 9))
    assert event["label"].to_list()[:2] == ["≤ −8", "−7"] and event["label"].to_list()[-2:] == ["7", "≥ 8"]
    reference = event.filter(pl.col("reference"))
    assert reference["event"].to_list() == [effects.REFERENCE_QUARTER]
    assert reference.select("estimate", "lower", "upper").row(0) == (0.0, 0.0, 0.0)
    # The counterfactual is the observed mean less the gap to stage one's prediction: the mean
    # prediction for the grant group's cases at that quarter since the start.
    rows = case_rows(noisy).with_columns(predicted=pl.Series(stage_one(case_rows(noisy))))
    expected = rows.filter(pl.col("treated")).group_by("event").agg(
        pl.len().alias("base"), pl.col("y").mean().alias("observed"), pl.col("predicted").mean().alias("cf"))
    joined = event.join(expected, on="event", suffix="_direct")
    assert joined.height == event.height
    assert (joined["base"] == joined["base_direct"]).all()
    np.testing.assert_allclose(joined["observed"], joined["observed_direct"], atol=1e-9)
    np.testing.assert_allclose(joined["counterfactual"], joined["cf"], atol=1e-9)
    # The coefficient is the gap measured against quarter -1's gap.
    gap = joined["observed"] - joined["counterfactual"]
    gap_ref = float(gap.filter(joined["event"] == -1)[0])
    np.testing.assert_allclose(joined["estimate"], gap - gap_ref, atol=1e-9)
    assert event["numerator"].null_count() == event.height  # days have no numerator
    assert (event["lower"] <= event["estimate"]).all()
    assert (event["counterfactual_lower"] <= event["counterfactual"]).all()
    assert 0 <= fit.pretrend_p <= 1


def test_shares_count_their_numerator():
    cases = frame({**CONTROLS, **STAGGERED}, constant, noise=40, seed=3)
    fit = effects.estimate(cases, "citizen_involved", DATA_END)
    treated = cases.filter(pl.col("grant_start").is_not_null()).with_columns(event=quarters_since_start().clip(-8, 8))
    expected = treated.group_by("event").agg(pl.len().alias("b"), pl.col("citizen_involved").sum().alias("x"))
    joined = fit.event.join(expected, on="event")
    assert joined.height == fit.event.height == 17
    assert (joined["base"] == joined["b"]).all() and (joined["numerator"] == joined["x"]).all()
    np.testing.assert_allclose(joined["observed"], 100 * joined["x"] / joined["b"])
    assert fit.unit == "procentpoint"


# --- when there is little or nothing to estimate -----------------------------------------------------


def test_fewer_than_three_grant_municipalities_give_no_intervals():
    two = dict(list(STAGGERED.items())[:2])
    fit = effects.estimate(frame({**CONTROLS, **two}, constant, noise=10), DAYS, DATA_END)
    assert fit.n_treated == 2
    assert fit.main.estimate is not None and fit.twfe.estimate is not None
    assert (fit.main.lower, fit.main.upper, fit.twfe.lower, fit.twfe.upper) == (None, None, None, None)
    assert fit.pretrend_p is None
    assert fit.event["lower"].null_count() == fit.event.height
    assert fit.event["counterfactual_upper"].null_count() == fit.event.height
    assert fit.event["estimate"].null_count() == 0
    assert "intet interval" in fit.interval_method


@pytest.mark.parametrize("starts, data_end", [
    ({**CONTROLS, **STAGGERED}, date(2015, 1, 1)),  # no quarter followed for two years
    (STAGGERED, DATA_END),  # no comparison
    (CONTROLS, DATA_END),  # no grant
])
def test_nothing_to_estimate_gives_none_and_an_empty_event_study(starts, data_end):
    fit = effects.estimate(frame(starts, constant), DAYS, data_end)
    assert fit.main is None and fit.twfe is None and fit.pretrend_p is None
    assert fit.event.height == 0 and fit.event.schema == pl.Schema(effects.EVENT_SCHEMA)
    if data_end != DATA_END:
        assert fit.sample_quarters == [] and fit.n_cases == 0 and fit.cells.height == 0


def test_the_sample_follows_cases_long_enough_and_marks_the_start():
    cases = frame({**CONTROLS, **STAGGERED}, constant)
    end = date(2019, 12, 31)  # quarters up to 2017K4 are followed 730 days
    rows = effects.sample(cases, DAYS, end)
    assert rows.schema == pl.Schema(effects.SAMPLE_SCHEMA)
    assert rows["quarter_start"].max() == date(2017, 10, 1)
    assert rows.filter(~pl.col("treated"))["event"].null_count() == rows.filter(~pl.col("treated")).height
    assert rows["event"].min() == -8 and rows.filter(pl.col("treated"))["event"].max() <= 8
    # The start in the middle of a quarter splits that quarter's cases by their referral date.
    split = rows.filter((pl.col("municipality") == "210") & (pl.col("quarter_start") == date(2016, 7, 1)))
    assert split["post"].to_list() == [False, False, True] and split["event"].to_list() == [0, 0, 0]
    fit = effects.estimate(cases, DAYS, end)
    assert fit.sample_quarters == sorted(rows["quarter_start"].unique().to_list())
    assert fit.n_cases == rows.height and int(fit.cells["n"].sum()) == rows.height
    assert fit.cells.columns == ["municipality", "quarter_start", "treated", "n"]
    # 2014K1-2015K4 are before the first start (2016K1); 2016K1-2017K4 from it on.
    assert (fit.pre_quarters, fit.post_quarters) == (8, 8)


def test_days_are_a_restricted_mean_and_internships_need_their_months():
    cases = frame({**CONTROLS, **STAGGERED}, lambda i, t, post, event: 900 if t == 0 else 100)
    rows = effects.sample(cases, DAYS, DATA_END)
    assert rows["y"].max() == effects.FOLLOW_UP_DAYS
    # Courses start 100 days after referral; an internship 100 days later is within six months,
    # one 300 days later is not, and none is none.
    after = pl.col("municipality").cast(pl.Int64) % 3
    course = cases.with_columns(
        course_start_date=pl.col("referral_date") + timedelta(days=100),
        internship_start_date=pl.when(after == 0).then(pl.col("referral_date") + timedelta(days=200))
        .when(after == 1).then(pl.col("referral_date") + timedelta(days=400)))
    end = date(2022, 1, 1)
    rows = effects.sample(course, "internship_within", end, months=6).join(
        course.select("municipality", after.alias("after")).unique(), on="municipality")
    followed = course.filter(
        (pl.col("course_start_date").dt.offset_by("6mo") <= end)
        & (pl.col("quarter_start").dt.offset_by("3mo").dt.offset_by("-1d") + timedelta(days=730) <= end))
    assert rows.height == followed.height
    assert rows.select(((pl.col("y") == 100) == (pl.col("after") == 0)).all()).item()
    assert set(rows["y"].unique().to_list()) == {0.0, 100.0}
    with pytest.raises(ValueError):
        effects.sample(cases, "unknown", DATA_END)


# --- a generated dataset -----------------------------------------------------------------------------


def test_the_planted_effects_of_a_generated_dataset_are_recovered(tmp_path):
    generate(tmp_path, scale=0.5, seed=31)
    cases, data_end = cases_from_generated(tmp_path)
    truth = {"citizen_involved": 15.0, "days_referral_to_decision": -14.0, "internship_within": 0.0}
    for outcome, value in truth.items():
        fit = effects.estimate(cases, outcome, data_end)
        assert (fit.n_treated, fit.n_control) == (17, 81)
        assert fit.event.height == 17 and fit.pretrend_p is not None
        for effect in (fit.main, fit.twfe):
            se = (effect.upper - effect.lower) / (2 * scipy_stats.t.ppf(0.975, 97))
            assert 0.3 < se < 3
            assert abs(effect.estimate - value) < 3.5 * se, (outcome, effect)


# --- against pyfixest, the reference the hand-written estimator answers to -------------------------
# (about 10 s: pyfixest compiles its numba kernels in every new process; make test runs them)


def test_main_estimate_agrees_with_pyfixest_did2s(noisy):
    pf = pytest.importorskip("pyfixest")
    fit = effects.estimate(noisy, DAYS, DATA_END)
    rows = case_rows(noisy).with_columns(treatment=pl.col("treated_post") == 1).to_pandas()
    reference = pf.did2s(rows, yname="y", first_stage="~0|municipality+quarter", second_stage="~i(treatment)",
                         treatment="treatment", cluster="municipality")
    # pyfixest recovers the fixed effects iteratively, so it agrees to its convergence tolerance.
    assert fit.main.estimate == pytest.approx(float(reference.coef().iloc[0]), rel=1e-6)


def test_twfe_interval_is_pyfixest_crv3(noisy):
    pf = pytest.importorskip("pyfixest")
    fit = effects.estimate(noisy, DAYS, DATA_END)
    rows = case_rows(noisy).to_pandas()
    reference = pf.feols("y ~ treated_post | municipality + quarter", data=rows, vcov={"CRV3": "municipality"},
                         ssc=pf.ssc(k_adj=False, G_adj=False))
    g = rows["municipality"].nunique()
    assert fit.twfe.estimate == pytest.approx(float(reference.coef().iloc[0]), rel=1e-9)
    # pyfixest's CRV3 without small-sample factors is the sum of squared deviations; ours is
    # (G-1)/G times it (MacKinnon, Nielsen and Webb 2023).
    se = float(reference.se().iloc[0]) * np.sqrt((g - 1) / g)
    assert fit.twfe.upper - fit.twfe.estimate == pytest.approx(half_width(se, g), rel=1e-6)
