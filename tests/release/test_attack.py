"""The whole-release attack, played independently of the engine: an intruder reads every released
table of the served file (never the relations the build stored), writes down every relation a
reader of the contract and the release can see, and solves the smallest and largest value of
every hidden cell by linear programming (HiGHS). No hidden cell may be narrower than k, no
unknown count of persons may be pinned to 1..k-1, and no two shown nested counts may differ by
1..k-1. Run on half the default data and a sparse dataset (scale 0.1); the default size with `make test-all`."""

from __future__ import annotations

import math
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import duckdb
import highspy
import numpy as np
import pytest

import settings

K = settings.K_ANONYMITY
EVENTS = {"requests", "courses_started", "decisions", "channel_sparring", "channel_gp"}
# Counted by the quarter a case was referred in, like the events, but over so many periods that
# trying every combination of them explodes: these get the exact partitions of _period_sums.
SUMMED = {"cases"}
# What a reader of the data contract knows: the values of each breakdown (a tree for advice).
CATEGORIES = {
    "sex": {None: ["F", "M"]},
    "age": {None: ["16-29", "30-39", "40-49", "50-59", "60+"]},
    "context": {None: ["early_clarification", "concrete_offer"]},
    "advice": {None: ["open", "advised"], "advised": ["offer_adjusted", "offer_kept", "offer_replaced", "withdrawn"]},
    "dialogue": {None: ["yes", "no"]},
    "offer": {None: ["company_internship", "mentor", "education", "health_or_social", "other"]},
    "decision": {None: ["resource_course", "flex_job", "disability_pension", "other"]},
    "case_decision": {None: ["pending", "decided"],
                      "decided": ["resource_course", "flex_job", "disability_pension", "other"]},
    "meeting": {None: ["yes", "no"]},
    "started": {None: ["yes", "no"]},
    "coordinator": {None: ["yes", "no"]},
    "internship": {None: ["yes", "no"]},
    "pool": {None: ["other", "grant"]},
    "involved": {None: ["yes", "no"]},
    "completed": {None: ["yes", "no"]},
    "success": {None: ["yes", "no"]},
}
# A breakdown defined only inside a state splits a group only when the group lies in that state:
# started yes + no are the courses decided, not all the cases.
SCOPES = {
    "started": {"case_decision": "resource_course"},
    "coordinator": {"case_decision": "resource_course"},
    "internship": {"case_decision": "resource_course", "started": "yes"},
    "involved": {"meeting": "yes"},
    "completed": {"case_decision": "resource_course", "started": "yes", "internship": "yes"},
}
# Success splits an effect's sample only (outcome=...): prepared with the citizen or not.
NEEDS = {"success": "outcome"}
# The pool's effects (release/pool/effects.py): referrals followed two years, quarters counted
# from each grant municipality's own start, the ends binned.
FOLLOW_UP_DAYS, EVENT_WINDOW = 730, 8
# A sample's success, summed over a region's grant municipalities, is a quarterly count.
LINKS = {"outcome=citizen_involved|success=yes": "involved=yes|meeting=yes|pool=grant",
         "outcome=citizen_involved|success=no": "involved=no|meeting=yes|pool=grant",
         "outcome=days_referral_to_decision": "pool=grant"}


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
            # Public: the grants (each municipality's first start) and the data's end.
            self.starts = dict(con.execute("SELECT lpad(municipality_code::varchar, 3, '0'), min(period_start) "
                                           "FROM rel_pool_grants GROUP BY ALL").fetchall())
            self.data_end = con.execute("SELECT data_end_date FROM meta_dataset").fetchone()[0]
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
                if values is None or any(dims.get(d) != v for d, v in SCOPES.get(dim, {}).items()) \
                        or (dim in NEEDS and NEEDS[dim] not in dims):
                    continue
                parts = [(m, p, a, _grp({**dims, dim: v})) for v in values]
                if any(part in self.cells for part in parts):
                    self.equations.append((parts, (m, p, a, g)))  # missing parts become unknowns
        for (m, a, g), pids in by_key.items():
            if m in EVENTS:
                self._period_covers(m, a, g, pids)
            elif m in SUMMED:
                self._period_sums(m, a, g, pids)
            elif m == "pool_sample":
                continue  # quarters since each municipality's start: _pool_paths
            else:
                self._nested(m, a, g, sorted(pids, key=lambda p: self.periods[p][:2]), by_period=True)
        self._pool_paths()
        thresholds: dict[tuple, list[tuple[int, tuple]]] = {}
        for (m, p, a, g) in self.cells:
            dims = _dims(g)
            for dim in (d for d in dims if d.startswith("within")):
                rest = _grp({d: v for d, v in dims.items() if d != dim})
                thresholds.setdefault((m, p, a, rest, dim), []).append((int(dims[dim]), (m, p, a, g)))
        for (m, p, a, rest, dim), chain in thresholds.items():
            # within t days lies inside within a later day, then inside the closed count: the group
            # without the threshold (the advised, for requests advised within t days)
            advised = (m, p, a, _grp({**_dims(rest), "advice": "advised"}))
            outer = advised if dim == "within" and advised in self.cells else (m, p, a, rest)
            keys = [key for _, key in sorted(chain)] + ([outer] if outer in self.cells else [])
            for inner, outer in zip(keys, keys[1:]):
                self._pair(inner, outer)

    def _pool_paths(self) -> None:
        """The event study's path: at each quarter since the start, the sum over the grant
        municipalities of their cases in that quarter of the sample (unknowns), which add up, per
        region and quarter, to the grant municipalities' quarterly counts."""
        def index(d) -> int:
            return d.year * 4 + (d.month - 1) // 3

        region = {m: parent for parent, kids in self.children.items() for m in kids}
        quarters = {p: start for p, (start, end, qs) in self.periods.items()
                    if len(qs) == 1 and qs[0] == p and (end - self.data_end).days + FOLLOW_UP_DAYS <= 0}
        for (m, p, a, g) in [key for key in self.cells if key[0] == "pool_sample"]:
            event = int(p.split(":")[1])
            parts = [("mq", muni, q, g) for muni, start in self.starts.items() for q, first in quarters.items()
                     if max(-EVENT_WINDOW, min(EVENT_WINDOW, index(first) - index(start))) == event]
            self.equations.append((parts, (m, p, a, g)))
        for g, counted in LINKS.items():
            if not any(key[0] == "pool_sample" and key[3] == g for key in self.cells):
                continue
            for q in quarters:
                for area in {*(region[muni] for muni in self.starts), "000"}:
                    total = ("cases", q, area, counted)
                    if total in self.cells:
                        self.equations.append(([("mq", muni, q, g) for muni in self.starts
                                                if area == "000" or region[muni] == area], total))

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

    def _period_sums(self, m: str, a: str, g: str, pids: list[str]) -> None:
        """For cases: a period is the sum of its quarters, and of the longest periods that tile it."""
        quarter = {self.periods[p][2][0]: p for p in pids if len(self.periods[p][2]) == 1}
        starting: dict[str, list[str]] = defaultdict(list)  # first quarter -> periods, longest first
        for p in sorted(pids, key=lambda p: -len(self.periods[p][2])):
            if self.periods[p][2]:
                starting[self.periods[p][2][0]].append(p)
        for p in pids:
            quarters = self.periods[p][2]
            if len(quarters) < 2:
                continue
            if all(q in quarter for q in quarters):
                self.equations.append(([(m, quarter[q], a, g) for q in quarters], (m, p, a, g)))
            # One greedy tiling is enough to catch the whole period as the sum of its years; a
            # tiling of quarters alone is the equation above.
            tiles, i = [], 0
            while i < len(quarters):
                fit = next((t for t in starting[quarters[i]] if t != p
                            and self.periods[t][2] == quarters[i:i + len(self.periods[t][2])]), None)
                if fit is None:
                    break
                tiles.append(fit)
                i += len(self.periods[fit][2])
            if i == len(quarters) and any(len(self.periods[t][2]) > 1 for t in tiles):
                self.equations.append(([(m, t, a, g) for t in tiles], (m, p, a, g)))

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
        """(hidden released cells, unknown counts) -> (smallest, largest) value, as _solve_component."""
        unknown = lambda key: key not in self.cells or self.cells[key][1]  # noqa: E731
        # Unknowns that share no equation, even through others, cannot bound each other: each
        # connected group of unknowns is solved with its own equations only.
        parent: dict[tuple, tuple] = {}

        def root(key: tuple) -> tuple:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        rows = []
        for parts, total in self.equations:
            terms = [*((p, 1.0) for p in parts), (total, -1.0)]
            free = [key for key, _ in terms if unknown(key)]
            if not free:
                continue  # shown counts only: nothing to learn
            for key in free:
                parent.setdefault(key, key)
            for key in free[1:]:
                parent[root(key)] = root(free[0])
            rows.append((terms, free[0]))
        components: dict[tuple, list] = defaultdict(list)
        for terms, anchor in rows:
            components[root(anchor)].append(terms)
        bounds = {}
        for equations in components.values():
            bounds.update(self._solve_component(equations, unknown))
        # A hidden cell in no relation at all can be anything.
        bounds.update({key: (0.0, math.inf) for key, (_, h) in self.cells.items() if h and key not in bounds})
        hidden = {k: v for k, v in bounds.items() if k in self.cells}
        return hidden, {k: v for k, v in bounds.items() if k not in self.cells}

    def _solve_component(self, equations: list[list[tuple[tuple, float]]], unknown) -> dict[tuple, tuple[float, float]]:
        """Each unknown's smallest and largest value in one connected system, exact where a test could fail."""
        keys = sorted({key for terms in equations for key, _ in terms if unknown(key)}, key=repr)
        column = {key: j for j, key in enumerate(keys)}
        starts, index, coefficient, b = [], [], [], []
        for terms in equations:
            row: dict[int, float] = defaultdict(float)
            rhs = 0.0
            for key, sign in terms:
                if unknown(key):
                    row[column[key]] += sign
                else:
                    rhs -= sign * self.cells[key][0]
            starts.append(len(index))
            index.extend(row)
            coefficient.extend(row.values())
            b.append(rhs)
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.addVars(len(keys), np.zeros(len(keys)), np.full(len(keys), highspy.kHighsInf))
        highs.addRows(len(b), np.array(b), np.array(b), len(index), np.array(starts, dtype=np.int32),
                      np.array(index, dtype=np.int32), np.array(coefficient))
        low, high = np.full(len(keys), np.inf), np.full(len(keys), -np.inf)
        is_cell = [key in self.cells for key in keys]

        def extreme(j: int, sign: float) -> float:
            # Only the objective changes between programs, so HiGHS starts from the last basis.
            highs.changeColCost(j, sign)
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                value = sign * highs.getInfo().objective_function_value
                x = np.asarray(highs.getSolution().col_value)  # values the unknowns can take together
                np.minimum(low, x, out=low)
                np.maximum(high, x, out=high)
            else:
                unbounded = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)
                assert sign < 0 and status in unbounded, f"{keys[j]}: {status}"
                value = math.inf
            highs.changeColCost(j, 0.0)
            return value

        def settled(j: int) -> bool:
            # Every solution found bounds the range from inside, so an unknown already seen far
            # enough apart keeps that spread and costs no program: a hidden cell seen K apart is
            # not narrow, an unknown seen below 1 or above k - 1 is not pinned to 1..k-1.
            return high[j] - low[j] >= K if is_cell[j] else low[j] < 1 or high[j] > K - 1

        for j in range(len(keys)):
            if settled(j):
                continue
            low[j] = extreme(j, 1.0)
            if not settled(j):
                high[j] = extreme(j, -1.0)
        return {key: (round(float(low[j]), 6), round(float(high[j]), 6)) for key, j in column.items()}


@pytest.fixture(scope="module", params=[0.5, 0.1, pytest.param(1.0, marks=pytest.mark.slow)],
                ids=["half", "sparse-0.1", "default"])
def intruder(request, synthetic_db) -> Intruder:
    return Intruder(synthetic_db(request.param))


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


def test_every_relation_holds_on_the_shown_counts(intruder):
    # A relation the intruder only assumes (started yes + no = all cases, say) would attack a
    # release that does not exist: where every member is shown, each must add up exactly.
    shown = lambda key: key in intruder.cells and not intruder.cells[key][1]  # noqa: E731
    checked = [(parts, total) for parts, total in intruder.equations if all(map(shown, (*parts, total)))]
    wrong = [(parts, total) for parts, total in checked
             if sum(intruder.cells[p][0] for p in parts) != intruder.cells[total][0]]
    assert not wrong, f"{len(wrong)} relations do not hold on the shown counts: {wrong[:3]}"
    assert len(checked) > 100


def test_the_intruder_sees_the_case_processing_relations(intruder):
    # The processing theme must stay under attack: its breakdowns, period sums and threshold
    # chains (within t days inside within a later day inside the closed count).
    cases = [(parts, total) for parts, total in intruder.equations if total[0] == "cases"]
    split = {d for parts, total in cases for p in parts if p[0] == "cases" for d in _dims(p[3])
             if _dims(total[3]).get(d) != _dims(p[3])[d]}
    assert {"case_decision", "meeting", "started", "coordinator", "internship"} <= split, split
    assert any(p[1] != total[1] for parts, total in cases for p in parts if p[0] == "cases"), "no period sums"
    chains = {d for parts, _ in cases for p in parts if p[0] == "difference" for d in _dims(p[1][3])
              if d.startswith("within_")}
    assert {"within_meeting", "within_meeting_decision", "within_decision", "within_start", "within_coordinator",
            "within_internship"} <= chains, chains
