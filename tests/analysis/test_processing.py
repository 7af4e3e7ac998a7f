"""Case-processing times: hand-worked Kaplan–Meier values on tests/processing_fixture.py, every
figure against an independent SQL query and lifelines on synthetic data, and disclosure control
(small cells, views one filter apart, regions against the country, municipalities against their
region)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from lifelines import KaplanMeierFitter

import settings
from analysis import processing
from release.disclosure import suppression
from stats.funnel import binomial_funnel, binomial_position
from analysis.database import LiveDatabase
from analysis.processing import CaseFilter
from etl.generate import generate
from etl.load import load
from tests.processing_fixture import (
    AARHUS, COPENHAGEN, FREDERIKSBERG, ODENSE, SENIORS_2018, SVENDBORG, VIEW, write_processing_dataset,
    write_sibling_dataset,
)

K = settings.K_ANONYMITY
STAGES = list(processing.STAGES)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> LiveDatabase:
    base = tmp_path_factory.mktemp("processing")
    pointer = base / "rf.duckdb"
    load([write_processing_dataset(base / "in")], pointer)
    live = LiveDatabase(pointer)
    live.refresh()
    return live


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> LiveDatabase:
    """Generated data small enough that many municipal and filtered cells hold 1 to 4 cases."""
    base = tmp_path_factory.mktemp("processing-synthetic")
    generate(base / "in", scale=0.03, seed=5)
    pointer = base / "rf.duckdb"
    load([base / "in"], pointer)
    live = LiveDatabase(pointer)
    live.refresh()
    return live


def row(table, stage: str) -> dict:
    return table.frame.filter(table.frame["stage"] == stage).row(0, named=True)


# --- independent SQL: durations from the mart's own day counts, not from the module's query ------

# stage -> (who entered, days to the end event in fct_cases, day the stage started, course end?)
STAGE_SQL = {
    "referral_to_team_meeting": ("true", "days_referral_to_team_meeting", "referral_date"),
    "team_meeting_to_decision": ("team_meeting_date is not null", "days_team_meeting_to_decision", "team_meeting_date"),
    "referral_to_decision": ("true", "days_referral_to_decision", "referral_date"),
    "decision_to_course_start": ("decision = 'resource_course' and decision_date is not null",
                                 "days_decision_to_course_start", "decision_date"),
    "decision_to_coordinator": ("decision = 'resource_course' and decision_date is not null",
                                "days_decision_to_coordinator", "decision_date"),
    "course_start_to_internship": ("course_start_date is not null", "days_course_start_to_internship",
                                   "course_start_date"),
}
WHERE = """
    referral_date between $start and $end
    and ($region is null or region_code = $region)
    and (len($munis) = 0 or list_contains($munis, municipality_code))
    and ($decision is null or decision = $decision)
    and ($sex is null or sex = $sex)
    and ($age is null or age_band = $age)
"""


def _params(f: CaseFilter) -> dict:
    return {"start": f.start, "end": f.end, "region": f.region, "munis": list(f.municipalities),
            "decision": f.decision, "sex": f.sex, "age": f.age_band}


def _sql_text(stage: str) -> str:
    """Days and end event per case in a stage, from the mart's day counts (not the module's SQL)."""
    entered, days, start = STAGE_SQL[stage]
    if stage == "course_start_to_internship":
        # An internship counts while the course runs; otherwise the wait ends with the course.
        done = f"({days} is not null and internship_start_date <= coalesce(course_end_date, e))"
        waited = f"case when {done} then {days} else coalesce(days_in_course, date_diff('day', {start}, e)) end"
    else:
        done = f"({days} is not null)"
        waited = f"coalesce({days}, date_diff('day', {start}, e))"
        if stage == "decision_to_coordinator":
            waited = f"greatest(0, {waited})"  # named before the decision: in place at day 0
    return f"""
        with d as (select data_end_date as e from meta_dataset)
        select {waited} as days, {done} as done, municipality_code, region_code, referral_quarter_start,
               date_diff('day', {start}, e) as followup
        from fct_cases, d
        where {entered} and {WHERE}
    """


def sql_durations(db: LiveDatabase, f: CaseFilter, stage: str) -> pl.DataFrame:
    """(days, done, municipality, region, quarter, follow-up) per case in the stage, by plain SQL."""
    return db.query(_sql_text(stage), _params(f))


def sql_counts(db: LiveDatabase, f: CaseFilter, stage: str) -> tuple[int, int, int]:
    frame = sql_durations(db, f, stage)
    closed = int(frame["done"].sum())
    return frame.height, closed, frame.height - closed


def lifelines_fit(frame) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(frame["days"].to_numpy(), event_observed=frame["done"].to_numpy())


def lifelines_median(frame) -> float | None:
    m = lifelines_fit(frame).median_survival_time_ if frame.height else float("inf")
    return float(m) if np.isfinite(m) else None


# --- the filter ----------------------------------------------------------------------------------


def test_case_filter_is_a_cache_key_with_one_spelling_per_selection():
    a = CaseFilter(*VIEW, municipalities=[147, 101, 147])
    b = CaseFilter(*VIEW, municipalities=(101, 147))
    assert a == b and hash(a) == hash(b) and a.municipalities == (101, 147)


def test_relaxations_leave_out_one_filter_each():
    window = (date(2013, 1, 1), date(2024, 12, 31))
    f = CaseFilter(date(2018, 1, 1), date(2018, 12, 31), region="084", municipalities=(101,),
                   decision="flex_job", sex="F", age_band="30-39")
    got = f.relaxations(window)
    assert replace(f, start=window[0], end=window[1]) in got
    assert replace(f, decision=None) in got and replace(f, sex=None) in got and replace(f, age_band=None) in got
    assert replace(f, municipalities=()) in got and len(got) == 5  # municipalities first, then the region
    assert CaseFilter(*window).relaxations(window) == []
    assert CaseFilter(*window, region="084").relaxations(window) == [CaseFilter(*window)]


# --- hand-worked values (tests/processing_fixture.py) ----------------------------------------------

AARHUS_VIEW = CaseFilter(*VIEW, municipalities=(AARHUS,))
ODENSE_VIEW = CaseFilter(*VIEW, municipalities=(ODENSE,))
# Aarhus, referral -> team meeting, 53 cases: five each closed at 10, 20, 20, 30, 40, 50 days, three
# closed at 350, five each open at 25, 45, 200, 300. At risk and events by hand:
#   t=10: 53 at risk, 5 end -> S = 48/53;  t=20: 48, 10 -> S = 38/53;  (5 open at 25)
#   t=30: 33, 5 -> S = 38/53 * 28/33;  t=40: 28, 5 -> S = 38/53 * 23/33 = 0.4997 (<= 0.5: the median)
#   t=50: 18 at risk after 5 open at 45, 5 end -> S = 38/53 * 23/33 * 13/18;  then 10 open at 200
#   and 300, and the last 3 end at 350 (fewer than k waiting there).
S_AARHUS = {10: Fraction(48, 53), 20: Fraction(38, 53), 30: Fraction(38 * 28, 53 * 33),
            40: Fraction(38 * 23, 53 * 33), 50: Fraction(38 * 23 * 13, 53 * 33 * 18)}


def test_stage_summary_equals_hand_worked_kaplan_meier(db):
    table = processing.stage_summaries(db, AARHUS_VIEW, 35)
    got = row(table, "referral_to_team_meeting")
    assert (got["cases"], got["closed"], got["open"]) == (53, 33, 20)
    assert got["median"] == 40 and got["q1"] == 20  # first days with S <= 0.5 and S <= 0.75
    # q3 and p90 are reached only at 350, where 3 cases were still waiting: one person's duration.
    assert got["q3"] is None and got["p90"] is None
    assert table.is_hidden("q3")[0] and table.is_hidden("p90")[0]
    # Closed only: 5x10, 10x20, 5x30, 5x40, 5x50, 3x350 -> the 17th of 33 is 30.
    assert got["naive_median"] == 30
    assert got["share_over"] == pytest.approx(float(S_AARHUS[30]))  # S(35) = S(30)
    fitter = KaplanMeierFitter().fit(
        [10] * 5 + [20] * 10 + [30] * 5 + [40] * 5 + [50] * 5 + [350] * 3 + [25] * 5 + [45] * 5 + [200] * 5 + [300] * 5,
        event_observed=[True] * 33 + [False] * 20)
    band = fitter.confidence_interval_survival_function_
    assert (got["share_over_lower"], got["share_over_upper"]) == pytest.approx(tuple(band.loc[30.0]))


def test_dropping_open_cases_visibly_shortens_the_median(db):
    got = row(processing.stage_summaries(db, AARHUS_VIEW, 35), "referral_to_team_meeting")
    assert got["naive_median"] == 30 < got["median"] == 40
    curve = processing.curve(db, AARHUS_VIEW, "referral_to_team_meeting")
    at = {t: s for t, s in curve.steps}
    naive = {t: s for t, s in curve.naive_steps}
    # Closed only, S(40) = 8/33 of the closed still waiting; with the open ones it is 0.4997.
    assert naive[40.0] == pytest.approx(8 / 33) and at[40.0] == pytest.approx(float(S_AARHUS[40]))
    assert all(naive[t] < at[t] for t in (20.0, 30.0, 40.0, 50.0))


def test_curve_steps_are_exact_and_stop_where_fewer_than_k_wait(db):
    curve = processing.curve(db, AARHUS_VIEW, "referral_to_team_meeting")
    assert curve.n.value == 53 and curve.open.value == 20 and not curve.hidden
    assert [t for t, _ in curve.steps] == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 300.0]
    assert [s for _, s in curve.steps] == pytest.approx([1.0] + [float(S_AARHUS[t]) for t in (10, 20, 30, 40, 50)]
                                                        + [float(S_AARHUS[50])])
    # The three ends at day 350 would be a step resting on three persons: the curve stops at 300.
    assert curve.truncated_at == 300.0
    fitter = KaplanMeierFitter().fit(
        [10] * 5 + [20] * 10 + [30] * 5 + [40] * 5 + [50] * 5 + [350] * 3 + [25] * 5 + [45] * 5 + [200] * 5 + [300] * 5,
        event_observed=[True] * 33 + [False] * 20)
    band = fitter.confidence_interval_survival_function_
    for (t, _), lower, upper in zip(curve.steps[1:], curve.lower[1:], curve.upper[1:]):
        assert (lower, upper) == pytest.approx(tuple(band.loc[t]))


def test_internship_wait_is_censored_when_the_course_ends(db):
    # Odense, 25 started courses: 10 internships at 60 days (S = 15/25 = 0.6), 5 courses ended at 100
    # without one (they stop waiting), 5 internships at 150 among the 10 still waiting (S = 0.3).
    # Censoring the ended courses at the data's end instead would give 0.6 * 10/15 = 0.4.
    table = processing.stage_summaries(db, ODENSE_VIEW, 200)
    got = row(table, "course_start_to_internship")
    assert (got["cases"], got["closed"], got["open"]) == (25, 15, 10)
    assert got["share_over"] == pytest.approx(0.3)
    assert got["median"] == 150 and got["q1"] == 60 and got["naive_median"] == 60


def test_coordinator_named_before_the_decision_counts_as_day_zero(db):
    # 5 named before the decision (day 0), 10 at 7 days, 5 at 30, 5 never: S(0) = 0.8, S(7) = 0.4,
    # S(30) = 0.2.
    table = processing.stage_summaries(db, ODENSE_VIEW, 0)
    got = row(table, "decision_to_coordinator")
    assert (got["cases"], got["closed"], got["open"]) == (25, 20, 5)
    assert got["share_over"] == pytest.approx(0.8)
    assert got["median"] == 7 and got["q3"] == 30 and got["naive_median"] == 7
    assert row(processing.stage_summaries(db, ODENSE_VIEW, 30), "decision_to_coordinator")["share_over"] == pytest.approx(0.2)


def test_only_ressourceforloeb_decisions_wait_for_a_course(db):
    # Aarhus decides flex jobs only: nobody enters the course stages. A true zero, and no median.
    table = processing.stage_summaries(db, AARHUS_VIEW, 35)
    for stage in ("decision_to_course_start", "decision_to_coordinator", "course_start_to_internship"):
        got = row(table, stage)
        assert (got["cases"], got["closed"], got["open"]) == (0, 0, 0)
        assert got["median"] is None and not table.is_hidden("median")[STAGES.index(stage)]


def test_trend_by_quarter_of_referral(db):
    table = processing.trend(db, AARHUS_VIEW, "referral_to_team_meeting", 35)
    frame = table.frame
    assert frame["quarter_start"].to_list() == processing.quarters(*VIEW)
    by_quarter = dict(zip(frame["quarter_start"].to_list(), frame.iter_rows(named=True)))
    # The open cases were referred 300, 200, 45 and 25 days before the data's end: 2020Q1, 2020Q2
    # and 2020Q4 (ten); all open, so provisional.
    for q, n in ((date(2020, 1, 1), 5), (date(2020, 4, 1), 5), (date(2020, 10, 1), 10)):
        assert by_quarter[q]["cases"] == n and by_quarter[q]["open"] == n and by_quarter[q]["provisional"]
    assert by_quarter[date(2020, 7, 1)]["cases"] == 0  # a true zero
    assert not by_quarter[date(2019, 1, 1)]["provisional"]
    # Aarhus is Region Midtjylland's only municipality: its quarters hide what the region's do.
    region = processing.trend(db, CaseFilter(*VIEW, region="082"), "referral_to_team_meeting", 35)
    for column in ("cases", "open"):
        assert (region.is_hidden(column) & ~table.is_hidden(column)).sum() == 0
        assert region.frame[column].to_list() == frame[column].to_list()
    # Shown quarters are never 1..k-1, and no single hidden quarter is the total minus the rest.
    hidden = table.is_hidden("cases").to_list()
    assert all(h or v == 0 or v >= K for v, h in zip(frame["cases"].to_list(), hidden))
    assert sum(hidden) != 1


def test_small_municipality_and_its_partner_are_hidden(db):
    # Frederiksberg has 3 cases, so it is hidden; Region Hovedstaden (43) is shown, so København
    # (40) must be hidden too, or 43 - 40 would give Frederiksberg away.
    for municipality in (FREDERIKSBERG, COPENHAGEN):
        view = CaseFilter(*VIEW, municipalities=(municipality,))
        assert processing.view_hidden(db, view)
        table = processing.stage_summaries(db, view, 35)
        assert table.frame.drop("stage", "label").null_count().row(0) == (6,) * 11
        assert processing.curve(db, view, "referral_to_team_meeting").steps == []
        assert processing.trend(db, view, "referral_to_team_meeting", 35).frame["cases"].null_count() == 8
    region = processing.stage_summaries(db, CaseFilter(*VIEW, region="084"), 35)
    assert row(region, "referral_to_team_meeting")["cases"] == 43


def test_a_municipality_hides_what_its_region_hides(db):
    # 2018, aged 60+: Region Syddanmark has 2 cases waiting for the team meeting (hidden), so the
    # country's 12 must not be split into "Midtjylland 5, Hovedstaden 5, Syddanmark the rest":
    # Midtjylland's 5 is hidden too. Aarhus is the region's only municipality with cases, so its
    # own view must hide the same cells, or it would show what the region hides (the country minus
    # Aarhus is 7, so no one-filter difference would catch it).
    region = processing.stage_summaries(db, CaseFilter(*SENIORS_2018, region="082", age_band="60+"), 35)
    aarhus = processing.stage_summaries(db, CaseFilter(*SENIORS_2018, municipalities=(AARHUS,), age_band="60+"), 35)
    first = STAGES.index("referral_to_team_meeting")
    assert region.is_hidden("open")[first] and row(region, "referral_to_team_meeting")["cases"] == 10
    for column in ("cases", "closed", "open"):
        for i in range(len(STAGES)):
            if region.is_hidden(column)[i]:
                assert aarhus.is_hidden(column)[i], (STAGES[i], column)
    assert row(aarhus, "referral_to_team_meeting")["cases"] == 10


def test_a_small_count_is_not_its_region_minus_its_neighbours(tmp_path):
    # Region Syddanmark: 7 ressourceforløb without a coordinator, Odense 5, Svendborg 2. Svendborg's
    # 2 is hidden, so Odense's 5 must be too, or 7 - 5 would give it away.
    pointer = tmp_path / "rf.duckdb"
    load([write_sibling_dataset(tmp_path / "in")], pointer)
    siblings = LiveDatabase(pointer)
    siblings.refresh()
    period = (date(2019, 1, 1), date(2020, 12, 31))
    stage = STAGES.index("decision_to_coordinator")
    region = processing.stage_summaries(siblings, CaseFilter(*period, region="083"), 91)
    odense = processing.stage_summaries(siblings, CaseFilter(*period, municipalities=(ODENSE,)), 91)
    svendborg = processing.stage_summaries(siblings, CaseFilter(*period, municipalities=(SVENDBORG,)), 91)
    assert region.frame["open"][stage] == 7 and region.frame["cases"][stage] == 30
    assert svendborg.is_hidden("open")[stage]
    assert odense.is_hidden("open")[stage] and odense.frame["cases"][stage] == 20


def test_view_one_filter_apart_by_a_few_cases_is_hidden(db):
    # Aarhus has 53 cases, 50 of them women: "all" minus "women" would be the 3 men.
    women = CaseFilter(*VIEW, municipalities=(AARHUS,), sex="F")
    assert processing.view_hidden(db, women)
    assert row(processing.stage_summaries(db, women, 35), "referral_to_team_meeting")["cases"] is None
    assert row(processing.stage_summaries(db, AARHUS_VIEW, 35), "referral_to_team_meeting")["cases"] == 53
    region_women = CaseFilter(*VIEW, region="082", sex="F")
    assert processing.view_hidden(db, region_women)


def test_by_region_has_five_regions_and_the_country(db):
    table = processing.by_region(db, CaseFilter(*VIEW, municipalities=(AARHUS,)), "referral_to_team_meeting", 35)
    frame = table.frame
    assert frame["region_code"].to_list() == ["081", "082", "083", "084", "085", "000"]
    assert frame["name"].to_list()[-1] == "Hele landet"
    got = {r["region_code"]: r for r in frame.iter_rows(named=True)}
    assert (got["082"]["cases"], got["082"]["closed"], got["082"]["open"]) == (53, 33, 20)  # area filter ignored
    assert got["082"]["median"] == 40
    assert (got["081"]["cases"], got["081"]["median"]) == (0, None)  # no cases: zero and missing
    assert not table.is_hidden("median")[0]
    assert got["000"]["cases"] == 121


def test_funnel_counts_only_cases_followed_for_the_whole_window(db):
    # Aarhus with 35 days: the 5 cases open after 25 days have not been followed for 35 days.
    # A follow-up of the threshold itself (the page uses the longest offered threshold for all).
    funnel = processing.funnel(db, CaseFilter(*VIEW), "referral_to_team_meeting", 35, followup_days=35)
    points = {r["code"]: r for r in funnel.points.frame.iter_rows(named=True)}
    assert points[str(AARHUS)]["cases"] == 48 and points[str(AARHUS)]["within"] == 20  # 10, 20, 20, 30 days
    assert points[str(ODENSE)]["within"] == 25  # all met after 30 days
    assert funnel.national_share == pytest.approx((20 + 25 + 0 + 0) / (48 + 25 + 40 + 3))
    # Frederiksberg (3) and, to protect it, København are left out.
    assert str(FREDERIKSBERG) not in points and str(COPENHAGEN) not in points and funnel.left_out == 2


def test_distribution_of_closed_durations(db):
    dist = processing.distribution(db, AARHUS_VIEW, "referral_to_team_meeting", 14)
    frame = dist.bins.frame
    # National closed durations: 95th percentile of [10..50 Aarhus, 30 Odense, 60 Kbh/Fbg, 350] is 60,
    # rounded up to whole 14-day bins: the last bin pools everything from 70 days.
    assert dist.tail_from == 70 and frame["bin_start"].to_list() == [0, 14, 28, 42, 56, 70]
    assert frame["bin_end"].to_list() == [13, 27, 41, 55, 69, None]
    truth = [5, 10, 10, 5, 0, 3]  # 10 | 20, 20 | 30, 40 | 50 | - | 350
    hidden = dist.bins.is_hidden("closed").to_list()
    assert [None if h else v for v, h in zip(truth, hidden)] == frame["closed"].to_list()
    assert hidden[5]  # three cases in the tail
    assert dist.closed.value == 33 and dist.open.value == 20


def test_input_is_checked(db):
    with pytest.raises(ValueError):
        processing.stage_summaries(db, AARHUS_VIEW, -1)
    with pytest.raises(ValueError):
        processing.curve(db, AARHUS_VIEW, "referral_to_lunch")
    with pytest.raises(ValueError):
        processing.distribution(db, AARHUS_VIEW, "referral_to_team_meeting", 0)
    for months in (0, 4):
        with pytest.raises(ValueError):
            processing.before_after(db, AARHUS_VIEW, "referral_to_team_meeting", 35, date(2020, 1, 1), months=months)


def test_add_months():
    assert processing.add_months(date(2017, 3, 28), -12) == date(2016, 3, 28)
    assert processing.add_months(date(2020, 1, 31), 1) == date(2020, 2, 29)
    assert processing.add_months(date(2019, 11, 15), 3) == date(2020, 2, 15)


# --- every figure against an independent query (synthetic data) --------------------------------------

EQUALITY_VIEWS = [
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31)),
    CaseFilter(date(2016, 1, 1), date(2019, 12, 31), region="084"),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), sex="F", age_band="40-49"),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), decision="resource_course"),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="084", municipalities=(101,)),
]


@pytest.mark.parametrize("view", EQUALITY_VIEWS, ids=lambda v: f"{v.region}-{v.municipalities}-{v.sex}-{v.decision}")
def test_stage_summaries_equal_sql_and_lifelines(synthetic, view):
    table = processing.stage_summaries(synthetic, view, 91)
    shown = 0
    for i, stage in enumerate(STAGES):
        got = table.frame.row(i, named=True)
        frame = sql_durations(synthetic, view, stage)
        truth = dict(zip(("cases", "closed", "open"), sql_counts(synthetic, view, stage)))
        for column, value in truth.items():
            assert got[column] == (None if table.is_hidden(column)[i] else value), (stage, column)
            shown += not table.is_hidden(column)[i]
        if not table.is_hidden("median")[i]:
            assert got["median"] == lifelines_median(frame)
        if not table.is_hidden("naive_median")[i] and truth["closed"]:
            naive = synthetic.query(f"select median(days) from ({_sql_text(stage)}) where done", _params(view))
            assert got["naive_median"] == pytest.approx(naive.item())
        if not table.is_hidden("share_over")[i] and got["share_over"] is not None:
            assert got["share_over"] == pytest.approx(float(lifelines_fit(frame).survival_function_at_times(91).iloc[0]))
    assert shown > 0


@pytest.mark.parametrize("view", EQUALITY_VIEWS[:3], ids=["country", "region", "women-40s"])
def test_trend_equals_sql_and_lifelines(synthetic, view):
    stage = "referral_to_decision"
    table = processing.trend(synthetic, view, stage, 91)
    frame = sql_durations(synthetic, view, stage)
    checked = 0
    for i, got in enumerate(table.frame.iter_rows(named=True)):
        part = frame.filter(frame["referral_quarter_start"] == got["quarter_start"])
        if not table.is_hidden("cases")[i]:
            assert got["cases"] == part.height
            checked += 1
        if not table.is_hidden("open")[i]:
            assert got["open"] == part.height - int(part["done"].sum())
        if not table.is_hidden("median")[i] and part.height:
            assert got["median"] == lifelines_median(part)
    assert checked > 0
    assert table.frame["quarter_start"].to_list() == processing.quarters(view.start, view.end)


def test_by_region_equals_sql(synthetic):
    view = CaseFilter(date(2013, 1, 1), date(2024, 12, 31), sex="M")
    stage = "decision_to_course_start"
    table = processing.by_region(synthetic, view, stage, 14)
    frame = sql_durations(synthetic, view, stage)
    for i, got in enumerate(table.frame.iter_rows(named=True)):
        part = frame if got["region_code"] == "000" else frame.filter(frame["region_code"] == got["region_code"])
        closed = int(part["done"].sum())
        for column, value in (("cases", part.height), ("closed", closed), ("open", part.height - closed)):
            assert got[column] == (None if table.is_hidden(column)[i] else value)
        if not table.is_hidden("median")[i] and part.height:
            assert got["median"] == lifelines_median(part)
        if not table.is_hidden("share_over")[i] and part.height:
            assert got["share_over"] == pytest.approx(float(lifelines_fit(part).survival_function_at_times(14).iloc[0]))


def test_funnel_equals_sql(synthetic):
    view = CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="081", sex="F")  # the area is ignored
    stage, days = "referral_to_decision", 120
    funnel = processing.funnel(synthetic, view, stage, days)
    # Every threshold counts the cases followed for the longest offered threshold, so the
    # denominators do not change with the threshold.
    frame = sql_durations(synthetic, view.without_area(), stage).filter(
        pl.col("followup") >= max(days, processing.FUNNEL_FOLLOWUP_DAYS))
    per = {m: (int(((g["done"]) & (g["days"] <= days)).sum()), g.height)
           for (m,), g in frame.group_by("municipality_code")}
    within_all = sum(w for w, _ in per.values())
    assert funnel.national_share == pytest.approx(within_all / frame.height)
    points = funnel.points.frame
    for r in points.iter_rows(named=True):
        assert (r["within"], r["cases"]) == per[int(r["code"])]
        assert r["position"] == binomial_position(r["within"], r["cases"], funnel.national_share)
        assert r["within"] == 0 or r["within"] >= K
        assert r["cases"] - r["within"] == 0 or r["cases"] - r["within"] >= K
    assert points.height + funnel.left_out == sum(1 for _, n in per.values() if n > 0)
    # No shown municipality has 1..k-1 events between this threshold and another offered one.
    for r in points.iter_rows(named=True):
        g = frame.filter(pl.col("municipality_code") == int(r["code"]))
        for other in processing.THRESHOLD_DAYS:
            low, high = sorted((days, other))
            between = int((g["done"] & (g["days"] > low) & (g["days"] <= high)).sum())
            assert between == 0 or between >= K, (r["name"], other, between)
    assert funnel.left_out > 0  # small data: some municipalities must be left out
    expected = binomial_funnel(funnel.national_share, [n for _, n in per.values() if n > 0])
    assert funnel.limits == expected


def test_distribution_equals_sql(synthetic):
    view = CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="083")
    stage = "team_meeting_to_decision"
    dist = processing.distribution(synthetic, view, stage, 7)
    closed = sql_durations(synthetic, view, stage).filter(pl.col("done"))["days"].to_numpy()
    national = sql_durations(synthetic, view.without_area(), stage).filter(pl.col("done"))["days"].to_numpy()
    assert dist.tail_from == max(7, int(np.ceil(np.quantile(national, 0.95) / 7)) * 7)
    bins = np.minimum(closed // 7, dist.tail_from // 7)
    truth = np.bincount(bins, minlength=dist.tail_from // 7 + 1).tolist()
    hidden = dist.bins.is_hidden("closed").to_list()
    assert dist.bins.frame["closed"].to_list() == [None if h else v for v, h in zip(truth, hidden)]
    assert not all(hidden)


def test_before_after_equals_sql_and_greenwood(synthetic):
    view = CaseFilter(date(2013, 1, 1), date(2024, 12, 31))
    stage, threshold, cut = "referral_to_decision", 120, date(2017, 3, 28)
    got = processing.before_after(synthetic, view, stage, threshold, cut, months=12)
    # The initiative package's 28 March 2017 falls in 2017K1: the periods meet on 1 April 2017.
    early = sql_durations(synthetic, replace(view, start=date(2016, 4, 1), end=date(2017, 3, 31)), stage)
    late = sql_durations(synthetic, replace(view, start=date(2017, 4, 1), end=date(2018, 3, 31)), stage)
    assert (got.before.start, got.before.end, got.after.start, got.after.end) == (
        date(2016, 4, 1), date(2017, 3, 31), date(2017, 4, 1), date(2018, 3, 31))
    assert got.before.cases.value == early.height and got.after.cases.value == late.height

    def s_and_var(frame):
        fitter = lifelines_fit(frame)
        table = fitter.event_table
        table = table[table.index <= threshold]
        d, n = table["observed"], table["at_risk"]
        s = float(fitter.survival_function_at_times(threshold).iloc[0])
        return s, s**2 * float((d / (n * (n - d))).sum())

    (s0, v0), (s1, v1) = s_and_var(early), s_and_var(late)
    assert got.before.share_over.estimate.value == pytest.approx(s0)
    assert got.after.share_over.estimate.value == pytest.approx(s1)
    assert got.difference.estimate.value == pytest.approx(s1 - s0)
    half = 1.959963984540054 * np.sqrt(v0 + v1)
    assert (got.difference.lower, got.difference.upper) == pytest.approx((s1 - s0 - half, s1 - s0 + half))
    assert got.before.median.estimate.value == lifelines_median(early)
    table = got.table
    assert table.frame["period"].to_list() == ["Før", "Efter"]
    assert table.frame["cases"].to_list() == [early.height, late.height]
    assert table.frame["share_over"].to_list() == pytest.approx([s0, s1])
    assert table.frame["median"][0] == got.before.median.estimate.value


def test_curve_equals_lifelines(synthetic):
    view = CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="082")
    curve = processing.curve(synthetic, view, "referral_to_team_meeting")
    frame = sql_durations(synthetic, view, "referral_to_team_meeting")
    fitter = lifelines_fit(frame)
    days, done = frame["days"].to_numpy(), frame["done"].to_numpy()
    for (before, s_before), (t, s) in zip(curve.steps, curve.steps[1:]):
        assert s == pytest.approx(float(fitter.survival_function_at_times(t).iloc[0]))
        assert int((days >= t).sum()) >= K  # every point stands on at least k cases still waiting
        if s < s_before:  # and every drop on at least k ends
            assert int((done & (days > before) & (days <= t)).sum()) >= K
    assert len(curve.steps) > 2


# --- disclosure over a grid of views (synthetic data) ---------------------------------------------

GRID = [
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31)),
    CaseFilter(date(2018, 1, 1), date(2018, 12, 31)),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="085"),
    CaseFilter(date(2018, 1, 1), date(2018, 12, 31), region="084", sex="F"),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), age_band="60+", decision="flex_job"),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), region="084", municipalities=(101,)),
    CaseFilter(date(2017, 1, 1), date(2019, 12, 31), region="084", municipalities=(101, 147)),
    CaseFilter(date(2013, 1, 1), date(2024, 12, 31), municipalities=(851,), sex="M"),
]
GRID_IDS = ["country", "2018", "sjaelland", "hovedstaden-2018-women", "60+-flexjob", "kbh", "kbh-fbg-2017-19",
            "aalborg-men"]


def _counts(db: LiveDatabase, f: CaseFilter, stage: str) -> dict[str, dict]:
    """Every count of persons a view shows for one stage, by figure and row."""
    summaries = processing.stage_summaries(db, f, 91)
    trend = processing.trend(db, f, stage, 91)
    dist = processing.distribution(db, f, stage, 14)
    return {
        **{f"summary.{c}": dict(zip(STAGES, summaries.frame[c].to_list())) for c in ("cases", "closed", "open")},
        **{f"trend.{c}": dict(zip(trend.frame["quarter_start"].to_list(), trend.frame[c].to_list()))
           for c in ("cases", "open")},
        "bins": dict(zip(dist.bins.frame["bin_start"].to_list(), dist.bins.frame["closed"].to_list()))
        | {"tail": dist.tail_from},
    }


@pytest.mark.parametrize("view", GRID, ids=GRID_IDS)
def test_no_count_of_one_to_four_is_shown(synthetic, view):
    stage = "referral_to_decision"
    for name, values in _counts(synthetic, view, stage).items():
        assert not [v for key, v in values.items() if key != "tail" and v is not None and 0 < v < K], name
    region = processing.by_region(synthetic, view, stage, 91).frame
    for column in ("cases", "closed", "open"):
        assert not [v for v in region[column].to_list() if v is not None and 0 < v < K]
    funnel = processing.funnel(synthetic, view, stage, 91).points.frame
    assert not [v for v in funnel["cases"].to_list() + funnel["within"].to_list() if 0 < v < K]
    curve = processing.curve(synthetic, view, stage)
    for value in (curve.n, curve.open):
        assert value.value is None or not 0 < value.value < K


@pytest.mark.parametrize("view", GRID, ids=GRID_IDS)
def test_views_one_filter_apart_cannot_be_subtracted(synthetic, view):
    stage = "referral_to_decision"
    window = processing.window(synthetic)
    mine = _counts(synthetic, view, stage)
    others = [*view.relaxations(window), *([replace(view, municipalities=(c,)) for c in view.municipalities]
                                           if len(view.municipalities) > 1 else [])]
    compared = 0
    for other in others:
        theirs = _counts(synthetic, other, stage)
        for name, values in mine.items():
            if name == "bins" and values["tail"] != theirs[name]["tail"]:
                continue  # other bins: not the same cells
            for key, a in values.items():
                b = theirs[name].get(key)
                if key != "tail" and a is not None and b is not None:
                    assert not 0 < abs(b - a) < K, (name, key, other, a, b)
                    compared += 1
    assert compared > 0 or not others


# Stages that count the same persons: (stage, column) == (stage, column).
SAME = [(("referral_to_decision", "cases"), ("referral_to_team_meeting", "cases")),
        (("team_meeting_to_decision", "cases"), ("referral_to_team_meeting", "closed")),
        (("decision_to_coordinator", "cases"), ("decision_to_course_start", "cases")),
        (("course_start_to_internship", "cases"), ("decision_to_course_start", "closed"))]


@pytest.mark.parametrize("view", [CaseFilter(date(2018, 1, 1), date(2018, 12, 31), sex="F"),
                                  CaseFilter(date(2013, 1, 1), date(2024, 12, 31), age_band="16-29",
                                             decision="resource_course")], ids=["2018-women", "young-course"])
def test_regions_and_the_country_cannot_be_solved(synthetic, view):
    # The intruder sees every region and the country for all six stages (the tables by_region
    # gives); each small hidden count must stay within an interval at least k wide.
    tables = {stage: processing.by_region(synthetic, view, stage, 91) for stage in STAGES}
    codes = tables[STAGES[0]].frame["region_code"].to_list()
    columns = [(stage, c) for stage in STAGES for c in ("closed", "open", "cases")]
    width = len(columns)

    def cell(area: int, key) -> int:
        return area * width + columns.index(key)

    values, hidden = [], []
    for a, code in enumerate(codes):
        area_view = replace(view, region=None if code == "000" else code)
        for stage, column in columns:
            cases, closed, open_ = sql_counts(synthetic, area_view, stage)
            values.append({"cases": cases, "closed": closed, "open": open_}[column])
            hidden.append(bool(tables[stage].is_hidden(column)[a]))
    equations = []
    for a in range(len(codes)):
        equations += [((cell(a, (s, "closed")), cell(a, (s, "open"))), cell(a, (s, "cases"))) for s in STAGES]
        equations += [((cell(a, x),), cell(a, y)) for x, y in SAME]
    national = len(codes) - 1
    equations += [(tuple(cell(a, key) for a in range(national)), cell(national, key)) for key in columns]
    layout = suppression.Layout(len(values), tuple(equations))
    assert any(hidden)
    small = 0
    for index, (lo, hi) in suppression.attack(values, layout, hidden).items():
        if 0 < values[index] < K:
            small += 1
            assert hi - lo >= K, (codes[index // width], columns[index % width], lo, hi)
    assert small > 0


@pytest.mark.parametrize("view, stage", [
    (CaseFilter(date(2016, 1, 1), date(2020, 12, 31), age_band="60+"), "referral_to_decision"),
    (CaseFilter(date(2018, 1, 1), date(2021, 12, 31)), "course_start_to_internship"),
], ids=["60+", "internship"])
def test_quarters_regions_and_totals_cannot_be_solved_together(synthetic, view, stage):
    # The intruder sees each region's and the country's trend (cases and open per quarter) and
    # their period totals (stage summary): one cube of areas x quarters x (closed, open, cases),
    # closed per quarter never shown. Every small count must keep an interval at least k wide.
    codes = [*synthetic.query("select region_code from ref_region order by 1")["region_code"].to_list(), "000"]
    area_views = [replace(view, region=None if c == "000" else c) for c in codes]
    starts = processing.quarters(view.start, view.end)
    rows = len(starts) + 1
    values, hidden, equations = [], [], []

    def cell(a: int, r: int, c: int) -> int:
        return (a * rows + r) * 3 + c

    for a, area in enumerate(area_views):
        trend = processing.trend(synthetic, area, stage, 91)
        frame = sql_durations(synthetic, area, stage)
        for r, q in enumerate(starts):
            part = frame.filter(pl.col("referral_quarter_start") == q)
            closed = int(part["done"].sum())
            values += [closed, part.height - closed, part.height]
            hidden += [True, bool(trend.is_hidden("open")[r]), bool(trend.is_hidden("cases")[r])]
        summary = processing.stage_summaries(synthetic, area, 91)
        i = STAGES.index(stage)
        closed = int(frame["done"].sum())
        values += [closed, frame.height - closed, frame.height]
        hidden += [bool(summary.is_hidden(c)[i]) for c in ("closed", "open", "cases")]
        for r in range(rows):
            equations.append(((cell(a, r, 0), cell(a, r, 1)), cell(a, r, 2)))
        for c in range(3):
            equations.append((tuple(cell(a, r, c) for r in range(rows - 1)), cell(a, rows - 1, c)))
    national = len(codes) - 1
    for r in range(rows):
        for c in range(3):
            equations.append((tuple(cell(a, r, c) for a in range(national)), cell(national, r, c)))
    layout = suppression.Layout(len(values), tuple(equations))
    small = 0
    for index, (lo, hi) in suppression.attack(values, layout, hidden).items():
        if 0 < values[index] < K:
            small += 1
            assert hi - lo >= K, (codes[index // (rows * 3)], (index // 3) % rows, index % 3, lo, hi)
    assert small > 0


@pytest.mark.parametrize("view", [CaseFilter(date(2023, 1, 1), date(2024, 12, 31)),
                                  CaseFilter(date(2018, 1, 1), date(2018, 12, 31), sex="F")], ids=["recent", "2018-women"])
def test_a_region_and_its_municipalities_cannot_be_solved(synthetic, view):
    # The intruder sees the region's view and every one of its municipalities' views. Per count,
    # the municipalities add up to the region: no small hidden count may be narrowed below k, and
    # no count the region hides may be the sum of shown municipal counts.
    region = "081"
    codes = synthetic.query("select code from ref_municipality where region_code = $r order by code",
                            {"r": region})["code"].to_list()
    regional = processing.stage_summaries(synthetic, replace(view, region=region), 91)
    views = [processing.stage_summaries(synthetic, replace(view, region=region, municipalities=(c,)), 91)
             for c in codes]
    truth = {c: {s: sql_counts(synthetic, replace(view, region=region, municipalities=(c,)), s) for s in STAGES}
             for c in codes}
    layout = suppression.hierarchy_layout({len(codes): list(range(len(codes)))}, len(codes) + 1)
    small = 0
    for i, stage in enumerate(STAGES):
        for j, column in enumerate(("cases", "closed", "open")):
            values = [truth[c][stage][j] for c in codes]
            values.append(sum(values))
            hidden = [bool(v.is_hidden(column)[i]) for v in views] + [bool(regional.is_hidden(column)[i])]
            if hidden[-1]:
                assert any(hidden[:-1]), (stage, column)  # or the municipalities would add up to it
            if not any(hidden):
                continue
            for cell, (lo, hi) in suppression.attack(values, layout, hidden).items():
                if 0 < values[cell] < K:
                    small += 1
                    assert hi - lo >= K, (stage, column, codes[cell] if cell < len(codes) else region, lo, hi)
    assert small > 0


def test_a_hidden_view_shows_nothing(synthetic):
    # A municipality with 1 to 4 cases referred in a quarter of 2018.
    code, quarter = synthetic.query(
        "select municipality_code, referral_quarter_start from fct_cases where referral_year = 2018 "
        "group by all having count(*) between 1 and 4 order by all limit 1").row(0)
    tiny = CaseFilter(quarter, processing.add_months(quarter, 3) - timedelta(days=1), municipalities=(code,))
    assert sql_counts(synthetic, tiny, "referral_to_decision")[0] < K
    assert processing.view_hidden(synthetic, tiny)
    assert processing.stage_summaries(synthetic, tiny, 91).frame.drop("stage", "label").null_count().row(0) == (6,) * 11
    assert processing.curve(synthetic, tiny, "referral_to_decision").steps == []
    assert all(v is None for v in processing.trend(synthetic, tiny, "referral_to_decision", 91).frame["cases"])
    assert all(v is None for v in processing.distribution(synthetic, tiny, "referral_to_decision").bins.frame["closed"])
    after = processing.before_after(synthetic, tiny, "referral_to_decision", 91, tiny.end + timedelta(days=1), months=3)
    assert after.before.cases.value is None and after.difference.estimate.value is None
    assert after.table.is_hidden("cases")[0] and after.table.frame["median"][0] is None


def test_pool_period_and_clear_cache(synthetic):
    span = processing.pool_period(synthetic)
    truth = synthetic.query("select min(period_start), max(period_end) from fct_pool_grants").row(0)
    assert span == truth
    processing.clear_cache()
    assert processing.stage_summaries(synthetic, EQUALITY_VIEWS[0], 91).frame.height == 6


def test_shares_at_two_thresholds_cannot_reveal_the_few_between(db):
    # Aarhus: closed after 10, 20, 20, 30 days (and more). Any offered threshold pair with 1..4
    # cases between them hides the share at both; a share shown at two thresholds differs by 0
    # or at least k cases.
    view = CaseFilter(*VIEW, municipalities=(AARHUS,))
    d = processing._stage(processing._select(processing._cases(db), view), "referral_to_team_meeting")
    shown = {}
    for days in processing.THRESHOLD_DAYS:
        table = processing.stage_summaries(db, view, days)
        if not table.is_hidden("share_over")[0] and table.frame["share_over"][0] is not None:
            shown[days] = table.frame["share_over"][0]
    for a in shown:
        for b in shown:
            if a < b:
                between = int(((d.days > a) & (d.days <= b)).sum())
                assert between == 0 or between >= K
    assert len(shown) >= 2  # the pairs above were really compared


def test_a_share_is_hidden_when_few_cases_lie_between_it_and_another_threshold():
    # 10 cases at 100 days, 3 at 200, 10 at 400: 13 weeks (91) and 26 weeks (182) hold 10
    # between them, but 26 and 52 weeks (364) only the 3 at 200 days.
    days = np.array([100.0] * 10 + [200.0] * 3 + [400.0] * 10)
    assert processing._between_small(days, 182) and processing._between_small(days, 364)
    assert not processing._between_small(days, 91)
