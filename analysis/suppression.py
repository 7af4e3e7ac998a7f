"""Secondary (complementary) cell suppression for tables with totals, and the attack that proves it.

Primary suppression hides a count from 1 to k-1. When a table also shows totals, a reader can
recompute a hidden cell from the shown cells of its row or column, so more cells must be hidden
(secondary suppression). `attack()` plays the intruder the way sdcTable's attack does: for every
hidden cell it solves two linear programs for the smallest and largest value consistent with
everything shown. `suppress()` hides cells until every protected cell's interval is at least
`margin` wide.

A table is a flat list of cells plus a `Layout`: the equations sum(parts) == total that tie them.
Plain Python lists and numpy; the linear programs use scipy's HiGHS.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

# LP solutions are floats; the layouts here (2-way tables, hierarchies) have totally unimodular
# constraint matrices, so true optima are integers and anything this close to one is snapped.
_SNAP = 1e-6


@dataclass(frozen=True)
class Layout:
    """Cells of a table with totals, and the equations that tie them: sum(parts) == total."""

    size: int  # number of cells, totals included
    equations: tuple[tuple[tuple[int, ...], int], ...]  # ((part indices...), total index)

    def __post_init__(self) -> None:
        # Coerce lists to tuples so a Layout stays hashable and immutable, then check indices once
        # here rather than in every function that walks the equations.
        equations = tuple((tuple(int(p) for p in parts), int(total)) for parts, total in self.equations)
        object.__setattr__(self, "equations", equations)
        if self.size < 0:
            raise ValueError(f"size must be >= 0, got {self.size}")
        for parts, total in equations:
            _check_equation(parts, total, self.size)


def _check_equation(parts: tuple[int, ...], total: int, size: int) -> None:
    """Raise ValueError for an equation with no parts, repeated cells or indices out of range."""
    if not parts:
        raise ValueError(f"equation for total {total} has no parts")
    members = (*parts, total)
    if len(set(members)) != len(members):
        raise ValueError(f"equation {parts} -> {total} repeats a cell")
    if any(not 0 <= m < size for m in members):
        raise ValueError(f"equation {parts} -> {total} has an index outside 0..{size - 1}")


def two_way_layout(n_rows: int, n_cols: int) -> Layout:
    """An n_rows x n_cols table with a total column, a total row and a grand total (row-major)."""
    if n_rows < 1 or n_cols < 1:
        raise ValueError(f"a two-way table needs at least 1 x 1 cells, got {n_rows} x {n_cols}")
    width = n_cols + 1
    # Every row, the total row included (column totals sum to the grand total).
    rows = tuple(
        (tuple(r * width + c for c in range(n_cols)), r * width + n_cols) for r in range(n_rows + 1)
    )
    # Every column, the total column included (row totals sum to the grand total).
    cols = tuple(
        (tuple(r * width + c for r in range(n_rows)), n_rows * width + c) for c in range(n_cols + 1)
    )
    return Layout((n_rows + 1) * width, rows + cols)


def hierarchy_layout(children: dict[int, list[int]], size: int) -> Layout:
    """Any hierarchy: each parent index equals the sum of its children's indices."""
    # Sorted by parent so the equation order (and so suppress()) never depends on dict order.
    return Layout(size, tuple((tuple(kids), parent) for parent, kids in sorted(children.items())))


def primary(values: Sequence[int], k: int = 5) -> list[bool]:
    """True where 1 <= value <= k-1."""
    return [1 <= v <= k - 1 for v in values]


def suppress(
    values: Sequence[int],
    layout: Layout,
    k: int = 5,
    margin: int | None = None,
    hidden: Sequence[bool] | None = None,
) -> list[bool]:
    """Primary plus secondary suppression; returns the hidden mask (same length as values).

    `hidden`, if given, is an initial mask that is kept; primary cells are hidden in any case (a
    small count is never shown). Every cell of the initial mask is protected like a primary cell,
    as sdcTable protects every cell marked unsafe: a cell someone hid on purpose must not be
    recomputable either. margin defaults to k.
    """
    vals = _validated(values, layout)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    margin = k if margin is None else margin
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    small = primary(vals, k)
    mask = small if hidden is None else [h or s for h, s in zip(_mask(hidden, layout), small)]
    protect = [i for i, h in enumerate(mask) if h]
    members = _memberships(layout)
    _close(vals, layout, mask, margin)
    # Hiding one more cell only removes a constraint from the attacker's problem, so no interval
    # ever narrows: a cell once protected stays protected, and one pass in index order suffices.
    for cell in protect:
        while not _protected(vals, layout, members, mask, cell, margin):
            extra = _widening_candidate(vals, layout, members, mask, cell)
            if extra is None:
                break  # every cell linked to this one is hidden: nothing more can be done
            mask[extra] = True
            _close(vals, layout, mask, margin)
    return mask


def attack(values: Sequence[int], layout: Layout, hidden: Sequence[bool]) -> dict[int, tuple[float, float]]:
    """For every hidden cell: (smallest, largest) value consistent with the shown cells (LP, HiGHS)."""
    vals = _validated(values, layout)
    mask = _mask(hidden, layout)
    members = _memberships(layout)
    bounds: dict[int, tuple[float, float]] = {}
    for cell in range(layout.size):
        if mask[cell] and cell not in bounds:
            # One LP system per group of linked hidden cells, reused for each cell in the group.
            cells, eqs = _component(layout, members, mask, cell)
            a_eq, b_eq = _system(vals, layout, mask, cells, eqs)
            for j, c in enumerate(cells):
                bounds[c] = _bounds(a_eq, b_eq, j)
    return dict(sorted(bounds.items()))


# --- validation -------------------------------------------------------------------------------


def _validated(values: Sequence[int], layout: Layout) -> list[int]:
    """The values as ints; ValueError if the length, sign, integrality or an equation is wrong."""
    if len(values) != layout.size:
        raise ValueError(f"{len(values)} values for a layout of {layout.size} cells")
    vals = []
    for i, v in enumerate(values):
        if (isinstance(v, float) and not math.isfinite(v)) or int(v) != v:
            raise ValueError(f"cell {i} is not a whole number: {v!r}")
        if v < 0:
            raise ValueError(f"cell {i} is negative: {v!r}")
        vals.append(int(v))
    for parts, total in layout.equations:
        if sum(vals[p] for p in parts) != vals[total]:
            raise ValueError(f"cells {parts} do not sum to total cell {total}")
    return vals


def _mask(hidden: Sequence[bool], layout: Layout) -> list[bool]:
    """The mask as a fresh list of bools; ValueError if its length is wrong."""
    if len(hidden) != layout.size:
        raise ValueError(f"mask of {len(hidden)} for a layout of {layout.size} cells")
    return [bool(h) for h in hidden]


def _memberships(layout: Layout) -> list[list[int]]:
    """For every cell, the indices of the equations it appears in (as part or total)."""
    members: list[list[int]] = [[] for _ in range(layout.size)]
    for e, (parts, total) in enumerate(layout.equations):
        for m in (*parts, total):
            members[m].append(e)
    return members


# --- step 2: no equation with exactly one hidden cell -------------------------------------------


def _close(vals: list[int], layout: Layout, mask: list[bool], margin: int) -> None:
    """Hide cells until no equation has exactly one hidden member (in place)."""
    changed = True
    while changed:
        changed = False
        for parts, total in layout.equations:
            if sum(mask[m] for m in (*parts, total)) == 1:
                mask[_complement(vals, parts, total, mask, margin)] = True
                changed = True


def _tier(value: int, is_total: bool) -> int:
    """Preference class of a cell to hide: non-zero parts, zero parts, non-zero total, zero total."""
    # A part beats the total: totals are the figures readers look at most, and a hidden total
    # forces a chain of further hidden totals through the margins. A zero part still closes a
    # rectangle of hidden interior cells, which gives slack in a two-way table (the attack checks
    # that it is enough). Among parts a non-zero cell beats a zero: a zero cannot move down.
    # (Beside a lone hidden *primary* cell the other parts are never all zero: then the total
    # would equal the small count and be primary itself.)
    return (2 if is_total else 0) + (1 if value == 0 else 0)


def _complement(vals: list[int], parts: tuple[int, ...], total: int, mask: list[bool], margin: int) -> int:
    """The shown member of an equation to hide next to its single hidden one."""

    def key(m: int) -> tuple:
        v = vals[m]
        # The smallest cell that alone gives `margin` of slack loses least information; if no
        # cell is that large, the largest gives the most slack.
        size_rank = (0, v) if v >= margin else (1, -v)
        return (_tier(v, m == total), *size_rank, m)

    return min((m for m in (*parts, total) if not mask[m]), key=key)


# --- step 3: widen intervals the attacker narrows -----------------------------------------------


def _protected(vals, layout, members, mask, cell: int, margin: int) -> bool:
    """Whether the attacker's interval for `cell` is at least `margin` wide."""
    cells, eqs = _component(layout, members, mask, cell)
    a_eq, b_eq = _system(vals, layout, mask, cells, eqs)
    lo, hi = _bounds(a_eq, b_eq, cells.index(cell))
    return hi - lo >= margin - _SNAP


def _widening_candidate(vals, layout, members, mask, cell: int) -> int | None:
    """A shown cell to hide to loosen `cell`: nearest by equations first, then largest value."""
    # The cell's own equations first; when all their members are hidden already, the equations of
    # those members, and so on outwards. None when everything linked to the cell is hidden.
    seen_cells, seen_eqs, frontier = {cell}, set(), [cell]
    while frontier:
        eqs = sorted({e for c in frontier for e in members[c]} - seen_eqs)
        seen_eqs.update(eqs)
        best = None
        for e in eqs:
            parts, total = layout.equations[e]
            for m in (*parts, total):
                if not mask[m]:
                    # Largest value: the most slack for the attacked cell from one more hidden cell.
                    key = (_tier(vals[m], m == total), -vals[m], m)
                    best = key if best is None or key < best else best
        if best is not None:
            return best[-1]
        frontier = sorted({m for e in eqs for m in (*layout.equations[e][0], layout.equations[e][1])} - seen_cells)
        seen_cells.update(frontier)
    return None


# --- the attacker's linear programs --------------------------------------------------------------


def _component(layout: Layout, members: list[list[int]], mask: list[bool], cell: int) -> tuple[list[int], list[int]]:
    """Hidden cells linked to `cell` through equations, and those equations (both sorted)."""
    # The attacker's LP splits into independent blocks; solving only the block holding the cell
    # keeps each LP small however large the table is.
    cells, eqs, stack = {cell}, set(), [cell]
    while stack:
        for e in members[stack.pop()]:
            if e in eqs:
                continue
            eqs.add(e)
            parts, total = layout.equations[e]
            for m in (*parts, total):
                if mask[m] and m not in cells:
                    cells.add(m)
                    stack.append(m)
    return sorted(cells), sorted(eqs)


def _system(vals, layout, mask, cells: list[int], eqs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """A x = b over the hidden `cells`: each equation with shown members moved to the right side."""
    column = {c: j for j, c in enumerate(cells)}
    a_eq = np.zeros((len(eqs), len(cells)))
    b_eq = np.zeros(len(eqs))
    for i, e in enumerate(eqs):
        parts, total = layout.equations[e]
        # sum(parts) - total == 0, each member signed +1 (part) or -1 (total).
        for m, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if mask[m]:
                a_eq[i, column[m]] = sign
            else:
                b_eq[i] -= sign * vals[m]
    return a_eq, b_eq


def _bounds(a_eq: np.ndarray, b_eq: np.ndarray, j: int) -> tuple[float, float]:
    """Smallest and largest feasible value of variable j subject to A x = b, x >= 0."""
    n = a_eq.shape[1]
    if a_eq.shape[0] == 0:
        return 0.0, math.inf  # a hidden cell in no equation: anything non-negative
    objective = np.zeros(n)
    objective[j] = 1.0
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if low.status != 0:
        raise RuntimeError(f"attacker's LP failed: {low.message}")  # true values are feasible
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    # The problem is feasible (the minimum was found), so a maximum without optimum is unbounded;
    # HiGHS may report that as "unbounded" (3) or, after presolve, "infeasible or unbounded" (2).
    if high.status in (2, 3):
        return _snap(low.fun), math.inf
    if high.status != 0:
        raise RuntimeError(f"attacker's LP failed: {high.message}")
    return _snap(low.fun), _snap(-high.fun)


def _snap(x: float) -> float:
    """x rounded to the nearest integer when within solver tolerance of it."""
    nearest = round(x)
    return float(nearest) if abs(x - nearest) <= _SNAP * max(1.0, abs(x)) else float(x)
