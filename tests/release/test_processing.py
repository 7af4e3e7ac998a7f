"""Case-processing times in the release (release/processing): what a reader of the served file
sees, checked against an independent SQL query on the mart of the same file, hand-worked
Kaplan–Meier values (tests/processing_fixture.py) and lifelines, and the disclosure rules: no
statistic, share, curve point or bin gives back a hidden count, and sparse data withhold whole
blocks instead of hiding them cell by cell.

Ported from tests/analysis/test_processing.py (the old per-view module): the release has only
quarters, years, the whole period and the 4-quarter windows around the events, by country and
region; municipalities only over the whole period; groups only for the country.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

import settings
from etl.load import load
from tests.fixtures import CASES, open_published, write_dataset
from tests.processing_fixture import DATA_END, write_processing_dataset

# lifelines' percentile() reads its step function, which is exact for Kaplan–Meier.
pytestmark = pytest.mark.filterwarnings("ignore::lifelines.exceptions.ApproximationWarning")

K = settings.K_ANONYMITY
STATISTICS = ("median", "q1", "q3", "p90", "naive_median")
QUANTILES = {"median": 0.5, "q1": 0.25, "q3": 0.75, "p90": 0.9}

# --- the served files ---------------------------------------------------------------------------


def _served(folder: Path) -> duckdb.DuckDBPyConnection:
    load([folder], folder.parent / "rf.duckdb")
    return open_published(folder.parent / "rf.duckdb")


def _repeated(folder: Path, copies: int) -> Path:
    """The tiny dataset with every case `copies` times more under new ids."""
    write_dataset(folder)
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        for copy in range(copies):
            for row in CASES:
                f.write(",".join([f"X{copy:02d}{row[0]}", *row[1:]]) + "\n")
    return folder


@pytest.fixture(scope="module")
def handworked_con(tmp_path_factory):
    """The served release of the hand-worked processing dataset."""
    con = _served(write_processing_dataset(tmp_path_factory.mktemp("processing-handworked") / "in"))
    yield con
    con.close()


# One referral, nobody else's, in each of eight quarters: at most 1 to k-1 a quarter.
LONE_QUARTERS = ("2016-05-02", "2016-08-01", "2016-11-01", "2017-11-01", "2018-05-02", "2018-08-01", "2018-11-01",
                 "2019-05-02")


@pytest.fixture(scope="module")
def sparse_con(tmp_path_factory):
    """The tiny dataset five times (every count a multiple of 5) and eight lone referrals, each
    alone in its quarter: most quarters hold 1 to k-1 cases, the whole period none."""
    folder = _repeated(tmp_path_factory.mktemp("processing-sparse") / "in", 4)
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        for i, day in enumerate(LONE_QUARTERS):
            f.write(",".join([f"Y{i}", "101", "M", "30-39", day, *[""] * 10]) + "\n")
    con = _served(folder)
    yield con
    con.close()


@pytest.fixture(scope="module")
def repeated_con(tmp_path_factory):
    """The tiny dataset ten times (every count a multiple of 10: the data carry every block,
    quarters, regions, groups and municipalities), and one man of 60+ referred in København
    beside the ten copies of C08 (2019K1, no team meeting yet): the only 60+ case of 2019."""
    folder = _repeated(tmp_path_factory.mktemp("processing-repeated") / "in", 9)
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        f.write(",".join(["S1", "101", "M", "60+", "2019-02-01", *[""] * 10]) + "\n")
    con = _served(folder)
    yield con
    con.close()


DATABASES = ["handworked_con", "sparse_con", "repeated_con"]


@pytest.fixture(params=DATABASES, ids=["hand-worked", "sparse", "repeated"])
def con(request):
    return request.getfixturevalue(request.param)


def rows(con, query: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(query, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def whole(con) -> str:
    [(period,)] = con.execute("SELECT period FROM rel_periods WHERE kinds = 'whole'").fetchall()
    return period


def stage_row(con, period: str, area: str, stage: str, grp: str = "") -> dict:
    [got] = rows(con, "SELECT * FROM rel_stages WHERE period = $p AND area = $a AND grp = $g AND stage = $s",
                 {"p": period, "a": area, "g": grp, "s": stage})
    return got


# --- the mart, read independently ---------------------------------------------------------------
# One row per referred case of fct_cases with the day the data end; the stages written out from the
# mart's dates (not from release/sql/processing_cases.sql).

CASES_SQL = """
    SELECT c.*, lpad(c.municipality_code::VARCHAR, 3, '0') AS municipality, d.data_end_date AS data_end
    FROM fct_cases c CROSS JOIN meta_dataset d
"""
COURSE = "(decision = 'resource_course' AND decision_date IS NOT NULL)"
INTERNSHIP = "(internship_start_date IS NOT NULL AND internship_start_date <= coalesce(course_end_date, data_end))"
# stage -> (who entered it, who left it, days in it: to the end event, or to the data's end)
STAGE_SQL = {
    "referral_to_team_meeting": (
        "TRUE", "team_meeting_date IS NOT NULL",
        "date_diff('day', referral_date, coalesce(team_meeting_date, data_end))"),
    "team_meeting_to_decision": (
        "team_meeting_date IS NOT NULL", "decision_date IS NOT NULL",
        "date_diff('day', team_meeting_date, coalesce(decision_date, data_end))"),
    "referral_to_decision": (
        "TRUE", "decision_date IS NOT NULL",
        "date_diff('day', referral_date, coalesce(decision_date, data_end))"),
    "decision_to_course_start": (
        COURSE, "course_start_date IS NOT NULL",
        "date_diff('day', decision_date, coalesce(course_start_date, data_end))"),
    # A coordinator named before the decision was there at the decision: day 0.
    "decision_to_coordinator": (
        COURSE, "coordinator_assigned_date IS NOT NULL",
        "greatest(0, date_diff('day', decision_date, coalesce(coordinator_assigned_date, data_end)))"),
    # An internship counts while the course runs; a course that ended without one stops the wait.
    "course_start_to_internship": (
        f"({COURSE} AND course_start_date IS NOT NULL)", INTERNSHIP,
        f"date_diff('day', course_start_date, CASE WHEN {INTERNSHIP} THEN internship_start_date "
        "ELSE coalesce(course_end_date, data_end) END)"),
}
WITHIN = {"within_meeting": "referral_to_team_meeting", "within_meeting_decision": "team_meeting_to_decision",
          "within_decision": "referral_to_decision", "within_start": "decision_to_course_start",
          "within_coordinator": "decision_to_coordinator", "within_internship": "course_start_to_internship"}
# stage -> the breakdowns of its cases, of those who left it and of those still in it
STAGE_DIMS = {
    "referral_to_team_meeting": ({}, {"meeting": "yes"}, {"meeting": "no"}),
    "team_meeting_to_decision": ({"meeting": "yes"}, {"meeting": "yes", "case_decision": "decided"},
                                 {"meeting": "yes", "case_decision": "pending"}),
    "referral_to_decision": ({}, {"case_decision": "decided"}, {"case_decision": "pending"}),
    "decision_to_course_start": ({"case_decision": "resource_course"},
                                 {"case_decision": "resource_course", "started": "yes"},
                                 {"case_decision": "resource_course", "started": "no"}),
    "decision_to_coordinator": ({"case_decision": "resource_course"},
                                {"case_decision": "resource_course", "coordinator": "yes"},
                                {"case_decision": "resource_course", "coordinator": "no"}),
    "course_start_to_internship": ({"case_decision": "resource_course", "started": "yes"},
                                   {"case_decision": "resource_course", "started": "yes", "internship": "yes"},
                                   {"case_decision": "resource_course", "started": "yes", "internship": "no"}),
}
WITHIN_OF = {stage: name for name, stage in WITHIN.items()}


def condition(dim: str, value: str) -> str:
    """SQL on CASES_SQL for one breakdown of a group string."""
    if dim == "sex":
        return f"sex = '{value}'"
    if dim == "age":
        return f"age_band = '{value}'"
    if dim == "case_decision":
        return {"pending": "decision_date IS NULL", "decided": "decision_date IS NOT NULL"}.get(
            value, f"(decision_date IS NOT NULL AND decision = '{value}')")
    yes = {"meeting": "team_meeting_date IS NOT NULL",
           "started": f"({COURSE} AND course_start_date IS NOT NULL)",
           "coordinator": f"({COURSE} AND coordinator_assigned_date IS NOT NULL)",
           "internship": f"({COURSE} AND course_start_date IS NOT NULL AND {INTERNSHIP})"}
    if dim in yes:
        return f"coalesce({yes[dim]}, FALSE)" if value == "yes" else f"NOT coalesce({yes[dim]}, FALSE)"
    if dim in WITHIN:
        _, done, days = STAGE_SQL[WITHIN[dim]]
        return f"({done} AND {days} <= {int(value)})"
    # The pool's breakdowns (release.pool): a grant in the municipality, the citizen's part in the
    # team meeting, the internship completed.
    pool = {"pool": "municipality_code IN (SELECT municipality_code FROM fct_pool_grants)",
            "involved": "team_meeting_date IS NOT NULL AND coalesce(citizen_involved, FALSE)",
            "completed": f"{yes['internship']} AND coalesce(internship_completed, FALSE)"}
    if dim in pool:
        truth = "grant" if dim == "pool" else "yes"
        return f"coalesce({pool[dim]}, FALSE)" if value == truth else f"NOT coalesce({pool[dim]}, FALSE)"
    raise AssertionError(f"unknown breakdown {dim}")


def parse(grp: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in grp.split("|")) if grp else {}


def where(grp: str) -> str:
    return " AND ".join(condition(d, v) for d, v in parse(grp).items()) or "TRUE"


IN_VIEW = """
    c.referral_date BETWEEN p.start_date AND p.end_date
    AND (a.level = 'country' OR (a.level = 'region' AND c.region_code = a.area)
         OR (a.level = 'municipality' AND c.municipality = a.area))
"""


_DURATIONS: dict[tuple, tuple] = {}


def durations(con, period: str, area: str, stage: str, grp: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Days in the stage and whether it ended, per case of a view that entered it, by plain SQL."""
    key = (id(con), period, area, stage, grp)
    if key not in _DURATIONS or _DURATIONS[key][0] is not con:
        _DURATIONS[key] = (con, _durations(con, period, area, stage, grp))
    return _DURATIONS[key][1]


def fitted(con, period: str, area: str, stage: str, grp: str = "") -> KaplanMeierFitter:
    """lifelines' Kaplan–Meier fit of a view's durations."""
    key = (id(con), period, area, stage, grp, "fit")
    if key not in _DURATIONS or _DURATIONS[key][0] is not con:
        days, done = durations(con, period, area, stage, grp)
        _DURATIONS[key] = (con, KaplanMeierFitter().fit(days, event_observed=done))
    return _DURATIONS[key][1]


def _durations(con, period: str, area: str, stage: str, grp: str) -> tuple[np.ndarray, np.ndarray]:
    entered, done, days = STAGE_SQL[stage]
    found = con.execute(f"""
        WITH c AS ({CASES_SQL})
        SELECT {days} AS days, coalesce({done}, FALSE) AS done
        FROM c, rel_periods p, rel_areas a
        WHERE p.period = $p AND a.area = $a AND {IN_VIEW} AND coalesce({entered}, FALSE) AND {where(grp)}
    """, {"p": period, "a": area}).fetchall()
    return np.array([d for d, _ in found], dtype=float), np.array([e for _, e in found], dtype=bool)


def view_group(view: str, dims: dict[str, str]) -> str | None:
    """The group string of a count with these breakdowns inside a view; None where no case can
    be both (waiting for a decision in a view of flex-job decisions)."""
    merged = parse(view)
    for dim, value in dims.items():
        have = merged.get(dim)
        if have is None or have == value:
            merged[dim] = value
        elif dim == "case_decision" and value == "decided" and have != "pending":
            continue
        else:
            return None
    return "|".join(f"{d}={v}" for d, v in sorted(merged.items()))


_CELLS: dict[int, tuple] = {}


def _cell(con, period: str, area: str, grp: str | None) -> tuple[int | None, bool, bool] | None:
    """(value, hidden, released) of a cell of cases; a count no case can have is a shown 0; None
    where the release has no such cell."""
    if grp is None:
        return 0, False, True
    if id(con) not in _CELLS or _CELLS[id(con)][0] is not con:
        _CELLS[id(con)] = (con, {(p, a, g): (v, h, r) for p, a, g, v, h, r in con.execute(
            "SELECT period, area, grp, value, hidden, released FROM rel_cells WHERE measure = 'cases'").fetchall()})
    return _CELLS[id(con)][1].get((period, area, grp))


def _shown(con, period: str, area: str, grp: str | None) -> int | None:
    cell = _cell(con, period, area, grp)
    return cell[0] if cell is not None and cell[2] and not cell[1] else None


def _within_group(view: str, stage: str, days: int) -> str | None:
    return view_group(view, {**STAGE_DIMS[stage][1], WITHIN_OF[stage]: str(days)})


def _curves(con) -> dict[tuple, list[dict]]:
    out: dict[tuple, list[dict]] = {}
    for c in rows(con, "SELECT * FROM rel_stage_curves ORDER BY period, area, grp, stage, days"):
        out.setdefault((c["period"], c["area"], c["grp"], c["stage"]), []).append(c)
    return out


def _band(fitter: KaplanMeierFitter, t: float) -> tuple[float, float]:
    band = fitter.confidence_interval_survival_function_
    return tuple(band[band.index <= t].iloc[-1])


def _greenwood(days: np.ndarray, done: np.ndarray, t: float) -> tuple[float, float]:
    """Kaplan–Meier S(t) and Greenwood's variance, by hand."""
    s, total = 1.0, 0.0
    for u in np.unique(days[done & (days <= t)]):
        n, d = int((days >= u).sum()), int((done & (days == u)).sum())
        s *= 1 - d / n
        total += d / (n * (n - d)) if n > d else 0.0
    return s, s * s * total


def test_the_releases_hold_what_the_checks_check(handworked_con, sparse_con, repeated_con):
    # The checks below run on every release; together the three hold each kind of row, so none
    # of them passes for want of rows.
    def count(query: str) -> int:
        return sum(c.execute(query).fetchall()[0][0] for c in (handworked_con, sparse_con, repeated_con))

    assert count("SELECT count(*) FROM rel_stages WHERE cases_hidden") > 0
    assert count("SELECT count(*) FROM rel_stages WHERE NOT cases_hidden AND cases > 0") > 100
    assert count("SELECT count(*) FROM rel_stages WHERE median_status = 'shown'") > 0
    assert count("SELECT count(*) FROM rel_stage_shares WHERE status = 'shown'") > 0
    assert count("SELECT count(*) FROM rel_stage_curves WHERE days > 0") > 0
    assert count("SELECT count(*) FROM rel_stage_bins WHERE closed > 0") > 0
    assert count("SELECT count(*) FROM rel_stage_differences WHERE NOT hidden AND estimate != 0") > 0
    assert count("SELECT count(*) FROM rel_stage_funnel_points") > 0
    assert count("SELECT count(*) FROM rel_cells WHERE measure = 'cases' AND NOT hidden AND grp LIKE '%within%'") > 0


# --- 1. shown counts against SQL ----------------------------------------------------------------


def test_every_shown_stage_count_equals_an_independent_count(con):
    truth = {}
    for (grp,) in con.execute("SELECT DISTINCT grp FROM rel_stages").fetchall():
        counts = ", ".join(
            f"count(c.referral_date) FILTER (WHERE {entered}) AS \"{stage}.cases\", "
            f"count(c.referral_date) FILTER (WHERE {entered} AND coalesce({done}, FALSE)) AS \"{stage}.closed\", "
            f"count(c.referral_date) FILTER (WHERE {entered} AND NOT coalesce({done}, FALSE)) AS \"{stage}.open\""
            for stage, (entered, done, _) in STAGE_SQL.items())
        for got in rows(con, f"""
            WITH c AS ({CASES_SQL}), chosen AS (SELECT * FROM c WHERE {where(grp)}),
                 views AS (SELECT DISTINCT period, area FROM rel_stages WHERE grp = $g)
            SELECT v.period, v.area, {counts}
            FROM views v JOIN rel_periods p USING (period) JOIN rel_areas a USING (area)
            LEFT JOIN chosen c ON {IN_VIEW}
            GROUP BY ALL""", {"g": grp}):
            truth[(got["period"], got["area"], grp)] = got
    compared = set()
    for r in rows(con, "SELECT s.*, p.kinds, a.level FROM rel_stages s JOIN rel_periods p USING (period) "
                       "JOIN rel_areas a USING (area)"):
        want = truth[(r["period"], r["area"], r["grp"])]
        for column in ("cases", "closed", "open"):
            if r[f"{column}_hidden"]:
                assert r[column] is None, r
            else:
                assert r[column] == want[f"{r['stage']}.{column}"], (r["period"], r["area"], r["grp"], r["stage"],
                                                                     column, r[column], want[f"{r['stage']}.{column}"])
                compared.add((r["grp"], r["kinds"], r["level"]))
    # Among them the views a reader opens first: the whole country, and where the release has
    # them (sparse data withhold them) a region's year and a group.
    assert ("", "whole", "country") in compared
    [(regions, groups)] = con.execute("SELECT count(*) FILTER (WHERE level = 'region' AND period IN "
                                      "(SELECT period FROM rel_periods WHERE kinds LIKE '%year%')), "
                                      "count(*) FILTER (WHERE grp != '') "
                                      "FROM rel_stages JOIN rel_areas USING (area) WHERE NOT cases_hidden").fetchall()
    assert regions == 0 or any("year" in kinds.split(",") and level == "region" for _, kinds, level in compared)
    assert groups == 0 or any(grp for grp, _, _ in compared)
    [(n,)] = con.execute("SELECT count(*) FROM fct_cases").fetchall()
    assert stage_row(con, whole(con), "000", "referral_to_decision")["cases"] == n


def test_every_shown_count_of_cases_equals_an_independent_count(con):
    # Every released and shown cell of the theme, the counts closed within t days included.
    compared = 0
    for (grp,) in con.execute("SELECT DISTINCT grp FROM rel_cells WHERE measure = 'cases' AND released "
                              "AND NOT hidden").fetchall():
        for period, area, value, want in con.execute(f"""
            WITH c AS ({CASES_SQL}), chosen AS (SELECT * FROM c WHERE {where(grp)}),
                 shown AS (SELECT period, area, value FROM rel_cells
                           WHERE measure = 'cases' AND grp = $g AND released AND NOT hidden)
            SELECT s.period, s.area, s.value, count(c.referral_date)
            FROM shown s JOIN rel_periods p USING (period) JOIN rel_areas a USING (area)
            LEFT JOIN chosen c ON {IN_VIEW}
            GROUP BY ALL""", {"g": grp}).fetchall():
            assert value == want, (period, area, grp, value, want)
            compared += 1
    assert compared > 0


# --- 2. hand-worked Kaplan–Meier (tests/processing_fixture.py) ----------------------------------
# The whole country over the whole period: 146 referred cases. Referral -> team meeting, closed:
# 18 after 10 days (Aarhus 5 + 5 seniors, Odense's 8 seniors), 10 after 20, 30 after 30 (Aarhus 5,
# Odense 25), 5 after 40, 5 after 50, 43 after 60 (København 40, Frederiksberg 3), 3 after 350;
# open: Aarhus 5 each after 25, 45, 200 and 300 days, and the 12 seniors of 2018 still waiting.
SENIOR_WAITS = ([(DATA_END - (date(2018, 3, 1) + timedelta(days=7 * i))).days for i in range(5, 10)]   # Aarhus
                + [(DATA_END - (date(2018, 3, 1) + timedelta(days=7 * i))).days for i in range(8, 10)]  # Odense
                + [(DATA_END - (date(2018, 3, 1) + timedelta(days=7 * i))).days for i in range(5)])     # København
MEETING = ([10] * 18 + [20] * 10 + [30] * 30 + [40] * 5 + [50] * 5 + [60] * 43 + [350] * 3,
           [25] * 5 + [45] * 5 + [200] * 5 + [300] * 5 + SENIOR_WAITS)
# At risk and ended, by hand:
#   t=10: 146, 18 end -> 128/146;  t=20: 128, 10 -> 118/146;  5 open at 25 leave
#   t=30: 113, 30 -> * 83/113;  t=40: 83, 5 -> * 78/83;  5 open at 45 leave;  t=50: 73, 5 -> * 68/73
#   t=60: 68, 43 -> * 25/68 = 0.191 (S(50) = 0.520 > 0.5: the median is 60, and so is q3)
#   10 open at 200 and 300 leave;  t=350: 15, 3 -> * 12/15 = 0.153 (never 0.1: no p90)
S_MEETING = {10: Fraction(128, 146), 20: Fraction(118, 146)}
S_MEETING[30] = S_MEETING[20] * Fraction(83, 113)
S_MEETING[40] = S_MEETING[30] * Fraction(78, 83)
S_MEETING[50] = S_MEETING[40] * Fraction(68, 73)
S_MEETING[60] = S_MEETING[50] * Fraction(25, 68)
S_MEETING[350] = S_MEETING[60] * Fraction(12, 15)


def _at(steps: dict[int, Fraction], t: int) -> Fraction:
    """S(t) of a step function given at its steps."""
    past = [u for u in steps if u <= t]
    return steps[max(past)] if past else Fraction(1)


def _fitter(closed: list[float], open_: list[float] = ()) -> KaplanMeierFitter:
    observed = [True] * len(closed) + [False] * len(open_)
    return KaplanMeierFitter().fit(list(closed) + list(open_), event_observed=observed)


def test_referral_to_team_meeting_equals_the_hand_worked_kaplan_meier(handworked_con):
    period = whole(handworked_con)
    got = stage_row(handworked_con, period, "000", "referral_to_team_meeting")
    assert (got["cases"], got["closed"], got["open"]) == (146, 114, 32)
    assert (got["median"], got["q1"], got["q3"]) == (60, 30, 60)
    assert got["p90"] is None and got["p90_status"] == "missing"
    # Dropping the 32 open cases would say 30 days: the 57th and 58th of the 114 closed.
    assert got["naive_median"] == 30 < got["median"]
    fitter = _fitter(*MEETING)
    assert fitter.median_survival_time_ == 60 and (fitter.percentile(0.75), fitter.percentile(0.25)) == (30, 60)
    lower, upper = median_survival_times(fitter.confidence_interval_).iloc[0]
    assert (got["median_lower"], got["median_upper"]) == (lower, upper)
    # The shares still waiting after each threshold, where shown, and the curve's points.
    shares = rows(handworked_con, "SELECT * FROM rel_stage_shares WHERE period = $p AND area = '000' AND grp = '' "
                                  "AND stage = 'referral_to_team_meeting' AND status = 'shown'", {"p": period})
    curve = _curves(handworked_con).get((period, "000", "", "referral_to_team_meeting"), [])
    assert shares and len(curve) > 2
    for point in [*shares, *curve[1:]]:
        t = point["days"]
        value = point.get("estimate", point.get("waiting"))
        assert value == pytest.approx(float(_at(S_MEETING, t))), point
        assert (point["lower"], point["upper"]) == pytest.approx(_band(fitter, t)), point
        assert value == pytest.approx(float(fitter.survival_function_at_times(t).iloc[0]))


def test_team_meeting_to_decision_equals_the_hand_worked_kaplan_meier(handworked_con):
    # 114 met the team: Odense's 25 decided 10 days later, Aarhus' 33 after 14, the 43 of
    # Hovedstaden after 20; the 13 seniors who met in 2018 still wait. S(10) = 89/114,
    # S(14) = 56/114 (the median and q1), S(20) = 13/114 (q3; never 0.1: no p90).
    got = stage_row(handworked_con, whole(handworked_con), "000", "team_meeting_to_decision")
    assert (got["cases"], got["closed"], got["open"]) == (114, 101, 13)
    assert (got["median"], got["q1"], got["q3"], got["p90_status"]) == (14, 14, 20, "missing")
    assert got["naive_median"] == 14  # 25 x 10, 33 x 14, 43 x 20: the 51st
    [share] = rows(handworked_con, "SELECT * FROM rel_stage_shares WHERE period = $p AND area = '000' AND grp = '' "
                                   "AND stage = 'team_meeting_to_decision' AND days = 28", {"p": whole(handworked_con)})
    assert share["status"] == "shown" and share["estimate"] == pytest.approx(13 / 114)


def test_odense_waits_for_a_coordinator_from_day_zero(handworked_con):
    # The country's ressourceforløb are Odense's 25: a coordinator named 5 days before the
    # decision for 5 (day 0), after 7 days for 10, after 30 for 5, never for 5:
    # S(0) = 0.8, S(7) = 0.4, S(30) = 0.2.
    period = whole(handworked_con)
    got = stage_row(handworked_con, period, "000", "decision_to_coordinator")
    assert (got["cases"], got["closed"], got["open"]) == (25, 20, 5)
    assert (got["median"], got["q1"], got["q3"], got["naive_median"]) == (7, 7, 30, 7)
    assert got["p90_status"] == "missing"
    shares = {r["days"]: r for r in rows(
        handworked_con, "SELECT * FROM rel_stage_shares WHERE period = $p AND area = '000' AND grp = '' "
                        "AND stage = 'decision_to_coordinator'", {"p": period})}
    assert shares[28]["estimate"] == pytest.approx(0.4) and shares[56]["estimate"] == pytest.approx(0.2)
    never = [(DATA_END - date(2019, 1, 15) - timedelta(days=7 * i + 40)).days for i in range(20, 25)]
    fitter = _fitter([0] * 5 + [7] * 10 + [30] * 5, never)
    assert (shares[28]["lower"], shares[28]["upper"]) == pytest.approx(_band(fitter, 28))
    # Every course started 15 days after its decision: nobody waits beyond the median, which is
    # therefore not shown although 25 cases stand behind it.
    start = stage_row(handworked_con, period, "000", "decision_to_course_start")
    assert (start["cases"], start["closed"], start["open"]) == (25, 25, 0)
    assert start["median"] is None and start["median_status"] == "hidden"


def test_the_internship_wait_stops_when_the_course_ends(handworked_con):
    # Odense's 25 started courses: 10 internships after 60 days (S = 0.6), 5 courses ended after
    # 100 days without one (they stop waiting there), 5 internships after 150 days among the 10
    # still waiting (S = 0.3). Counting the ended courses as waiting to the data's end would say
    # 0.6 * 10/15 = 0.4.
    period = whole(handworked_con)
    got = stage_row(handworked_con, period, "000", "course_start_to_internship")
    assert (got["cases"], got["closed"], got["open"]) == (25, 15, 10)
    assert (got["median"], got["q1"], got["naive_median"]) == (150, 60, 60)
    shares = {r["days"]: r["estimate"] for r in rows(
        handworked_con, "SELECT * FROM rel_stage_shares WHERE period = $p AND area = '000' AND grp = '' AND stage = "
                        "'course_start_to_internship' AND status = 'shown'", {"p": period})}
    assert shares[91] == pytest.approx(0.6) and shares[182] == pytest.approx(0.3)


# --- 3. curves and bins rest on at least k cases --------------------------------------------------

LADDER = (7, 14, 21, 28, 42, 56, 70, 91, 119, 154, 182, 273, 364, 455, 546, 730, 1095, 1460)


def test_curve_points_are_shown_cells_and_each_step_closes_zero_or_k_cases(con):
    for key, points in _curves(con).items():
        period, area, grp, stage = key
        assert points[0]["days"] == 0 and points[0]["waiting"] == 1.0
        days, done = durations(con, period, area, stage, grp)
        fitter = fitted(con, period, area, stage, grp) if len(days) else None
        closed = _shown(con, period, area, view_group(grp, STAGE_DIMS[stage][1]))
        previous_day, previous = 0, 0
        for point in points[1:]:
            t = point["days"]
            # A point is a shown cell «closed within t days», the SQL count ...
            within = _shown(con, period, area, _within_group(grp, stage, t))
            assert within == int((done & (days <= t)).sum()), (key, t, within)
            # ... and between two points 0 or at least k cases closed.
            assert within - previous == 0 or within - previous >= K, (key, previous_day, t, within - previous)
            if point["waiting"] is None:  # no estimate: no case, or none followed that long
                assert fitter is None or t > days.max(), (key, t)
            else:
                assert point["waiting"] == pytest.approx(float(fitter.survival_function_at_times(t).iloc[0]))
                assert (point["lower"], point["upper"]) == pytest.approx(_band(fitter, t))
            assert point["closed_only"] == (None if not closed else pytest.approx(1 - within / closed)), (key, t)
            previous_day, previous = t, within
        # Where k or more still wait after a later day of the ladder, its cell is not shown.
        for t in LADDER:
            if t > previous_day and _shown(con, period, area, _within_group(grp, stage, t)) is not None:
                assert int((days > t).sum()) < K, (key, t)


def test_a_curve_ends_before_fewer_than_k_wait(handworked_con, sparse_con, repeated_con):
    # docs/disclosure.md: «kurven stopper, hvor færre end 5 stadig venter».
    short = []
    for con in (handworked_con, sparse_con, repeated_con):
        for (period, area, grp, stage), points in _curves(con).items():
            days, _ = durations(con, period, area, stage, grp)
            short += [(period, area, grp, stage, p["days"], int((days > p["days"]).sum())) for p in points[1:]
                      if int((days > p["days"]).sum()) < K]
    assert short == []


def test_bins_hold_zero_or_at_least_k_closed_cases(con):
    bins = rows(con, "SELECT * FROM rel_stage_bins ORDER BY period, area, grp, stage, from_day")
    assert [b for b in bins if 0 < b["closed"] < K] == []
    for b in bins:
        days, done = durations(con, b["period"], b["area"], b["stage"], b["grp"])
        upper = np.inf if b["to_day"] is None else b["to_day"]
        assert b["closed"] == int((done & (days >= b["from_day"]) & (days <= upper)).sum()), b
    # A tail (to_day NULL) only where the stage's closed count is shown: the bins add up to it.
    for b in bins:
        if b["to_day"] is None:
            key = (b["period"], b["area"], b["grp"], b["stage"])
            got = stage_row(con, b["period"], b["area"], b["stage"], b["grp"])
            assert not got["closed_hidden"]
            assert sum(x["closed"] for x in bins if (x["period"], x["area"], x["grp"], x["stage"]) == key) \
                == got["closed"]


# --- 4. no statistic gives back a hidden count --------------------------------------------------


def test_a_hidden_count_of_cases_hides_every_statistic_of_its_row(con):
    for r in rows(con, "SELECT * FROM rel_stages WHERE cases_hidden"):
        assert r["cases"] is None
        for s in STATISTICS:
            assert r[s] is None and r[f"{s}_status"] == "hidden", (r, s)
        assert r["median_lower"] is None and r["median_upper"] is None
    for s in STATISTICS:
        [(bad,)] = con.execute(f"SELECT count(*) FROM rel_stages WHERE ({s} IS NULL) != ({s}_status != 'shown')"
                               ).fetchall()
        assert bad == 0, s
    [(bad,)] = con.execute("SELECT count(*) FROM rel_stages WHERE median IS NULL AND "
                           "(median_lower IS NOT NULL OR median_upper IS NOT NULL)").fetchall()
    assert bad == 0


def test_stage_counts_are_the_cells_of_the_release(con):
    # The same count is the same cell everywhere: a count the engine hides is hidden in the stage
    # table too, and a count shown there is the shown cell. A view of a block the data do not
    # carry has no row at all (no row of counts that are no cells, marked hidden).
    for r in rows(con, "SELECT * FROM rel_stages"):
        for column, dims in zip(("cases", "closed", "open"), STAGE_DIMS[r["stage"]]):
            cell = _cell(con, r["period"], r["area"], view_group(r["grp"], dims))
            assert cell is not None and cell[2], (r["period"], r["area"], r["grp"], r["stage"], column)
            assert (r[column], r[f"{column}_hidden"]) == (cell[0], cell[1]), (r, column, cell)


def test_statistics_rest_on_at_least_k_cases_on_each_side(con):
    for r in rows(con, "SELECT * FROM rel_stages WHERE median_status = 'shown' OR q1_status = 'shown' "
                       "OR q3_status = 'shown' OR p90_status = 'shown' OR naive_median_status = 'shown'"):
        days, done = durations(con, r["period"], r["area"], r["stage"], r["grp"])
        fitter = fitted(con, r["period"], r["area"], r["stage"], r["grp"])
        for name, q in QUANTILES.items():
            if r[f"{name}_status"] == "shown":
                assert r[name] == fitter.percentile(1 - q), (r, name)
                assert int((done & (days <= r[name])).sum()) >= K and int((days > r[name]).sum()) >= K, (r, name)
        if r["median_status"] == "shown":
            lower, upper = median_survival_times(fitter.confidence_interval_).iloc[0]
            for name, limit in (("median_lower", lower), ("median_upper", upper)):
                if r[name] is not None:
                    assert r[name] == limit, (r, name)
                    assert int((done & (days <= r[name])).sum()) >= K and int((days > r[name]).sum()) >= K
        if r["naive_median_status"] == "shown":
            closed = days[done]
            assert r["naive_median"] == float(np.median(closed))
            assert int((closed <= r["naive_median"]).sum()) >= K and int((closed > r["naive_median"]).sum()) >= K


def test_a_share_is_shown_only_where_its_threshold_count_is_shown(con):
    for s in rows(con, "SELECT * FROM rel_stage_shares"):
        if s["status"] != "shown":
            assert s["estimate"] is None and s["lower"] is None and s["upper"] is None, s
            continue
        view = (s["period"], s["area"])
        assert _shown(con, *view, view_group(s["grp"], STAGE_DIMS[s["stage"]][0])), s
        assert _shown(con, *view, _within_group(s["grp"], s["stage"], s["days"])) is not None, s
        fitter = fitted(con, s["period"], s["area"], s["stage"], s["grp"])
        assert s["estimate"] == pytest.approx(float(fitter.survival_function_at_times(s["days"]).iloc[0])), s
        assert (s["lower"], s["upper"]) == pytest.approx(_band(fitter, s["days"])), s
    [(bad,)] = con.execute("SELECT count(*) FROM rel_stage_shares JOIN rel_stages USING (period, area, grp, stage) "
                           "WHERE cases_hidden AND status != 'hidden'").fetchall()
    assert bad == 0


def test_a_difference_is_shown_only_where_both_windows_shares_are(con):
    status = {(s["period"], s["area"], s["grp"], s["stage"], s["days"]): s["status"]
              for s in rows(con, "SELECT * FROM rel_stage_shares")}
    differences = rows(con, "SELECT * FROM rel_stage_differences")
    for d in differences:
        rest = (d["area"], d["grp"], d["stage"], d["days"])
        if d["hidden"]:
            assert d["estimate"] is None and d["lower"] is None and d["upper"] is None, d
            continue
        assert status[(d["before"], *rest)] == status[(d["after"], *rest)] == "shown", d
        # After minus before, with Greenwood's variances (normal approximation).
        (s0, v0), (s1, v1) = (_greenwood(*durations(con, d[w], d["area"], d["stage"], d["grp"]), d["days"])
                              for w in ("before", "after"))
        half = 1.959963984540054 * np.sqrt(v0 + v1)
        assert (d["estimate"], d["lower"], d["upper"]) == pytest.approx((s1 - s0, s1 - s0 - half, s1 - s0 + half)), d
    windows = rows(con, "SELECT * FROM rel_stage_windows")
    assert {(d["before"], d["after"]) for d in differences} <= {(w["before"], w["after"]) for w in windows}


def test_funnel_points_are_shown_cells_and_the_hidden_municipalities_are_counted(con):
    period = whole(con)
    municipalities = [a for (a,) in con.execute("SELECT area FROM rel_areas WHERE level = 'municipality'").fetchall()]
    points = rows(con, "SELECT * FROM rel_stage_funnel_points")
    for n in rows(con, "SELECT * FROM rel_stage_funnel_national"):
        stage, days = n["stage"], n["days"]
        found, left_out = {}, 0
        for m in municipalities:
            cases = _shown(con, period, m, view_group("", STAGE_DIMS[stage][0]))
            within = _shown(con, period, m, _within_group("", stage, days))
            if cases and within is not None:
                found[m] = (cases, within)
            elif cases is None or cases > 0:
                left_out += 1  # hidden or withheld: whether it has any case at all is not told
        got = {p["area"]: p for p in points if (p["stage"], p["days"]) == (stage, days)}
        assert set(got) == set(found) and n["left_out"] == left_out, (stage, days, set(got), set(found), left_out)
        for m, (cases, within) in found.items():
            assert got[m]["cases"] == cases >= K and got[m]["share"] == pytest.approx((cases - within) / cases)
        if n["share"] is not None:
            cases = _shown(con, period, "000", view_group("", STAGE_DIMS[stage][0]))
            within = _shown(con, period, "000", _within_group("", stage, days))
            assert n["share"] == pytest.approx((cases - within) / cases), n


def test_hidden_cells_of_cases_hold_no_value(con):
    [(bad,)] = con.execute("SELECT count(*) FROM rel_cells WHERE measure = 'cases' AND (hidden OR NOT released) "
                           "AND value IS NOT NULL").fetchall()
    assert bad == 0
    [(small,)] = con.execute("SELECT count(*) FROM rel_cells WHERE measure = 'cases' AND value BETWEEN 1 AND $k",
                             {"k": K - 1}).fetchall()
    assert small == 0


# --- 5. sparse data -------------------------------------------------------------------------------

IS_QUARTER = "list_contains(string_split(p.kinds, ','), 'quarter')"


def test_sparse_data_load_certified_and_withhold_whole_blocks(sparse_con):
    [(k, low, high)] = sparse_con.execute("SELECT k, narrowest_low, narrowest_high FROM rel_certificate").fetchall()
    assert k == K and (low is None or high - low >= K)
    # Most quarters hold 1 to k-1 referred cases (the lone ones) ...
    counts = [n for (n,) in sparse_con.execute(
        f"WITH c AS ({CASES_SQL}) SELECT count(*) FROM c GROUP BY year(referral_date), quarter(referral_date)"
        ).fetchall()]
    assert sum(1 <= n < K for n in counts) > sum(n >= K for n in counts)
    # ... so the quarters are withheld whole, not released with most of them hidden: no stage
    # row and no released cell of a quarter.
    [(quarters,)] = sparse_con.execute(f"SELECT count(*) FROM rel_periods p WHERE {IS_QUARTER}").fetchall()
    assert quarters > 0
    [(stage_rows,)] = sparse_con.execute(
        f"SELECT count(*) FROM rel_stages s JOIN rel_periods p USING (period) WHERE {IS_QUARTER}").fetchall()
    [(cells,)] = sparse_con.execute(
        f"SELECT count(*) FROM rel_cells c JOIN rel_periods p USING (period) WHERE c.measure = 'cases' "
        f"AND c.released AND {IS_QUARTER}").fetchall()
    assert stage_rows == cells == 0
    # The whole country over the whole period is there, every count shown: 5 x 8 + 8 referred,
    # the lone 8 and the 5 copies of C08 still waiting for the team meeting.
    got = stage_row(sparse_con, whole(sparse_con), "000", "referral_to_team_meeting")
    assert (got["cases"], got["closed"], got["open"]) == (5 * len(CASES) + len(LONE_QUARTERS), 35, 13)
    assert not (got["cases_hidden"] or got["closed_hidden"] or got["open_hidden"])


def test_data_that_carry_every_block_hide_only_the_small_group(repeated_con):
    levels = dict(repeated_con.execute(
        f"SELECT CASE WHEN {IS_QUARTER} THEN 'quarter' ELSE a.level END || CASE WHEN grp = '' THEN '' ELSE '+group' "
        "END, count(*) FROM rel_stages s JOIN rel_periods p USING (period) JOIN rel_areas a USING (area) "
        "WHERE NOT cases_hidden GROUP BY 1").fetchall())
    assert {"quarter", "country", "country+group", "region", "municipality"} <= set(levels)
    # The one 60+ case of 2019 is hidden, and so is at least one more age band of 2019, or the
    # year minus the other bands would give it back.
    got = stage_row(repeated_con, "2019", "000", "referral_to_team_meeting", "age=60+")
    assert got["cases"] is None and got["cases_hidden"] and got["median_status"] == "hidden"
    [(partners,)] = repeated_con.execute(
        "SELECT count(*) FROM rel_stages WHERE period = '2019' AND area = '000' AND grp LIKE 'age=%' "
        "AND grp != 'age=60+' AND stage = 'referral_to_team_meeting' AND cases_hidden").fetchall()
    assert partners >= 1
    assert stage_row(repeated_con, "2019", "000", "referral_to_team_meeting")["cases"] == 11
