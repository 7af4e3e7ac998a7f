"""Rates and shares with exact confidence intervals (Garwood for counts over exposure,
Clopper–Pearson for shares), from statsmodels. Plain functions; no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval; all None when it cannot be estimated."""

    estimate: float | None
    lower: float | None
    upper: float | None


_EMPTY = Interval(None, None, None)


def _check_level(level: float) -> None:
    """Raise ValueError unless 0 < level < 1."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")


def poisson_rate(count: int, exposure: float, per: float = 1000.0, level: float = 0.95) -> Interval:
    """Rate per `per` units of exposure with the exact (Garwood, chi-square) Poisson interval."""
    _check_level(level)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    # No exposure means no rate at all; the page shows a dash rather than a division error.
    if not exposure > 0 or not math.isfinite(exposure):
        return _EMPTY
    # 'exact-c' is Garwood's central interval: chi2(a/2, 2k)/2 and chi2(1-a/2, 2k+2)/2, with the
    # lower limit 0 when the count is 0.
    lower, upper = confint_poisson(count, exposure, method="exact-c", alpha=1.0 - level)
    return Interval(count / exposure * per, float(lower) * per, float(upper) * per)


def proportion(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Share with the exact Clopper–Pearson interval."""
    _check_level(level)
    if not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return _EMPTY
    lower, upper = proportion_confint(successes, trials, alpha=1.0 - level, method="beta")
    return Interval(successes / trials, float(lower), float(upper))

