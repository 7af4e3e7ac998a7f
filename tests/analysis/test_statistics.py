"""Exact intervals, funnel limits and Kaplan–Meier summaries against statsmodels, scipy,
lifelines and hand-worked numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from scipy.stats import beta, chi2, poisson
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from analysis.statistics import (
    DurationSummary,
    FunnelLimits,
    Interval,
    funnel_position,
    kaplan_meier_curve,
    kaplan_meier_summary,
    poisson_funnel,
    poisson_rate,
    proportion,
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
