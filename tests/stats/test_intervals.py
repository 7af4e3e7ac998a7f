"""Exact rate and share intervals against statsmodels, scipy and hand-worked numbers."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, chi2
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

from stats.intervals import Interval, poisson_rate, proportion

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
