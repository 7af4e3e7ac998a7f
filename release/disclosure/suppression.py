"""The one suppression engine: primary and secondary cell suppression over linked tables.

A release is a flat list of count cells plus a `Layout`: the equations sum(parts) == total that
tie them (municipalities to their region, quarters to their year, categories to their total,
and differences of nested counts). Some cells are *released* (a page, download or briefing can
show them); the others are *unreleased* (the difference between two nested counts, a category
nobody shows): they are never shown, but an intruder can still try to solve for them.

Primary suppression hides a released count from 1 to k-1. Secondary suppression then hides more
released cells until an intruder who holds every shown cell and every equation cannot narrow any
*protected* cell to an interval narrower than `margin` (k by default). Protected are every hidden
released cell, and every unreleased cell with a value from 1 to k-1 (a small group of persons
that two shown counts would otherwise reveal by subtraction).

The intruder is played as sdcTable and tau-ARGUS play it: for a hidden cell, two linear programs
give the smallest and largest value consistent with everything shown (all cells >= 0). Hiding
one more cell only removes a constraint, so an interval never narrows: a cell once proven wide
enough stays proven, and two feasible points (the true values and an LP's optimum) whose values
of a cell lie `margin` apart prove it without solving for its exact interval.

The linear programs are solved by HiGHS (highspy), one model per group of linked hidden cells,
warm-started from one objective to the next.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csc_matrix

# LP solutions are floats; anything this close to a whole number is that number.
_SNAP = 1e-6
# Groups of linked hidden cells larger than this gain cells in batches (see suppress).
BATCH_FROM = 64


@dataclass(frozen=True)
class Layout:
    """Cells of linked tables, and the equations that tie them: sum(parts) == total."""

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


def protected_cells(values: Sequence[int], hidden: Sequence[bool], released: Sequence[bool], k: int) -> list[int]:
    """The cells whose interval must be at least the margin wide: every hidden released cell and
    every unreleased cell from 1 to k-1."""
    return [i for i, (v, h, r) in enumerate(zip(values, hidden, released)) if (h and r) or (not r and 1 <= v <= k - 1)]


def suppress(
    values: Sequence[int],
    layout: Layout,
    k: int = 5,
    margin: int | None = None,
    hidden: Sequence[bool] | None = None,
    released: Sequence[bool] | None = None,
    cost: Sequence[int] | None = None,
    local: bool = False,
) -> list[bool]:
    """Primary plus secondary suppression; returns the hidden mask (same length as values).

    `hidden`, if given, is an initial mask that is kept. `released` marks the cells that may be
    shown (default: all); the others are hidden from the start. `cost` ranks what a hidden cell
    costs the reader (default: all alike): among cells that would protect as well, the cheapest
    is hidden. Protected cells (see protected_cells) end with intervals at least `margin`
    (default k) wide, unless every cell linked to one is hidden already. margin defaults to k.
    With `local`, among cells of equal cost the one that leaves the fewest equations with a single
    hidden cell goes first, even a total before a part: in many linked tables (periods inside
    periods, areas inside areas, breakdowns) the suppression then stays where it started instead
    of spreading cell by cell.
    """
    vals = _validated(values, layout)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    margin = k if margin is None else margin
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    shown_ok = [True] * layout.size if released is None else _mask(released, layout)
    mask = [h or s or not r for h, s, r in zip(
        _mask(hidden, layout) if hidden is not None else [False] * layout.size, primary(vals, k), shown_ok)]
    members = _memberships(layout)
    costs = [0] * layout.size if cost is None else [int(c) for c in cost]
    if len(costs) != layout.size:
        raise ValueError(f"cost of {len(costs)} for a layout of {layout.size} cells")

    def is_target(i: int) -> bool:
        return (mask[i] and shown_ok[i]) or (not shown_ok[i] and 1 <= vals[i] <= k - 1)

    work = (lambda m: _new_work(m, layout, members, mask)) if local else (lambda m: 0)
    _close(vals, layout, mask, margin, is_target, costs, members, work)
    # Hiding a cell only adds targets (the cell itself, when released): keep them as a set.
    targets = {i for i in range(layout.size) if is_target(i)}
    proven: set[int] = set()
    while True:
        pending = targets - proven
        if not pending:
            return mask
        cells, eqs = _component(layout, members, mask, min(pending))
        group = _Group(vals, layout, mask, cells, eqs)
        group.spread_all([c for c in cells if is_target(c) and c not in proven], margin)
        added: list[int] = []
        # A small group is solved again after each cell it gains (the fewest cells hidden); a
        # large one gains a cell for each narrow target of one pass, then is solved again: a cell
        # proven wide stays wide however many more are hidden, and rebuilding a large model for
        # every cell would take the load minutes.
        batch = len(cells) > BATCH_FROM
        touched: set[int] = set()  # equations of the cells gained in this pass
        for cell in (c for c in cells if is_target(c) and c not in proven):
            if batch and touched.intersection(members[cell]):
                continue  # a cell gained next to it may be enough: solve again first
            if group.wide(cell, margin):
                proven.add(cell)
                continue
            if batch and touched.intersection(group.binding(cell)):
                continue
            extra = _binding_candidate(vals, layout, mask, group.binding(cell), costs, margin, work)
            if extra is None:
                extra = _widening_candidate(vals, layout, members, mask, cell, costs)
            if extra is None:  # every cell linked to this one is hidden: nothing more can be done
                proven.add(cell)
                continue
            mask[extra] = True
            added.append(extra)
            touched.update(members[extra])
            if not batch:
                break  # the group has grown: solve it again
        if added:
            added += _close(vals, layout, mask, margin, is_target, costs, members, work, added)
            targets.update(c for c in added if is_target(c))
        else:
            proven.update(c for c in cells if is_target(c))


def attack(values: Sequence[int], layout: Layout, hidden: Sequence[bool]) -> dict[int, tuple[float, float]]:
    """For every hidden cell: (smallest, largest) value consistent with the shown cells."""
    vals = _validated(values, layout)
    mask = _mask(hidden, layout)
    members = _memberships(layout)
    bounds: dict[int, tuple[float, float]] = {}
    for cell in range(layout.size):
        if mask[cell] and cell not in bounds:
            # One LP model per group of linked hidden cells, reused for each cell in the group.
            cells, eqs = _component(layout, members, mask, cell)
            group = _Group(vals, layout, mask, cells, eqs)
            for c in cells:
                bounds[c] = group.interval(c)
    return dict(sorted(bounds.items()))


@dataclass(frozen=True)
class Proof:
    """What an intruder holding the shown cells can learn about the protected ones."""

    protected: int  # cells that had to be at least `margin` wide
    narrow: dict[int, tuple[float, float]]  # protected cells narrower than the margin (empty: safe)
    narrowest: tuple[int, float, float] | None  # (cell, smallest, largest) of the narrowest interval
    linear_programs: int


def prove(
    values: Sequence[int],
    layout: Layout,
    hidden: Sequence[bool],
    released: Sequence[bool] | None = None,
    k: int = 5,
    margin: int | None = None,
    lower: Sequence[int] | None = None,
) -> Proof:
    """Attack every protected cell: which are narrower than the margin, and the narrowest interval.

    `lower` gives what else the intruder knows: a smallest value for some cells (a released count
    of municipalities with at least one request tells that each hidden one of them is at least 1).

    Every protected cell is first shown wide enough or not; then exact intervals are solved in
    the order of the widest spread seen so far, until no remaining cell can be narrower than the
    narrowest found (a cell's exact interval is never narrower than a spread seen in it).
    """
    vals = _validated(values, layout)
    mask = _mask(hidden, layout)
    shown_ok = [True] * layout.size if released is None else _mask(released, layout)
    if any(not m and not r for m, r in zip(mask, shown_ok)):
        raise ValueError("an unreleased cell is marked as shown")
    margin = k if margin is None else margin
    floor = [0] * layout.size if lower is None else [int(x) for x in lower]
    if any(f > v for f, v in zip(floor, vals)):
        raise ValueError("a lower bound lies above the true value")
    members = _memberships(layout)
    targets = protected_cells(vals, mask, shown_ok, k)
    target_set = set(targets)
    narrow: dict[int, tuple[float, float]] = {}
    spread: dict[int, float] = {}
    groups: dict[int, _Group] = {}
    lps = 0
    for cell in targets:
        if cell in spread:
            continue
        cells, eqs = _component(layout, members, mask, cell)
        group = _Group(vals, layout, mask, cells, eqs, floor)
        group.spread_all([c for c in cells if c in target_set], margin)
        for c in cells:
            groups[c] = group
        for c in (c for c in cells if c in target_set):
            if not group.wide(c, margin):
                narrow[c] = group.interval(c)
            spread[c] = group.spread(c)
        lps += group.solved
    narrowest = None
    for cell in sorted(spread, key=lambda c: (spread[c], c)):
        if narrowest is not None and spread[cell] >= narrowest[2] - narrowest[1]:
            break
        group = groups[cell]
        before = group.solved
        lo, hi = narrow.get(cell) or group.interval(cell)
        lps += group.solved - before
        if narrowest is None or hi - lo < narrowest[2] - narrowest[1]:
            narrowest = (cell, lo, hi)
    return Proof(len(targets), dict(sorted(narrow.items())), narrowest, lps)


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


# --- no equation with exactly one hidden protected cell --------------------------------------------


def _close(vals: list[int], layout: Layout, mask: list[bool], margin: int, is_target, costs: list[int],
           members: list[list[int]], work, changed: list[int] | None = None) -> list[int]:
    """Hide cells until no equation has exactly one hidden member that must be protected (in
    place); returns the cells it hid. Looks at every equation, or only at those of the `changed`
    cells (and of the cells it hides on the way).

    An equation whose only hidden member is an unreleased cell that needs no protection (a large
    difference) may stay so: that cell's value is then known, and it may be.
    """
    # Equations in order (a heap), as a sweep over the whole layout would meet them.
    queue = list(range(len(layout.equations))) if changed is None else sorted({e for c in changed for e in members[c]})
    added: list[int] = []
    while queue:
        e = heapq.heappop(queue)
        parts, total = layout.equations[e]
        hidden = [m for m in (*parts, total) if mask[m]]
        if len(hidden) == 1 and is_target(hidden[0]):
            extra = _complement(vals, parts, total, mask, margin, costs, work)
            if extra is not None:
                mask[extra] = True
                added.append(extra)
                for f in members[extra]:
                    heapq.heappush(queue, f)
    return added


def _tier(value: int, is_total: bool) -> int:
    """Preference class of a cell to hide: non-zero parts, zero parts, non-zero total, zero total."""
    # A part beats the total: totals are the figures readers look at most, and a hidden total
    # forces a chain of further hidden totals through the margins. A zero part still closes a
    # rectangle of hidden interior cells, which gives slack in a two-way table (the attack checks
    # that it is enough). Among parts a non-zero cell beats a zero: a zero cannot move down.
    return (2 if is_total else 0) + (1 if value == 0 else 0)


def _new_work(m: int, layout: Layout, members: list[list[int]], mask: list[bool]) -> int:
    """Equations in which hiding `m` would leave it the only hidden member: each will need one
    more hidden cell. Hiding where others are hidden already keeps the suppression local."""
    return sum(1 for e in members[m]
               if not any(mask[x] for x in (*layout.equations[e][0], layout.equations[e][1]) if x != m))


def _complement(vals: list[int], parts: tuple[int, ...], total: int, mask: list[bool], margin: int,
                costs: list[int], work) -> int | None:
    """The shown member of an equation to hide next to its single hidden one."""

    def key(m: int) -> tuple:
        v = vals[m]
        # The cheapest cell to lose first; then (with `local`) the one that leaves the fewest
        # equations with a single hidden cell; a part before a total; then the smallest cell that alone gives
        # `margin` of slack; if no cell is that large, the largest gives the most slack.
        size_rank = (0, v) if v >= margin else (1, -v)
        return (costs[m], work(m), _tier(v, m == total), *size_rank, m)

    shown = [m for m in (*parts, total) if not mask[m]]
    return min(shown, key=key) if shown else None


def _binding_candidate(vals, layout, mask, equations: list[int], costs: list[int], margin: int,
                       work) -> int | None:
    """The cheapest shown member of the equations that hold a cell's interval in, then a part
    before a total, then the smallest value that alone gives `margin` of slack (or, if none
    does, the largest)."""
    best = None
    for e in equations:
        parts, total = layout.equations[e]
        for m in (*parts, total):
            if not mask[m]:
                v = vals[m]
                key = (costs[m], work(m), _tier(v, m == total), *((0, v) if v >= margin else (1, -v)), m)
                best = key if best is None or key < best else best
    return None if best is None else best[-1]


def _widening_candidate(vals, layout, members, mask, cell: int, costs: list[int]) -> int | None:
    """A shown cell to hide to loosen `cell`: nearest by equations first, then the cheapest,
    then the largest value."""
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
                    key = (costs[m], _tier(vals[m], m == total), -vals[m], m)
                    best = key if best is None or key < best else best
        if best is not None:
            return best[-1]
        frontier = sorted({m for e in eqs for m in (*layout.equations[e][0], layout.equations[e][1])} - seen_cells)
        seen_cells.update(frontier)
    return None


# --- the intruder's linear programs ---------------------------------------------------------------


def _component(layout: Layout, members: list[list[int]], mask: list[bool], cell: int) -> tuple[list[int], list[int]]:
    """Hidden cells linked to `cell` through equations, and those equations (both sorted)."""
    # The intruder's LP splits into independent blocks; solving only the block holding the cell
    # keeps each LP small however large the release is.
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


class _Group:
    """The intruder's LP over one group of linked hidden cells: A x = b, x >= 0.

    Keeps the smallest and largest value seen of every cell over the feasible points found so
    far (the true values first), so one optimum can prove many cells wide enough at once.
    """

    def __init__(self, vals: list[int], layout: Layout, mask: list[bool], cells: list[int], eqs: list[int],
                 floor: list[int] | None = None):
        self.cells = cells
        self.eqs = eqs
        self.column = {c: j for j, c in enumerate(cells)}
        self.duals: dict[int, set[int]] = {}  # cell -> equations binding at its optima
        truth = np.array([vals[c] for c in cells], dtype=float)
        self.low, self.high = truth.copy(), truth.copy()
        self.unbounded = np.zeros(len(cells), dtype=bool)
        self.solved = 0
        self.swept = False
        rows, cols, data = [], [], []
        b = np.zeros(len(eqs))
        for i, e in enumerate(eqs):
            parts, total = layout.equations[e]
            # sum(parts) - total == 0, each member signed +1 (part) or -1 (total).
            for m, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
                if mask[m]:
                    rows.append(i)
                    cols.append(self.column[m])
                    data.append(sign)
                else:
                    b[i] -= sign * vals[m]
        lowest = np.array([floor[c] for c in cells], dtype=float) if floor is not None else np.zeros(len(cells))
        self.free = len(eqs) == 0
        if self.free:
            self.unbounded[:] = True
            self.low[:] = lowest
            return
        matrix = csc_matrix((data, (rows, cols)), shape=(len(eqs), len(cells)))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(cells), len(eqs)
        lp.col_cost_ = np.zeros(len(cells))
        lp.col_lower_ = lowest
        lp.col_upper_ = np.full(len(cells), highspy.kHighsInf)
        lp.row_lower_, lp.row_upper_ = b, b
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # Only the objective changes from one solve to the next, so the last basis stays feasible:
        # primal simplex goes on from it, where presolve or the dual simplex would start over.
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.passModel(lp)
        self.exact: dict[int, list[float | None]] = {}

    def _extreme(self, cell: int, largest: bool) -> float:
        """The smallest or largest feasible value of `cell`."""
        j = self.column[cell]
        done = self.exact.setdefault(cell, [None, None])
        if done[largest] is not None:
            return done[largest]
        h = self.highs
        h.changeColCost(j, -1.0 if largest else 1.0)
        h.run()
        self.solved += 1
        status = h.getModelStatus()
        if status not in _SETTLED:
            # A warm start can stall on a degenerate model (HiGHS then says "unknown"): solve
            # that objective again from scratch.
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        x = None
        if status == highspy.HighsModelStatus.kOptimal:
            solution = h.getSolution()
            x = np.asarray(solution.col_value)
            binding = np.flatnonzero(np.abs(np.asarray(solution.row_dual)) > 1e-9)
            self.duals.setdefault(cell, set()).update(self.eqs[i] for i in binding)
        h.changeColCost(j, 0.0)
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible) and largest:
            # The true values are feasible, so "unbounded or infeasible" is unbounded here.
            self.unbounded[j] = True
            done[largest] = math.inf
            return math.inf
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the intruder's LP failed: {h.modelStatusToString(status)}")
        self.low = np.minimum(self.low, x)
        self.high = np.maximum(self.high, x)
        value = _snap(float(x[j]))
        done[largest] = value
        return value

    def spread(self, cell: int) -> float:
        """Distance between the smallest and largest value of `cell` seen so far (a lower bound
        on the width of its interval)."""
        j = self.column[cell]
        return math.inf if self.unbounded[j] else _snap(float(self.high[j] - self.low[j]))

    def spread_all(self, targets: list[int], margin: float) -> None:
        """Push every target up at once, then down, then along a few mixed directions: feasible
        points that often prove most targets wide enough before any is solved on its own."""
        if self.free or self.swept or len(targets) < 3:
            return
        self.swept = True
        rng = np.random.default_rng(len(targets))
        directions = [np.full(len(targets), -1.0), np.full(len(targets), 1.0)]
        for round_ in range(6):
            if round_ < len(directions):
                weights = directions[round_]
            else:
                open_ = [i for i, c in enumerate(targets) if self.spread(c) < margin - _SNAP]
                if len(open_) < 8:
                    return
                weights = np.zeros(len(targets))
                weights[open_] = rng.choice([-1.0, 1.0], size=len(open_))
            self._solve_along([self.column[c] for c in targets], weights)

    def _solve_along(self, columns: list[int], weights: np.ndarray) -> None:
        """One LP minimising sum(weights * x) over the group; its optimum widens the spreads."""
        h = self.highs
        for j, w in zip(columns, weights):
            h.changeColCost(j, float(w))
        h.run()
        self.solved += 1
        if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            x = np.asarray(h.getSolution().col_value)
            self.low = np.minimum(self.low, x)
            self.high = np.maximum(self.high, x)
        for j in columns:
            h.changeColCost(j, 0.0)

    def wide(self, cell: int, margin: float) -> bool:
        """Whether the cell's interval is at least `margin` wide (solving as little as possible)."""
        if self.free:
            return True
        for largest in (True, False):
            if self.spread(cell) >= margin - _SNAP:
                return True
            self._extreme(cell, largest)
        return self.spread(cell) >= margin - _SNAP

    def binding(self, cell: int) -> list[int]:
        """The equations that held the cell's interval in at its optima (relaxing one of them,
        by hiding a shown member, is what can widen it)."""
        return sorted(self.duals.get(cell, ()))

    def interval(self, cell: int) -> tuple[float, float]:
        """The exact smallest and largest feasible value of `cell`."""
        if self.free:
            return float(self.low[self.column[cell]]), math.inf
        return self._extreme(cell, False), self._extreme(cell, True)


_SETTLED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


def _snap(x: float) -> float:
    """x rounded to the nearest integer when within solver tolerance of it."""
    if math.isinf(x):
        return x
    nearest = round(x)
    return float(nearest) if abs(x - nearest) <= _SNAP * max(1.0, abs(x)) else float(x)
