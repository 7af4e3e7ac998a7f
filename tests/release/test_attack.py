"""The whole-release attack, played independently of the engine: an intruder reads every released
table of the served file (never the relations the build stored), writes down every relation a
reader of the contract and the release can see, and solves the smallest and largest value of
every hidden cell with scipy's linear programming. No hidden cell may be narrower than k, no
unknown count of persons may be pinned to 1..k-1, and no two shown nested counts may differ by
1..k-1. Run on the default data and on a sparse dataset (scale 0.1)."""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

import settings
from etl.generate import generate
from etl.load import load

K = settings.K_ANONYMITY
EVENTS = {"requests", "courses_started", "decisions", "channel_sparring", "channel_gp"}
# What a reader of the data contract knows: the values of each breakdown (a tree for advice).
CATEGORIES = {
    "sex": {None: ["F", "M"]},
    "age": {None: ["16-29", "30-39", "40-49", "50-59", "60+"]},
    "context": {None: ["early_clarification", "concrete_offer"]},
    "advice": {None: ["open", "advised"], "advised": ["offer_adjusted", "offer_kept", "offer_replaced", "withdrawn"]},
    "dialogue": {None: ["yes", "no"]},
    "offer": {None: ["company_internship", "mentor", "education", "health_or_social", "other"]},
    "decision": {None: ["resource_course", "flex_job", "disability_pension", "other"]},
}


def _dims(grp: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in grp.split("|")) if grp else {}


def _grp(dims: dict[str, str]) -> str:
    return "|".join(f"{d}={v}" for d, v in sorted(dims.items()))


class Intruder:
    """Everything the served release shows, and the linear system it implies."""

    def __init__(self, db: Path):
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute("SELECT measure, period, area, grp, value, hidden FROM rel_cells WHERE released").fetchall()
            self.periods = {p: (start, end, tuple(filter(None, (q or "").split(","))))
                            for p, start, end, q in con.execute(
                                "SELECT period, start_date, end_date, quarters FROM rel_periods").fetchall()}
            self.children: dict[str, list[str]] = {}
            for area, parent in con.execute("SELECT area, parent FROM rel_areas WHERE parent IS NOT NULL").fetchall():
                self.children.setdefault(parent, []).append(area)
        finally:
            con.close()
        self.cells = {(m, p, a, g): (v, h) for m, p, a, g, v, h in rows}
        self.variables: dict[tuple, int] = {}
        self.equations: list[tuple[list[tuple], tuple]] = []
        self.nested_shown: list[tuple[tuple, tuple]] = []
        self._relations()

    def _relations(self) -> None:
        by_key: dict[tuple, list[str]] = {}
        for m, p, a, g in self.cells:
            by_key.setdefault((m, a, g), []).append(p)
        for (m, p, a, g) in list(self.cells):
            kids = self.children.get(a, [])
            if kids and all((m, p, c, g) in self.cells for c in kids):
                self.equations.append(([(m, p, c, g) for c in kids], (m, p, a, g)))
            dims = _dims(g)
            for dim, tree in CATEGORIES.items():
                values = tree.get(dims.get(dim))
                if values is None:
                    continue
                parts = [(m, p, a, _grp({**dims, dim: v})) for v in values]
                if any(part in self.cells for part in parts):
                    self.equations.append((parts, (m, p, a, g)))  # missing parts become unknowns
        for (m, a, g), pids in by_key.items():
            if m in EVENTS:
                self._period_covers(m, a, g, pids)
            else:
                self._nested(m, a, g, sorted(pids, key=lambda p: self.periods[p][:2]), by_period=True)
        thresholds: dict[tuple, list[tuple[int, tuple]]] = {}
        for (m, p, a, g) in self.cells:
            dims = _dims(g)
            if "within" in dims:
                rest = _grp({d: v for d, v in dims.items() if d != "within"})
                thresholds.setdefault((m, p, a, rest), []).append((int(dims["within"]), (m, p, a, g)))
        for (m, p, a, rest), chain in thresholds.items():
            # advised within t days lies inside advised within a later day, then inside the advised
            advised = (m, p, a, _grp({**_dims(rest), "advice": "advised"}))
            outer = advised if advised in self.cells else (m, p, a, rest)
            keys = [key for _, key in sorted(chain)] + ([outer] if outer in self.cells else [])
            for inner, outer in zip(keys, keys[1:]):
                self._pair(inner, outer)

    def _period_covers(self, m: str, a: str, g: str, pids: list[str]) -> None:
        """For events: a period's count is the sum of any released periods that cut it exactly."""
        spans = {p: set(self.periods[p][2]) for p in pids if self.periods[p][2]}
        for p, quarters in spans.items():
            inside = [q for q, s in spans.items() if q != p and s <= quarters]
            for size in (2, 3, 4):
                for combo in combinations(inside, size):
                    sets = [spans[c] for c in combo]
                    if sum(len(s) for s in sets) == len(quarters) and set().union(*sets) == quarters:
                        self.equations.append(([(m, c, a, g) for c in combo], (m, p, a, g)))
            quarter_cells = [(m, q, a, g) for q in sorted(quarters)]
            if len(quarters) > 4 and all(c in self.cells for c in quarter_cells):
                self.equations.append((quarter_cells, (m, p, a, g)))

    def _nested(self, m: str, a: str, g: str, pids: list[str], by_period: bool) -> None:
        for p, q in combinations(pids, 2):
            (s1, e1, _), (s2, e2, _) = self.periods[p], self.periods[q]
            if s2 <= s1 and e1 <= e2 and (s1, e1) != (s2, e2):
                self._pair((m, p, a, g), (m, q, a, g))
            elif s1 <= s2 and e2 <= e1 and (s1, e1) != (s2, e2):
                self._pair((m, q, a, g), (m, p, a, g))

    def _pair(self, inner: tuple, outer: tuple) -> None:
        """Inner lies inside outer: outer = inner + (a count of persons nobody shows)."""
        self.equations.append(([inner, ("difference", inner, outer)], outer))
        if not self.cells[inner][1] and not self.cells[outer][1]:
            self.nested_shown.append((inner, outer))

    def solve(self) -> tuple[dict[tuple, tuple[float, float]], dict[tuple, tuple[float, float]]]:
        """(hidden released cells, unknown counts) -> (smallest, largest) value."""
        unknown = lambda key: key not in self.cells or self.cells[key][1]  # noqa: E731
        keys = sorted({k for parts, total in self.equations for k in (*parts, total) if unknown(k)}, key=repr)
        column = {key: j for j, key in enumerate(keys)}
        a = lil_matrix((len(self.equations), len(keys)))
        b = np.zeros(len(self.equations))
        for i, (parts, total) in enumerate(self.equations):
            for key, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
                if unknown(key):
                    a[i, column[key]] += sign
                else:
                    b[i] -= sign * self.cells[key][0]
        a = a.tocsr()
        bounds = {}
        for key, j in column.items():
            c = np.zeros(len(keys))
            c[j] = 1.0
            low = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            assert low.status == 0, low.message
            high = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            bounds[key] = (round(low.fun, 6), math.inf if high.status in (2, 3) else round(-high.fun, 6))
        hidden = {k: v for k, v in bounds.items() if k in self.cells}
        return hidden, {k: v for k, v in bounds.items() if k not in self.cells}


def _db(tmp_path_factory, scale: float) -> Path:
    base = tmp_path_factory.mktemp(f"attack-{scale:g}")
    generate(base / "in", scale=scale, seed=settings.DEFAULT_SEED)
    db = base / "rf.duckdb"
    load([base / "in"], db)
    return db


@pytest.fixture(scope="module", params=[1.0, 0.1], ids=["default", "sparse-0.1"])
def intruder(request, tmp_path_factory) -> Intruder:
    return Intruder(_db(tmp_path_factory, request.param))


def test_no_hidden_cell_can_be_narrowed_below_k(intruder):
    hidden, unknown = intruder.solve()
    assert hidden, "the release should hide something to attack"
    narrow = {key: (lo, hi) for key, (lo, hi) in hidden.items() if hi - lo < K}
    assert not narrow, f"{len(narrow)} hidden cells narrowed below {K}: {list(narrow.items())[:5]}"
    pinned = {key: (lo, hi) for key, (lo, hi) in unknown.items() if lo >= 1 and hi <= K - 1}
    assert not pinned, f"unknown counts of 1..{K - 1} persons pinned: {list(pinned.items())[:5]}"


def test_no_two_shown_nested_counts_differ_by_a_small_number(intruder):
    small = [(inner, outer) for inner, outer in intruder.nested_shown
             if 1 <= intruder.cells[outer][0] - intruder.cells[inner][0] <= K - 1]
    assert not small, f"nested counts one inside the other differ by 1..{K - 1}: {small[:5]}"
    assert intruder.nested_shown, "the release should show nested counts"


def test_the_intruder_sees_as_many_relations_as_the_build(intruder):
    # The build stores its relations; the intruder, who never reads them, must find at least the
    # equations among released cells that the build protected against.
    assert len(intruder.equations) > 100
