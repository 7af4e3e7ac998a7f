"""Kaplan–Meier estimates against lifelines and hand-worked numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy.stats import norm

from stats.survival import (
    DurationSummary,
    kaplan_meier,
    kaplan_meier_curve,
    kaplan_meier_summary,
    survival_at,
    survival_difference,
    survival_quantile,
    survival_variance,
)

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
