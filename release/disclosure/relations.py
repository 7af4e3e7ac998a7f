"""Every additive relation between the cells of a release, as an intruder would write them down.

- Areas: a region's count is the sum of its municipalities', the country's the sum of the regions'.
- Periods: for events (a request, a course start) a period's count is the sum of its parts'
  (quarters in a year, years in the pilot window, a running total and the next quarter).
- Breakdowns: the values of a breakdown add up to the count without it (women + men = all;
  the outcomes of advised requests add up to the advised).
- Nesting: where one count lies inside another without a partition (the courses active on a day
  inside those active in its quarter; requests advised within 28 days inside those within 35),
  the difference is a count of persons too. It becomes an unreleased cell of its own, with the
  equation inner + difference = outer, so the engine protects it when it is small.

Relations are only written between cells that exist; a relation needs every member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

import polars as pl

from release.areas import Areas
from release.cells import DIMENSIONS, MEASURES, THRESHOLDS, Key, group_key, narrowed, parse_group
from release.periods import Catalogue



def relate(cells: pl.DataFrame, periods: Catalogue, areas: Areas, extra: Sequence[tuple[tuple[Key, ...], Key]] = ()
           ) -> tuple[pl.DataFrame, list[tuple[tuple[int, ...], int]]]:
    """The cells with a difference cell added for every nested pair, and every equation, the
    themes' own relations (`extra`: parts, total) among them.

    `cells` has the columns of release.cells.SCHEMA plus `cell` (0..n-1 in order).
    """
    keys: list[Key] = list(zip(*(cells[c].to_list() for c in ("measure", "period", "area", "grp"))))
    values: list[int] = cells["value"].to_list()
    index = {key: i for i, key in enumerate(keys)}
    equations: list[tuple[tuple[int, ...], int]] = []

    def equation(parts: list[Key], total: int) -> None:
        if all(p in index for p in parts):
            equations.append((tuple(index[p] for p in parts), total))

    for parts, total in extra:
        if total in index:
            equation(list(parts), index[total])
    nested: list[tuple[int, int]] = []  # (inner, outer)
    by_group: dict[tuple[str, str, str], list[str]] = defaultdict(list)  # (measure, area, grp) -> periods
    by_threshold: dict[tuple[str, str, str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for i, (measure, period, area, grp) in enumerate(keys):
        if area in areas.children:
            equation([(measure, period, a, grp) for a in areas.children[area]], i)
        if MEASURES[measure].over_time == "events" and period in periods:
            for parts in periods[period].decompositions:
                equation([(measure, p, area, grp) for p in parts], i)
        elif MEASURES[measure].over_time == "stock":
            by_group[(measure, area, grp)].append(period)
        for children in partitions(grp):
            equation([(measure, period, area, c) for c in children], i)
        for dim, value, rest in _thresholds(grp):
            by_threshold[(measure, period, area, rest, dim)].append((value, i))
    # Events nested by a threshold: within t1 < within t2 < ... < the value they lie in (advised).
    for (measure, period, area, rest, dim), members in by_threshold.items():
        chain = [i for _, i in sorted(members)]
        within_dim, within_value = THRESHOLDS[dim]
        inside = narrowed(parse_group(rest), within_dim, within_value)
        outer = index.get((measure, period, area, group_key(**inside)), index.get((measure, period, area, rest))) \
            if inside is not None else None
        nested.extend(zip(chain, chain[1:] + ([outer] if outer is not None else [])))
    # Stocks nested by period: each period inside the smallest periods that contain it.
    for (measure, area, grp), pids in by_group.items():
        spans = [periods[p] for p in pids]
        for p in spans:
            outer = [q for q in spans if q.id != p.id and q.contains(p)]
            minimal = [q for q in outer if not any(r.id != q.id and q.contains(r) and r.contains(p) for r in outer)]
            nested.extend((index[(measure, p.id, area, grp)], index[(measure, q.id, area, grp)]) for q in minimal)
    extra = []
    for inner, outer in nested:
        diff = len(keys) + len(extra)
        measure, period, area, grp = keys[outer]
        extra.append((measure, f"{keys[inner][1]}<{period}", area, f"{keys[inner][3]}<{grp}",
                      values[outer] - values[inner]))
        equations.append(((inner, diff), outer))
    if extra:
        more = pl.DataFrame(extra, schema=["measure", "period", "area", "grp", "value"], orient="row").with_columns(
            pl.lit(False).alias("released"))
        cells = pl.concat([cells.drop("cell"), more.cast(cells.drop("cell").schema)]).with_row_index("cell")
    return cells, equations


@lru_cache(maxsize=None)
def partitions(grp: str) -> tuple[tuple[str, ...], ...]:
    """For each breakdown that splits a group further, the groups of its parts."""
    dims = parse_group(grp)
    out = []
    for dim, category in DIMENSIONS.items():
        children = category.children(dims.get(dim))
        if children:
            out.append(tuple(group_key(**{**dims, dim: c}) for c in children))
    return tuple(out)


@lru_cache(maxsize=None)
def _thresholds(grp: str) -> tuple[tuple[str, int, str], ...]:
    """The nested breakdowns of a group: (breakdown, threshold, the group without it)."""
    dims = parse_group(grp)
    return tuple((dim, int(dims[dim]), group_key(**{d: v for d, v in dims.items() if d != dim}))
                 for dim in THRESHOLDS if dim in dims)
