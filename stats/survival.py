"""Durations with open cases counted as censored: Kaplan–Meier quantiles and curves (lifelines,
and the same estimate with Greenwood's variance in numpy, fast enough for many groups).
Plain functions; no I/O."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from stats.intervals import Interval, _EMPTY, _check_level


@dataclass(frozen=True)
class DurationSummary:
    """Kaplan–Meier quantiles of a duration with open cases censored, and the naive median."""

    n: int  # all units (closed + open)
    closed: int  # units with the end event
    open: int  # still without it (censored at the data's end)
    median: float | None  # Kaplan–Meier median (None when not reached)
    q1: float | None  # 25th percentile of the duration (KM: time when 25 % have had the event)
    q3: float | None  # 75th percentile
    p90: float | None
    naive_median: float | None  # median of closed units only (what dropping open ones would say)


def _fit(durations: Sequence[float], observed: Sequence[bool]):
    """A Kaplan–Meier fit of the durations (lifelines), or None for empty input; ValueError for
    bad input."""
    # lifelines takes seconds to import: only the callers that need its fitter pay for it.
    from lifelines import KaplanMeierFitter

    if len(durations) != len(observed):
        raise ValueError(f"durations ({len(durations)}) and observed ({len(observed)}) differ in length")
    if len(durations) == 0:
        return None
    times = np.asarray(durations, dtype=float)
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("durations must be finite and >= 0")
    return KaplanMeierFitter().fit(times, event_observed=np.asarray(observed, dtype=bool))


def _quantile(fitter, q: float) -> float | None:
    """Time by which a share q of units have had the event; None when the curve never gets there."""
    # lifelines' percentile(p) is the first time survival <= p, and survival is 1 - the share that
    # has had the event. It warns that it reads survival_function_ rather than a finer timeline,
    # but the KM estimate is a step function that only changes at observed times, so it is exact.
    from lifelines.exceptions import ApproximationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ApproximationWarning)
        time = float(fitter.percentile(1.0 - q))
    return time if math.isfinite(time) else None


def kaplan_meier_summary(durations: Sequence[float], observed: Sequence[bool]) -> DurationSummary:
    """Quantiles of a duration with open cases censored, and the naive closed-only median beside it."""
    fitter = _fit(durations, observed)
    if fitter is None:
        return DurationSummary(0, 0, 0, None, None, None, None, None)
    events = np.asarray(observed, dtype=bool)
    closed_times = np.asarray(durations, dtype=float)[events]
    closed = int(events.sum())
    return DurationSummary(
        n=len(events),
        closed=closed,
        open=len(events) - closed,
        median=_quantile(fitter, 0.5),
        q1=_quantile(fitter, 0.25),
        q3=_quantile(fitter, 0.75),
        p90=_quantile(fitter, 0.9),
        naive_median=float(np.median(closed_times)) if closed else None,
    )


def kaplan_meier_curve(durations: Sequence[float], observed: Sequence[bool]) -> list[tuple[float, float]]:
    """(time, share still without the event) steps of the KM curve, starting at (0, 1.0)."""
    fitter = _fit(durations, observed)
    if fitter is None:
        return [(0.0, 1.0)]
    survival = fitter.survival_function_.iloc[:, 0]
    # lifelines starts its timeline at 0 but, when events happen at time 0, already below 1 there;
    # an explicit (0, 1.0) first lets a step chart draw that drop instead of starting under 1.
    steps = [(float(t), float(s)) for t, s in survival.items()]
    if steps[0] == (0.0, 1.0):
        return steps
    return [(0.0, 1.0), *steps]


# --- Kaplan–Meier with its uncertainty, for many groups at once ----------------------------------


@dataclass(frozen=True, eq=False)
class Survival:
    """A Kaplan–Meier estimate at each distinct time, with Greenwood's sum and lifelines' band.

    `survival[i]` is the share still without the event just after `times[i]`; `at_risk[i]` the
    units whose duration is at least `times[i]`. The band is lifelines' default (exponential
    Greenwood, i.e. the log(-log) transform), so it equals `confidence_interval_survival_function_`.
    """

    times: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    greenwood: np.ndarray  # running sum of d / (n (n - d)): Var S(t) = S(t)^2 * greenwood(t)
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n(self) -> int:
        """Units in the estimate."""
        return int(self.at_risk[0]) if len(self.at_risk) else 0

    @property
    def closed(self) -> int:
        """Units with the event."""
        return int(self.events.sum())


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool], level: float = 0.95) -> Survival:
    """The Kaplan–Meier estimate with lifelines' confidence band, computed in numpy.

    Gives the same numbers as lifelines' KaplanMeierFitter (tests compare them) at a fraction of
    the cost, which matters when a page needs an estimate for every quarter and region.
    """
    _check_level(level)
    if len(durations) != len(observed):
        raise ValueError(f"durations ({len(durations)}) and observed ({len(observed)}) differ in length")
    times_all = np.asarray(durations, dtype=float)
    events_all = np.asarray(observed, dtype=bool)
    if not np.all(np.isfinite(times_all)) or np.any(times_all < 0):
        raise ValueError("durations must be finite and >= 0")
    if len(times_all) == 0:
        nothing, zero = np.array([0.0]), np.array([0], dtype=np.int64)
        return Survival(nothing, zero, zero, np.array([1.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    times, inverse = np.unique(times_all, return_inverse=True)
    removed = np.bincount(inverse, minlength=len(times))
    events = np.bincount(inverse, weights=events_all, minlength=len(times)).astype(np.int64)
    # lifelines' timeline starts at 0 even when nobody has a duration of 0.
    if times[0] > 0:
        times = np.concatenate([[0.0], times])
        removed = np.concatenate([[0], removed])
        events = np.concatenate([[0], events])
    at_risk = len(times_all) - np.concatenate([[0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        # exp of a running sum of logs, exactly as lifelines: a curve that lands on 0.5 then reads
        # the same (0.5 or a hair above it) and both give the same median.
        survival = np.exp(np.cumsum(np.log(at_risk - events) - np.log(at_risk)))
        # A step where everyone at risk has the event adds nothing (lifelines sets inf to 0).
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        greenwood = np.cumsum(terms)
        z = norm.ppf(1.0 - (1.0 - level) / 2.0)
        v = np.log(survival)
        lower = np.exp(-np.exp(np.log(-v) - z * np.sqrt(greenwood) / v))
        upper = np.exp(-np.exp(np.log(-v) + z * np.sqrt(greenwood) / v))
    # Where S = 1 the transform is 0/0; lifelines fills the band with 1 there.
    lower, upper = np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0)
    return Survival(times, at_risk.astype(np.int64), events, survival, greenwood, lower, upper)


def _identified(s: Survival, t: float) -> bool:
    """Whether S(t) is known: someone was followed up to t, or everyone has had the event."""
    return s.n > 0 and (t <= s.times[-1] or s.survival[-1] == 0.0)


def survival_at(s: Survival, t: float) -> Interval:
    """S(t), the share still without the event after t, with its band; empty beyond follow-up."""
    if not _identified(s, t) or t < 0:
        return _EMPTY
    i = int(np.searchsorted(s.times, t, side="right")) - 1
    return Interval(float(s.survival[i]), float(s.lower[i]), float(s.upper[i]))


def survival_variance(s: Survival, t: float) -> float | None:
    """Greenwood's variance of S(t); None where S(t) is not identified."""
    if not _identified(s, t) or t < 0:
        return None
    i = int(np.searchsorted(s.times, t, side="right")) - 1
    return float(s.survival[i] ** 2 * s.greenwood[i])


def _first_at_or_below(times: np.ndarray, curve: np.ndarray, p: float) -> float | None:
    """The first time the curve is at or below p (lifelines' qth_survival_time), or None."""
    if len(curve) == 0 or curve[-1] > p:
        return None
    return float(times[int(np.searchsorted(-curve, -p, side="left"))])


def survival_quantile(s: Survival, q: float) -> Interval:
    """Time by which a share q has had the event, with the interval read off the band.

    As lifelines' median_survival_times(confidence_interval_): the lower limit is where the lower
    band reaches 1 - q, the upper where the upper band does; None where it never does.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q}")
    if s.n == 0:
        return _EMPTY
    p = 1.0 - q
    return Interval(
        _first_at_or_below(s.times, s.survival, p),
        _first_at_or_below(s.times, s.lower, p),
        _first_at_or_below(s.times, s.upper, p),
    )


def survival_difference(before: Survival, after: Survival, t: float, level: float = 0.95) -> Interval:
    """S_after(t) - S_before(t) with a normal-approximation interval from Greenwood's variances."""
    _check_level(level)
    a, b = survival_at(before, t), survival_at(after, t)
    va, vb = survival_variance(before, t), survival_variance(after, t)
    if a.estimate is None or b.estimate is None or va is None or vb is None:
        return _EMPTY
    diff = b.estimate - a.estimate
    half = norm.ppf(1.0 - (1.0 - level) / 2.0) * math.sqrt(va + vb)
    return Interval(diff, diff - half, diff + half)
