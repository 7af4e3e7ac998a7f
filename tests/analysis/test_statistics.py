"""Exact intervals, funnel limits and Kaplan–Meier estimates against statsmodels, scipy,
lifelines, the Fingertips method and hand-worked numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy.stats import beta, binom, chi2, norm, poisson
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from analysis.statistics import (
    DurationSummary,
    FunnelLimits,
    Interval,
    binomial_funnel,
    binomial_position,
    funnel_position,
    kaplan_meier,
    kaplan_meier_curve,
    kaplan_meier_summary,
    poisson_funnel,
    poisson_rate,
    proportion,
    survival_at,
    survival_difference,
    survival_quantile,
    survival_variance,
)

# --- poisson_rate -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 2, 5, 78, 1234])
@pytest.mark.parametrize("exposure, per", [(30_000.0, 1000.0), (512.5, 100.0), (7.0, 1.0)])
def test_poisson_rate_matches_statsmodels_exact_c(count, exposure, per):
    got = poisson_rate(count, exposure, per=per)
    lower, upper = confint_poisson(count, exposure, method="exact-c")
    assert got.estimate == pytest.approx(count / exposure * per, rel=1e-12)
    assert got.lower == pytest.approx(lower * per, rel=1e-10, abs=1e-12)
    assert got.upper == pytest.approx(upper * per, rel=1e-10)


@pytest.mark.parametrize("count", [1, 2, 5, 78, 1234])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.998])
def test_poisson_rate_is_garwoods_chi_square_interval(count, level):
    a = 1 - level
    got = poisson_rate(count, 1.0, per=1.0, level=level)
    assert got.lower == pytest.approx(chi2.ppf(a / 2, 2 * count) / 2, rel=1e-10)
    assert got.upper == pytest.approx(chi2.ppf(1 - a / 2, 2 * count + 2) / 2, rel=1e-10)


def test_poisson_rate_78_events_in_30000_courses():
    got = poisson_rate(78, 30_000, per=1000)
    lower = chi2.ppf(0.025, 2 * 78) / 2 / 30_000 * 1000
    upper = chi2.ppf(0.975, 2 * 78 + 2) / 2 / 30_000 * 1000
    assert round(got.estimate, 4) == 2.6
    assert round(got.lower, 4) == round(lower, 4) == 2.0552
    assert round(got.upper, 4) == round(upper, 4) == 3.2449


def test_poisson_rate_zero_count_has_lower_zero_and_upper_from_chi2():
    got = poisson_rate(0, 30_000, per=1000)
    assert got.estimate == 0.0
    assert got.lower == 0.0
    # With no events the upper limit is -ln(0.025) = chi2(0.975, 2)/2 expected events.
    assert got.upper == pytest.approx(-math.log(0.025) / 30_000 * 1000, rel=1e-10)
    assert got.upper == pytest.approx(chi2.ppf(0.975, 2) / 2 / 30_000 * 1000, rel=1e-10)


@pytest.mark.parametrize("exposure", [0.0, -5.0, math.nan])
def test_poisson_rate_without_exposure_is_empty(exposure):
    assert poisson_rate(3, exposure) == Interval(None, None, None)


def test_poisson_rate_rejects_bad_input():
    with pytest.raises(ValueError):
        poisson_rate(-1, 100.0)
    with pytest.raises(ValueError):
        poisson_rate(1, 100.0, level=1.0)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(0, 10_000), exposure=st.floats(0.01, 1e7))
def test_poisson_rate_interval_contains_the_estimate(count, exposure):
    got = poisson_rate(count, exposure)
    assert 0.0 <= got.lower <= got.estimate <= got.upper


# --- proportion -------------------------------------------------------------------------------


@pytest.mark.parametrize("successes, trials", [(0, 1), (1, 1), (0, 20), (20, 20), (3, 20), (7, 9), (512, 1000)])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_proportion_matches_statsmodels_clopper_pearson(successes, trials, level):
    got = proportion(successes, trials, level=level)
    lower, upper = proportion_confint(successes, trials, alpha=1 - level, method="beta")
    assert got.estimate == successes / trials
    assert got.lower == pytest.approx(lower, abs=1e-12)
    assert got.upper == pytest.approx(upper, abs=1e-12)


def test_proportion_clopper_pearson_from_beta_quantiles():
    got = proportion(3, 20)
    assert got.lower == pytest.approx(beta.ppf(0.025, 3, 18), rel=1e-10)
    assert got.upper == pytest.approx(beta.ppf(0.975, 4, 17), rel=1e-10)


def test_proportion_edges_none_and_all():
    none = proportion(0, 20)
    assert (none.estimate, none.lower) == (0.0, 0.0)
    assert none.upper == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-10)  # solves (1-p)^20 = 0.025
    every = proportion(20, 20)
    assert (every.estimate, every.upper) == (1.0, 1.0)
    assert every.lower == pytest.approx(0.025 ** (1 / 20), rel=1e-10)  # solves p^20 = 0.025


def test_proportion_with_no_trials_is_empty():
    assert proportion(0, 0) == Interval(None, None, None)


@pytest.mark.parametrize("successes, trials", [(-1, 5), (6, 5), (0, -1)])
def test_proportion_rejects_impossible_counts(successes, trials):
    with pytest.raises(ValueError):
        proportion(successes, trials)


# --- poisson_funnel ---------------------------------------------------------------------------


def spiegelhalter_limit(mu: float, p: float) -> float:
    """The interpolated limit count worked out step by step from Poisson cdf values."""
    r = 0
    while poisson.cdf(r, mu) < p:  # smallest r with P(X <= r) >= p
        r += 1
    above, below = poisson.cdf(r, mu), poisson.cdf(r - 1, mu)
    return max(r - (above - p) / (above - below), 0.0)


def test_funnel_limit_equals_hand_computed_interpolation():
    # National rate 2.5 per 1,000 and 4,000 courses: 10 expected. P(X <= 16) = 0.97296 < 0.975 <=
    # P(X <= 17) = 0.98572, so r = 17 and alpha = (0.98572 - 0.975) / (0.98572 - 0.97296) = 0.840.
    funnel = poisson_funnel(2.5, [4000.0, 4000.0], per=1000.0, points=2)
    limit_count = funnel.upper_95[0] * 4000 / 1000
    assert limit_count == pytest.approx(spiegelhalter_limit(10.0, 0.975), rel=1e-10)
    assert limit_count == pytest.approx(16.160, abs=5e-4)
    for name, p in [("lower_95", 0.025), ("lower_998", 0.001), ("upper_998", 0.999)]:
        assert getattr(funnel, name)[0] * 4 == pytest.approx(spiegelhalter_limit(10.0, p), rel=1e-10)


def test_funnel_grid_is_log_spaced_between_min_and_max_exposure():
    funnel = poisson_funnel(2.6, [5_000.0, 120.0, 30_000.0, 800.0], points=50)
    assert len(funnel.exposure) == 50
    assert funnel.exposure[0] == 120.0 and funnel.exposure[-1] == 30_000.0
    ratios = np.diff(np.log(funnel.exposure))
    assert ratios == pytest.approx(np.full(49, ratios[0]), rel=1e-9)
    for limits in (funnel.lower_95, funnel.upper_95, funnel.lower_998, funnel.upper_998):
        assert len(limits) == 50


def test_funnel_limits_bracket_national_rate_and_998_lies_outside_95():
    funnel = poisson_funnel(2.6, [50.0, 200_000.0], points=300)
    lo998, lo95 = np.array(funnel.lower_998), np.array(funnel.lower_95)
    hi95, hi998 = np.array(funnel.upper_95), np.array(funnel.upper_998)
    assert np.all(lo998 >= 0.0)
    assert np.all(lo998 <= lo95) and np.all(lo95 <= 2.6)
    assert np.all(2.6 < hi95) and np.all(hi95 < hi998)
    # Away from the floor at 0 the outer limits are strictly outside the inner ones.
    positive = lo95 > 0
    assert positive.any() and np.all(lo998[positive] < lo95[positive])


def test_funnel_narrows_as_exposure_grows():
    # The exact limits wiggle slightly between neighbouring grid points (the count is discrete),
    # so compare exposures a decade apart.
    decades = [100.0, 1_000.0, 10_000.0, 100_000.0, 1_000_000.0]
    widths95, widths998 = [], []
    for n in decades:
        f = poisson_funnel(2.6, [n, n], points=2)
        widths95.append(f.upper_95[0] - f.lower_95[0])
        widths998.append(f.upper_998[0] - f.lower_998[0])
    assert all(a > b for a, b in zip(widths95, widths95[1:]))
    assert all(a > b for a, b in zip(widths998, widths998[1:]))
    # With 2,600 expected events the exact limits are close to the normal ones, 2.6 +- 1.96 sd.
    big = poisson_funnel(2.6, [1e6, 1e6], points=2)
    half = 1.959964 * math.sqrt(2600) / 1e6 * 1000
    assert big.lower_95[0] == pytest.approx(2.6 - half, abs=0.002)
    assert big.upper_95[0] == pytest.approx(2.6 + half, abs=0.002)


def test_funnel_lower_limit_is_floored_at_zero_for_small_units():
    funnel = poisson_funnel(2.6, [10.0, 500.0], points=20)
    # 10 courses expect 0.026 events: r = 0 and r - alpha < 0, floored to 0.
    assert funnel.lower_95[0] == 0.0 and funnel.lower_998[0] == 0.0
    assert min(funnel.lower_95 + funnel.lower_998) >= 0.0


def test_funnel_without_usable_exposure_is_empty():
    assert poisson_funnel(2.6, []) == FunnelLimits([], [], [], [], [])
    assert poisson_funnel(2.6, [0.0, -3.0]) == FunnelLimits([], [], [], [], [])


def test_funnel_national_rate_zero_gives_zero_limits():
    funnel = poisson_funnel(0.0, [10.0, 1000.0], points=5)
    assert funnel.upper_998 == [0.0] * 5 and funnel.lower_998 == [0.0] * 5


def test_funnel_rejects_bad_input():
    with pytest.raises(ValueError):
        poisson_funnel(-1.0, [10.0])
    with pytest.raises(ValueError):
        poisson_funnel(2.6, [10.0, 20.0], points=1)


# --- funnel_position --------------------------------------------------------------------------


@pytest.mark.parametrize("exposure", [500.0, 30_000.0, 1e6])
def test_unit_at_the_national_rate_is_within(exposure):
    count = round(2.6 * exposure / 1000)
    assert funnel_position(count, exposure, 2.6) == "within"


def test_positions_far_from_the_national_rate():
    # 30,000 courses expect 78 events.
    assert funnel_position(200, 30_000, 2.6) == "above_998"
    assert funnel_position(20, 30_000, 2.6) == "below_998"
    # Either side of each limit count for 78 expected: 95 % upper 95.29, 99.8 % upper 106.19,
    # 95 % lower 60.66, 99.8 % lower 51.65.
    assert [round(spiegelhalter_limit(78.0, p), 2) for p in (0.975, 0.999, 0.025, 0.001)] == [
        95.29, 106.19, 60.66, 51.65,
    ]
    positions = {c: funnel_position(c, 30_000, 2.6) for c in (51, 52, 60, 61, 95, 96, 106, 107)}
    assert positions == {
        51: "below_998", 52: "below_95", 60: "below_95", 61: "within",
        95: "within", 96: "above_95", 106: "above_95", 107: "above_998",
    }
    assert funnel_position(0, 100, 2.6) == "within"  # 0.26 expected: no events is unremarkable


@settings(max_examples=80, deadline=None)
@given(
    count=st.integers(0, 400),
    exposure=st.floats(10.0, 1e5),
    rate=st.floats(0.1, 20.0),
)
def test_position_agrees_with_the_drawn_funnel(count, exposure, rate):
    f = poisson_funnel(rate, [exposure, exposure], points=2)
    unit = count / exposure * 1000
    position = funnel_position(count, exposure, rate)
    expected = (
        "above_998" if unit > f.upper_998[0] else
        "above_95" if unit > f.upper_95[0] else
        "below_998" if unit < f.lower_998[0] else
        "below_95" if unit < f.lower_95[0] else
        "within"
    )
    # Rates and counts differ only by rounding; skip the measure-zero case of sitting on a line.
    on_a_line = any(
        math.isclose(unit, lim[0], rel_tol=1e-9)
        for lim in (f.upper_998, f.upper_95, f.lower_998, f.lower_95)
    )
    if not on_a_line:
        assert position == expected


def test_funnel_position_rejects_no_exposure():
    with pytest.raises(ValueError):
        funnel_position(3, 0.0, 2.6)


# --- kaplan_meier_summary ---------------------------------------------------------------------


def test_kaplan_meier_hand_worked_example():
    # At risk 5, one event at 2: S = 4/5. At 3: 4 at risk, one event (one censored): 4/5 * 3/4 =
    # 0.6. At 5: 2 at risk, one event: 0.6 * 1/2 = 0.3. The last case (8) is open.
    durations, observed = [2, 3, 3, 5, 8], [1, 1, 0, 1, 0]
    curve = kaplan_meier_curve(durations, observed)
    assert [t for t, _ in curve] == [0.0, 2.0, 3.0, 5.0, 8.0]
    assert [s for _, s in curve] == pytest.approx([1.0, 0.8, 0.6, 0.3, 0.3])
    got = kaplan_meier_summary(durations, observed)
    assert (got.n, got.closed, got.open) == (5, 3, 2)
    assert got.median == 5.0  # first time S <= 0.5
    assert got.q1 == 3.0  # first time S <= 0.75
    assert got.q3 is None and got.p90 is None  # S stops at 0.3
    assert got.naive_median == 3.0  # median of the closed [2, 3, 5]


def test_open_cases_make_the_km_median_longer_than_the_naive_one():
    # Ten quick cases, ten still open at 50 days, ten slow ones closed at 60-69 days. Dropping the
    # open cases puts the median between the groups (35); counting them as still running puts it
    # among the slow ones: S = 2/3 after the quick ten, and 2/3 * 7/10 <= 0.5 at the third slow one.
    durations = [*range(1, 11), *[50] * 10, *range(60, 70)]
    observed = [True] * 10 + [False] * 10 + [True] * 10
    got = kaplan_meier_summary(durations, observed)
    assert got.naive_median == 35.0
    assert got.median == 62.0
    assert got.median > got.naive_median


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=1, max_size=60),
)
def test_kaplan_meier_summary_matches_lifelines(data):
    durations = [d for d, _ in data]
    observed = [o for _, o in data]
    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    survival = fitter.survival_function_.iloc[:, 0]

    def first_time_at_or_below(s):
        hits = survival.index[survival.to_numpy() <= s]
        return float(hits[0]) if len(hits) else None

    got = kaplan_meier_summary(durations, observed)
    assert got.median == first_time_at_or_below(0.5)
    assert got.q1 == first_time_at_or_below(0.75)
    assert got.q3 == first_time_at_or_below(0.25)
    assert got.p90 == first_time_at_or_below(0.1)
    median = fitter.median_survival_time_
    assert got.median == (float(median) if math.isfinite(median) else None)
    closed = [d for d, o in data if o]
    assert got.naive_median == (float(np.median(closed)) if closed else None)
    assert (got.n, got.closed, got.open) == (len(data), len(closed), len(data) - len(closed))


def test_kaplan_meier_summary_without_events_or_input():
    assert kaplan_meier_summary([], []) == DurationSummary(0, 0, 0, None, None, None, None, None)
    all_open = kaplan_meier_summary([4, 9], [False, False])
    assert (all_open.n, all_open.closed, all_open.open) == (2, 0, 2)
    assert all_open.median is None and all_open.naive_median is None


def test_kaplan_meier_rejects_bad_input():
    with pytest.raises(ValueError):
        kaplan_meier_summary([1, 2], [True])
    with pytest.raises(ValueError):
        kaplan_meier_summary([-1, 2], [True, True])
    with pytest.raises(ValueError):
        kaplan_meier_curve([math.nan], [True])


# --- kaplan_meier_curve -----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(data=st.lists(st.tuples(st.floats(0, 1000), st.booleans()), min_size=1, max_size=60))
def test_kaplan_meier_curve_starts_at_one_and_never_rises(data):
    curve = kaplan_meier_curve([d for d, _ in data], [o for _, o in data])
    assert curve[0] == (0.0, 1.0)
    times = [t for t, _ in curve]
    shares = [s for _, s in curve]
    assert times == sorted(times)
    assert all(a >= b for a, b in zip(shares, shares[1:]))
    assert all(0.0 <= s <= 1.0 for s in shares)


def test_kaplan_meier_curve_with_events_at_time_zero_drops_from_one():
    curve = kaplan_meier_curve([0, 0, 3], [True, False, True])
    assert [t for t, _ in curve] == [0.0, 0.0, 3.0]
    assert [s for _, s in curve] == pytest.approx([1.0, 2 / 3, 0.0])


def test_kaplan_meier_curve_of_nothing_is_the_starting_point():
    assert kaplan_meier_curve([], []) == [(0.0, 1.0)]


# --- kaplan_meier (numpy) against lifelines ----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=80))
def test_kaplan_meier_matches_lifelines_curve_band_and_risk_set(data):
    durations, observed = [d for d, _ in data], [o for _, o in data]
    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    got = kaplan_meier(durations, observed)
    assert got.times.tolist() == fitter.survival_function_.index.tolist()
    # The same arithmetic as lifelines, so the same floats (a median on exactly 0.5 agrees too).
    assert got.survival.tolist() == fitter.survival_function_.iloc[:, 0].tolist()
    band = fitter.confidence_interval_survival_function_
    assert got.lower == pytest.approx(band.iloc[:, 0].to_numpy(), rel=1e-12, abs=1e-15)
    assert got.upper == pytest.approx(band.iloc[:, 1].to_numpy(), rel=1e-12, abs=1e-15)
    assert got.at_risk.tolist() == fitter.event_table["at_risk"].tolist()
    assert got.events.tolist() == fitter.event_table["observed"].tolist()
    assert (got.n, got.closed) == (len(data), sum(observed))


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=80))
def test_quantiles_equal_lifelines_and_kaplan_meier_summary(data):
    durations, observed = [d for d, _ in data], [o for _, o in data]
    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    got = kaplan_meier(durations, observed)
    summary = kaplan_meier_summary(durations, observed)
    for q, expected in ((0.5, summary.median), (0.25, summary.q1), (0.75, summary.q3), (0.9, summary.p90)):
        assert survival_quantile(got, q).estimate == expected
    bounds = median_survival_times(fitter.confidence_interval_)
    median = survival_quantile(got, 0.5)

    def finite(x):
        return float(x) if math.isfinite(x) else None

    assert (median.lower, median.upper) == (finite(bounds.iloc[0, 0]), finite(bounds.iloc[0, 1]))


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 120), st.booleans()), min_size=1, max_size=80),
    t=st.integers(0, 130),
)
def test_survival_at_equals_lifelines_step_value_within_follow_up(data, t):
    durations, observed = [d for d, _ in data], [o for _, o in data]
    fitter = KaplanMeierFitter().fit(durations, event_observed=observed)
    got = survival_at(kaplan_meier(durations, observed), t)
    if t > max(durations) and fitter.survival_function_.iloc[-1, 0] > 0:
        assert got.estimate is None  # nobody followed that long: S(t) is unknown, not the last value
        return
    assert got.estimate == pytest.approx(float(fitter.survival_function_at_times(t).iloc[0]), abs=1e-15)
    band = fitter.confidence_interval_survival_function_
    row = band[band.index <= t].iloc[-1]
    assert (got.lower, got.upper) == pytest.approx((row.iloc[0], row.iloc[1]), abs=1e-12)


def test_kaplan_meier_hand_worked_with_greenwood():
    # Durations 2, 3, 3(open), 5, 8(open): S(2) = 4/5, S(3) = 4/5 * 3/4 = 0.6, S(5) = 0.6 * 1/2 = 0.3.
    # Greenwood's sum: 1/(5*4) + 1/(4*3) + 1/(2*1) = 0.05 + 0.08333 + 0.5.
    s = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    assert s.survival.tolist() == pytest.approx([1.0, 0.8, 0.6, 0.3, 0.3])
    assert s.at_risk.tolist() == [5, 5, 4, 2, 1]
    assert survival_variance(s, 4) == pytest.approx(0.6**2 * (1 / 20 + 1 / 12))
    assert survival_variance(s, 6) == pytest.approx(0.3**2 * (1 / 20 + 1 / 12 + 1 / 2))
    # The log(-log) band of lifelines, worked out: v = log S, se = sqrt(greenwood) / |v|.
    v, g, z = math.log(0.6), 1 / 20 + 1 / 12, norm.ppf(0.975)
    assert survival_at(s, 4).lower == pytest.approx(math.exp(-math.exp(math.log(-v) - z * math.sqrt(g) / v)))
    assert survival_at(s, 4).upper == pytest.approx(math.exp(-math.exp(math.log(-v) + z * math.sqrt(g) / v)))
    assert survival_quantile(s, 0.5).estimate == 5.0
    assert survival_at(s, 9).estimate is None  # beyond the longest follow-up (8, open)


def test_kaplan_meier_of_nothing_and_when_everyone_ends():
    empty = kaplan_meier([], [])
    assert empty.n == 0 and survival_at(empty, 0).estimate is None
    assert survival_quantile(empty, 0.5).estimate is None
    done = kaplan_meier([1, 2], [True, True])
    assert survival_at(done, 50).estimate == 0.0  # everyone has had the event: S is 0 for ever after
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError):
        kaplan_meier([-1], [True])
    with pytest.raises(ValueError):
        survival_quantile(done, 1.0)


def test_survival_difference_is_greenwood_normal_interval():
    before = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    after = kaplan_meier([1, 1, 2, 4, 6, 7], [1, 1, 1, 0, 1, 0])
    # After: S(1) = 4/6, S(2) = 4/6 * 3/4 = 0.5, (4 open), S(6) = 0.5 * 1/2 = 0.25. At t = 4:
    # S_after = 0.5 with Greenwood 2/(6*4) + 1/(4*3); S_before = 0.6 with 1/20 + 1/12.
    diff = survival_difference(before, after, 4)
    var = 0.5**2 * (2 / 24 + 1 / 12) + 0.6**2 * (1 / 20 + 1 / 12)
    assert diff.estimate == pytest.approx(-0.1)
    assert diff.lower == pytest.approx(-0.1 - norm.ppf(0.975) * math.sqrt(var))
    assert diff.upper == pytest.approx(-0.1 + norm.ppf(0.975) * math.sqrt(var))
    assert survival_difference(before, after, 20).estimate is None  # not followed that long


# --- binomial_funnel and binomial_position ---------------------------------------------------------


def spiegelhalter_binomial_limit(n: int, share: float, p: float) -> float:
    """The interpolated limit count, step by step from binomial cdf values (Spiegelhalter 2005,
    appendix A.1.1): r is the smallest count with P(X <= r) >= p."""
    r = 0
    while binom.cdf(r, n, share) < p:
        r += 1
    above, below = binom.cdf(r, n, share), binom.cdf(r - 1, n, share)
    return min(max(r - (above - p) / (above - below), 0.0), n)


def test_binomial_limit_hand_worked():
    # National share 0.3, 50 cases. P(X <= 21) = 0.97491 < 0.975 <= P(X <= 22) = 0.98772, so r = 22
    # and alpha = (0.98772 - 0.975) / (0.98772 - 0.97491) = 0.9932: the limit is 21.0068 of 50.
    f = binomial_funnel(0.3, [50, 50], points=2)
    assert f.exposure == [50.0]
    assert f.upper_95[0] * 50 == pytest.approx(21.00679, abs=1e-4)
    assert f.lower_95[0] * 50 == pytest.approx(8.30697, abs=1e-4)  # r = 9, P(X <= 8) = 0.01825
    for name, p in (("upper_95", 0.975), ("lower_95", 0.025), ("upper_998", 0.999), ("lower_998", 0.001)):
        assert getattr(f, name)[0] * 50 == pytest.approx(spiegelhalter_binomial_limit(50, 0.3, p), rel=1e-12)


@pytest.mark.parametrize("share", [0.05, 0.3, 0.62, 0.97])
def test_binomial_limits_equal_step_by_step_scipy_over_the_grid(share):
    f = binomial_funnel(share, [7, 40, 900], points=25)
    assert f.exposure[0] == 7.0 and f.exposure[-1] == 900.0
    assert all(float(n).is_integer() for n in f.exposure) and f.exposure == sorted(set(f.exposure))
    for i, n in enumerate(int(x) for x in f.exposure):
        for name, p in (("upper_95", 0.975), ("lower_95", 0.025), ("upper_998", 0.999), ("lower_998", 0.001)):
            assert getattr(f, name)[i] == pytest.approx(spiegelhalter_binomial_limit(n, share, p) / n, rel=1e-10, abs=1e-12)


def phe_limit(p: float, n: int, share: float, side: str) -> float:
    """The Fingertips funnel limit for a proportion (PHEindicatormethods' sigma_adjustment, a
    Wilson-score limit), to check the exact limits against a published method."""
    z = norm.ppf(p)
    first = share * (n / z**2 + 1)
    adj = math.sqrt((-8 * share * (n / z**2 + 1)) ** 2 - 64 * (1 / z**2 + 1 / n) * share
                    * (n * (share * (n / z**2 + 2) - 1) + z**2 * (share - 1)))
    last = 1 / z**2 + 1 / n
    return ((first - adj / 8) if side == "low" else (first + adj / 8)) / last / n


@pytest.mark.parametrize("n", [1000, 5000])
def test_exact_binomial_limits_agree_with_the_fingertips_method_for_large_units(n):
    f = binomial_funnel(0.3, [n, n], points=2)
    assert f.upper_95[0] == pytest.approx(phe_limit(0.975, n, 0.3, "high"), abs=1e-3)
    assert f.lower_95[0] == pytest.approx(phe_limit(0.975, n, 0.3, "low"), abs=1e-3)
    assert f.upper_998[0] == pytest.approx(phe_limit(0.999, n, 0.3, "high"), abs=1e-3)
    assert f.lower_998[0] == pytest.approx(phe_limit(0.999, n, 0.3, "low"), abs=1e-3)
    # And both with the normal approximation, share +- z sqrt(share (1 - share) / n).
    half = norm.ppf(0.975) * math.sqrt(0.3 * 0.7 / n)
    assert f.upper_95[0] == pytest.approx(0.3 + half, abs=2 / n)


def test_binomial_funnel_edges():
    assert binomial_funnel(0.4, []) == FunnelLimits([], [], [], [], [])
    assert binomial_funnel(0.4, [0, 0]) == FunnelLimits([], [], [], [], [])
    zero = binomial_funnel(0.0, [10, 100], points=5)
    assert max(zero.upper_998) == 0.0 and max(zero.lower_998) == 0.0
    f = binomial_funnel(0.5, [3, 3000], points=50)
    for lo998, lo95, hi95, hi998 in zip(f.lower_998, f.lower_95, f.upper_95, f.upper_998):
        assert 0.0 <= lo998 <= lo95 <= 0.5 <= hi95 <= hi998 <= 1.0
    with pytest.raises(ValueError):
        binomial_funnel(1.2, [10])
    with pytest.raises(ValueError):
        binomial_funnel(0.5, [10], points=1)


def test_binomial_positions_either_side_of_each_limit():
    # 50 cases at 0.3: limits 5.16 (99.8 % low), 8.31 (95 % low), 21.01 (95 % high), 24.95 (99.8 % high).
    positions = {w: binomial_position(w, 50, 0.3) for w in (5, 6, 8, 9, 21, 22, 24, 25)}
    assert positions == {
        5: "below_998", 6: "below_95", 8: "below_95", 9: "within",
        21: "within", 22: "above_95", 24: "above_95", 25: "above_998",
    }
    with pytest.raises(ValueError):
        binomial_position(3, 0, 0.3)
    with pytest.raises(ValueError):
        binomial_position(8, 5, 0.3)
