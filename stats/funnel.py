"""Funnel-plot control limits: exact Poisson (rates) and binomial (shares) limits around a
national figure, interpolated as in Spiegelhalter (2005) and the NHS/PHE Fingertips technical
guidance, and where a unit lies against them. Plain functions; no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, poisson

# Two-sided funnel limits: 95 % and 99.8 % control limits, i.e. these cumulative probabilities.
_P_95 = (0.025, 0.975)
_P_998 = (0.001, 0.999)


@dataclass(frozen=True)
class FunnelLimits:
    """Funnel-plot control limits (rates per `per`) over an exposure grid."""

    exposure: list[float]  # x grid
    lower_95: list[float]
    upper_95: list[float]
    lower_998: list[float]
    upper_998: list[float]


def _limit_counts(expected: np.ndarray, p: float) -> np.ndarray:
    """Exact Poisson p-quantile of the count with Spiegelhalter's interpolation, floored at 0."""
    # The Poisson quantile is an integer, so raw limits jump in steps as exposure grows; the
    # interpolation slides between r-1 and r by how far the cumulative probability at r
    # overshoots p, which gives the smooth funnel of Spiegelhalter (2005) and Fingertips.
    r = poisson.ppf(p, expected)
    cdf_r = poisson.cdf(r, expected)
    cdf_below = poisson.cdf(r - 1, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (cdf_r - p) / (cdf_r - cdf_below)
    # cdf_r - cdf_below is P(X = r) > 0 whenever expected > 0; with expected 0 every limit is 0.
    alpha = np.where(np.isfinite(alpha), alpha, 0.0)
    return np.maximum(r - alpha, 0.0)


def _limit_rates(national_rate: float, exposure: np.ndarray, p: float, per: float) -> np.ndarray:
    """Control limit at cumulative probability p, as a rate per `per`, for each exposure."""
    expected = national_rate * exposure / per
    return _limit_counts(expected, p) / exposure * per


def _check_rate(national_rate: float, per: float) -> None:
    """Raise ValueError for a negative or non-finite national rate or a non-positive `per`."""
    if not (math.isfinite(national_rate) and national_rate >= 0):
        raise ValueError(f"national_rate must be finite and >= 0, got {national_rate}")
    if not per > 0:
        raise ValueError(f"per must be > 0, got {per}")


def poisson_funnel(
    national_rate: float, exposures: Sequence[float], per: float = 1000.0, points: int = 200
) -> FunnelLimits:
    """Exact Poisson 95 % and 99.8 % control limits around a national rate, over a log-spaced grid."""
    _check_rate(national_rate, per)
    if points < 2:
        raise ValueError(f"points must be >= 2, got {points}")
    # Units without exposure have no rate and no place on the funnel, so they do not set its span;
    # with none left (e.g. a filter that empties the page) the funnel is empty rather than an error.
    usable = [float(e) for e in exposures if math.isfinite(e) and e > 0]
    if not usable:
        return FunnelLimits([], [], [], [], [])
    low, high = min(usable), max(usable)
    grid = np.geomspace(low, high, points)
    # geomspace goes through exp/log; pin the ends so the units at the extremes sit on the grid.
    grid[0], grid[-1] = low, high

    def limits(p: float) -> list[float]:
        return _limit_rates(national_rate, grid, p, per).tolist()

    return FunnelLimits(
        exposure=grid.tolist(),
        lower_95=limits(_P_95[0]),
        upper_95=limits(_P_95[1]),
        lower_998=limits(_P_998[0]),
        upper_998=limits(_P_998[1]),
    )


def funnel_position(count: int, exposure: float, national_rate: float, per: float = 1000.0) -> str:
    """Where a unit's rate lies against the exact funnel limits at its own exposure."""
    _check_rate(national_rate, per)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if not (math.isfinite(exposure) and exposure > 0):
        raise ValueError(f"exposure must be finite and > 0 to place a unit, got {exposure}")
    # Compare counts with limit counts: the same test as rate against limit rate (both divide by
    # the exposure), without the rounding of two extra float operations on each side.
    expected = np.array([national_rate * exposure / per])

    return _position(count, lambda p: float(_limit_counts(expected, p)[0]))


def _position(count: float, limit) -> str:
    """Where a count lies against the limits `limit(p)` gives at each cumulative probability.

    Outside means strictly beyond a limit, so a count of 0 on a lower limit floored at 0 is
    within, and the outer (99.8 %) limits are tested first.
    """
    if count > limit(_P_998[1]):
        return "above_998"
    if count > limit(_P_95[1]):
        return "above_95"
    if count < limit(_P_998[0]):
        return "below_998"
    if count < limit(_P_95[0]):
        return "below_95"
    return "within"


def _binomial_limit_counts(trials: np.ndarray, share: float, p: float) -> np.ndarray:
    """Exact binomial p-quantile of the count with Spiegelhalter's interpolation, within 0..n."""
    # Spiegelhalter (2005), appendix A.1.1: r is the smallest count with P(X <= r) >= p, and the
    # limit slides from r towards r - 1 by how far P(X <= r) overshoots p.
    r = binom.ppf(p, trials, share)
    cdf_r = binom.cdf(r, trials, share)
    cdf_below = binom.cdf(r - 1, trials, share)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (cdf_r - p) / (cdf_r - cdf_below)
    alpha = np.where(np.isfinite(alpha), alpha, 0.0)
    return np.clip(r - alpha, 0.0, trials)


def _check_share(share: float) -> None:
    if not (math.isfinite(share) and 0.0 <= share <= 1.0):
        raise ValueError(f"share must be between 0 and 1, got {share}")


def binomial_funnel(share: float, trials: Sequence[int], points: int = 200) -> FunnelLimits:
    """Exact binomial 95 % and 99.8 % limits (as shares) around a national share, over a
    log-spaced grid of whole numbers of cases between the smallest and largest unit."""
    _check_share(share)
    if points < 2:
        raise ValueError(f"points must be >= 2, got {points}")
    usable = [int(n) for n in trials if n > 0]
    if not usable:
        return FunnelLimits([], [], [], [], [])
    low, high = min(usable), max(usable)
    # The binomial needs whole trials, so the grid is rounded and duplicates dropped.
    grid = np.unique(np.round(np.geomspace(low, high, points)).astype(np.int64))

    def limits(p: float) -> list[float]:
        return (_binomial_limit_counts(grid, share, p) / grid).tolist()

    return FunnelLimits(
        exposure=grid.astype(float).tolist(),
        lower_95=limits(_P_95[0]),
        upper_95=limits(_P_95[1]),
        lower_998=limits(_P_998[0]),
        upper_998=limits(_P_998[1]),
    )


def binomial_position(successes: int, trials: int, share: float) -> str:
    """Where a unit's share lies against the exact binomial funnel limits at its own size."""
    _check_share(share)
    if trials <= 0:
        raise ValueError(f"trials must be > 0 to place a unit, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    n = np.array([trials])
    return _position(successes, lambda p: float(_binomial_limit_counts(n, share, p)[0]))
