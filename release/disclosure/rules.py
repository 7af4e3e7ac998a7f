"""Rules for the statistics of the release, beside the engine that protects the counts
(docs/disclosure.md, section 3). Each rule says when a statistic may be shown, given which of the
counts it is made of are shown, so that no statistic gives back a hidden count.

- A rate or a share is shown only where its numerator and its denominator (for a share: the
  numerator and its complement) are shown cells.
- A median or other quantile of a duration is shown only with at least k persons on each side
  of it: at least k who had the event by then, and at least k still waiting after it.
- A survival curve has a point only where the count behind it is a shown cell of the release
  (the engine then pools the steps so that each covers at least k events or none), and it ends
  where fewer than k are still waiting.
- A funnel's limits are drawn over a grid whose ends are round numbers around the shown units,
  so the grid reveals no hidden unit's exposure.
- A count of units with at least one person (municipalities with requests) is shown only beside
  a shown count of persons (it is a lower bound of that count), not where, beside the list of
  units, it would tell which hidden units are zero and which are not, and never as the only
  hidden count of an area that adds up (regions to the country), which would let it be
  recomputed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from release.areas import COUNTRY, Areas
from release.disclosure.suppression import hierarchy_layout, suppress
from stats.survival import kaplan_meier, survival_quantile

STAGE_STATES = frozenset({"case_decision", "meeting", "started", "coordinator", "internship"})
QUANTILES = {"median": 0.5, "q1": 0.25, "q3": 0.75, "p90": 0.9}
SHOWN, HIDDEN, MISSING = "shown", "hidden", "missing"


def importance(period_kinds: frozenset[str], area_level: str, grp: str) -> int:
    """What a reader loses when the cell is hidden, as the engine's cost (higher: hidden last).

    The figures a briefing leads with (the whole country and the regions over a year, the pilot
    window or a day) cost most; quarters next; breakdowns by one group, and municipalities, less;
    finer cross-breakdowns least.
    """
    # The states of a case in processing (decided, met, started) make up the stage table: they
    # weigh one less than the count they break down, so the cases referred are hidden last.
    every = [part.split("=", 1)[0] for part in grp.split("|")] if grp else []
    if any(d in STAGE_STATES for d in every):
        rest = "|".join(part for part in grp.split("|") if part.split("=", 1)[0] not in STAGE_STATES)
        return max(0, importance(period_kinds, area_level, rest) - 1)
    dims = every
    if len(dims) > 1 or any(d not in ("sex", "age", "decision") for d in dims):
        return 0
    if dims or area_level == "municipality":
        return 1
    if period_kinds & {"pilot_window", "pilot_part", "year", "whole", "day"}:
        return 3
    return 2


def may_carry(values: pl.Series, k: int, ratio: float = 1.0) -> bool:
    """Whether the data may carry a table: not when more of its counts are small (1 to k-1) than
    `ratio` times those that reach k (by default: not when most of what it shows beyond zeros
    would be hidden)."""
    big = int((values >= k).sum())
    return 0 < big and int(values.is_between(1, k - 1).sum()) <= ratio * big


def share_shown(part: int | None, complement: int | None) -> bool:
    """Whether a share part / (part + complement) may be shown (both counts shown, not both 0)."""
    return part is not None and complement is not None and part + complement > 0


def duration_statistics(days: Sequence[float], ended: Sequence[bool], k: int, hidden: bool = False
                        ) -> dict[str, tuple[float | None, str]]:
    """Kaplan–Meier quantiles of a duration (open cases censored) and the closed-only median, each
    with its status: shown with at least k persons on each side, else hidden; missing where the
    curve never gets there or nothing has ended."""
    names = [*QUANTILES, "naive_median"]
    if hidden:
        return {name: (None, HIDDEN) for name in names}
    times = np.asarray(days, dtype=float)
    events = np.asarray(ended, dtype=bool)
    if len(times) == 0:
        return {name: (None, MISSING) for name in names}
    survival = kaplan_meier(times, events)
    out: dict[str, tuple[float | None, str]] = {}
    for name, q in QUANTILES.items():
        t = survival_quantile(survival, q).estimate
        out[name] = _sided(t, int((events & (times <= t)).sum()) if t is not None else 0,
                           int((times > t).sum()) if t is not None else 0, k)
    closed = times[events]
    median = float(np.median(closed)) if len(closed) else None
    out["naive_median"] = _sided(median, int((closed <= median).sum()) if median is not None else 0,
                                 int((closed > median).sum()) if median is not None else 0, k)
    return out


def _sided(value: float | None, before: int, after: int, k: int) -> tuple[float | None, str]:
    if value is None:
        return None, MISSING
    if before < k or after < k:
        return None, HIDDEN
    return value, SHOWN


def funnel_span(exposures: Sequence[float]) -> tuple[float, float]:
    """Round ends (1, 2 or 5 times a power of ten) around the shown units' exposures."""
    low, high = min(exposures), max(exposures)
    return _round_down(low), _round_up(high)


def _ladder(x: float) -> list[float]:
    power = 10.0 ** math.floor(math.log10(x))
    return [m * power for m in (0.5, 1, 2, 5, 10, 20)]


def _round_down(x: float) -> float:
    return max(v for v in _ladder(x) if v <= x * (1 + 1e-12))


def _round_up(x: float) -> float:
    return min(v for v in _ladder(x) if v >= x * (1 - 1e-12))


def units_shown(count: int, persons: int | None, listed: list[tuple[int | None, bool]] | None) -> bool:
    """Whether a count of units with at least one person may be shown.

    `persons` is the shown count of persons of the same view (None when hidden): the count of
    units is a lower bound of it. `listed` holds (shown value, hidden) of each unit of the view
    where a list of units is released beside it: where the count then says that every hidden
    unit is zero, it pins them, and is hidden. (Where it says that every hidden unit is at least
    one, see units_bound: the certificate decides.)
    """
    if persons is None:
        return False
    if listed is not None:
        hidden = sum(1 for _, h in listed if h)
        nonzero_shown = sum(1 for v, h in listed if not h and v)
        if hidden and count == nonzero_shown:
            return False
    return True


def units_bound(count: int, listed: list[tuple[int | None, bool]]) -> bool:
    """Whether a count of units beside the list tells that every hidden unit is at least one."""
    hidden = sum(1 for _, h in listed if h)
    nonzero_shown = sum(1 for v, h in listed if not h and v)
    return hidden > 0 and count - nonzero_shown == hidden


def protect_unit_totals(units: pl.DataFrame, areas: Areas) -> pl.DataFrame:
    """Counts of units per region add up to the country's: hide more so that no hidden regional
    count can be recomputed from the country and the other regions (the one engine, which leaves
    no equation with a single hidden count, so every hidden count may still be 0)."""
    regions = areas.at("region")
    hidden = dict(zip(zip(units["period"], units["area"], units["grp"]), units["hidden"]))
    values = dict(zip(zip(units["period"], units["area"], units["grp"]), units["value"]))
    truth = dict(zip(zip(units["period"], units["area"], units["grp"]), units["true"] if "true" in units.columns else units["value"]))
    for period, grp in {(p, g) for p, a, g in hidden if a == COUNTRY}:
        keys = [(period, r, grp) for r in regions] + [(period, COUNTRY, grp)]
        if not all(key in hidden for key in keys):
            continue
        layout = hierarchy_layout({len(regions): list(range(len(regions)))}, len(keys))
        mask = suppress([truth[key] for key in keys], layout, k=1, margin=1, hidden=[hidden[key] for key in keys])
        for key, h in zip(keys, mask):
            hidden[key] = h
    return units.with_columns(
        pl.Series("hidden", [hidden[key] for key in zip(units["period"], units["area"], units["grp"])]),
        pl.Series("value", [None if hidden[key] else values[key] for key in zip(units["period"], units["area"], units["grp"])],
                  dtype=pl.Int64),
    ).drop("true", strict=False)
