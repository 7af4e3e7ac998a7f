"""Funnel limits against scipy, the Fingertips method and hand-worked numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, norm, poisson

from stats.funnel import FunnelLimits, binomial_funnel, binomial_position, funnel_position, poisson_funnel

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
