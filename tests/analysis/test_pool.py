"""The pool analysis: a hand-worked difference-in-differences, the planted effects of the synthetic
data recovered (and a placebo without them), quarterly outcomes against plain SQL, and
disclosure control proven by playing the intruder with linear programs."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import linprog
from scipy.stats import t as student_t

import settings
from analysis import pool
from stats.survival import kaplan_meier_summary
from analysis.database import LiveDatabase
from analysis.disclosure import protect_count
from etl.generate import NO_EFFECTS, PLANTED_EFFECTS, generate
from etl.load import load
from tests.fixtures import CASE_COLUMNS, GRANT_COLUMNS, REQUEST_COLUMNS, write_csv

K = settings.K_ANONYMITY
ALL_YEARS = (date(2013, 1, 1), date(2024, 12, 31))
REGIONS = ("081", "082", "083", "084", "085")

# --- the hand-worked dataset ------------------------------------------------------------------
# Seven municipalities, the same number of cases referred in 2017K2 (before the grants start on
# 2017-07-01) and in 2017K3 (after). Four have grants (the treated group), three have none. One
# late referral in Læsø (no grant) sets the data's end to 2020-06-30, so both quarters have two
# years of follow-up. Within a quarter all of a municipality's cases have the same days from
# referral to decision; the first `involved` of them were prepared with the citizen.
# municipality -> (cases per quarter, involved before, involved after, days before, days after)
HAND = {
    101: (10, 3, 8, 100, 80), 751: (6, 2, 4, 90, 84), 851: (5, 1, 3, 110, 101), 813: (2, 1, 1, 100, 100),
    147: (8, 4, 5, 100, 98), 461: (10, 5, 5, 120, 120), 561: (5, 2, 2, 95, 99),
}
TREATED = (101, 751, 851, 813)
HAND_GRANTS = [
    ["G1", "101", "citizen_involvement", "Borgeren først", "2000000", "1500000", "2017-07-01", "2019-06-30"],
    ["G2", "751", "processing_times", "Hurtigere afklaring", "1250000", "", "2017-07-01", "2019-06-30"],
    ["G3", "851", "citizen_involvement", "Sammen om forløbet", "1000000", "900000", "2017-07-01", "2019-12-31"],
    ["G4", "851", "processing_times", "Ét forløb, færre led", "500000", "450000", "2017-07-01", "2019-12-31"],
    ["G5", "813", "company_internships", "Praktik med mening", "300000", "200000", "2017-07-01", "2019-06-30"],
]
HAND_VIEW = pool.PoolFilter(date(2017, 4, 1), date(2017, 9, 30))
# Worked by hand. Every municipality has as many cases before as after, so the two-way fixed
# effects estimate is the case-weighted 2x2 difference-in-differences of the municipalities'
# changes. Involvement (points): treated (10*50 + 6*33.3 + 5*40 + 2*0) / 23 = 900/23, comparison
# (8*12.5 + 10*0 + 5*0) / 23 = 100/23, so 800/23. Days: treated (10*-20 + 6*-6 + 5*-9 + 2*0) / 23
# = -281/23, comparison (8*-2 + 10*0 + 5*4) / 23 = 4/23, so -285/23.
HAND_INVOLVEMENT = 800 / 23
HAND_DAYS = -285 / 23


def _write_hand(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for code, (n, inv_pre, inv_post, days_pre, days_post) in HAND.items():
        for period, first, involved, days in (("pre", date(2017, 4, 3), inv_pre, days_pre),
                                               ("post", date(2017, 7, 3), inv_post, days_post)):
            for i in range(n):
                referral = first + timedelta(days=i)
                rows.append([f"{code}-{period}-{i}", str(code), "F", "30-39", referral.isoformat(),
                             (referral + timedelta(days=days // 2)).isoformat(), "other",
                             (referral + timedelta(days=days)).isoformat(), "true" if i < involved else "false",
                             "", "", "", "", "", ""])
    rows.append(["LATE", "825", "M", "60+", "2020-06-30", "", "", "", "", "", "", "", "", "", ""])
    write_csv(folder / "cases.csv", CASE_COLUMNS, rows)
    write_csv(folder / "pilot_requests.csv", REQUEST_COLUMNS, [])
    write_csv(folder / "pool_grants.csv", GRANT_COLUMNS, HAND_GRANTS)
    return folder


def _live(pointer: Path) -> LiveDatabase:
    live = LiveDatabase(pointer)
    live.refresh()
    return live


@pytest.fixture(scope="module")
def hand(tmp_path_factory) -> LiveDatabase:
    base = tmp_path_factory.mktemp("pool-hand")
    load([_write_hand(base / "in")], base / "rf.duckdb")
    return _live(base / "rf.duckdb")


def _generated(tmp_path_factory, name: str, effects: dict | None) -> LiveDatabase:
    # Scale 0.1 (about 15,000 cases) is the smallest at which the planted effects stand clear of
    # zero; the default seed, as the dashboard ships it.
    base = tmp_path_factory.mktemp(name)
    generate(base / "in", scale=0.1, seed=settings.DEFAULT_SEED, effects=effects)
    load([base / "in"], base / "rf.duckdb")
    return _live(base / "rf.duckdb")


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> LiveDatabase:
    return _generated(tmp_path_factory, "pool-planted", None)


@pytest.fixture(scope="module")
def placebo(tmp_path_factory) -> LiveDatabase:
    return _generated(tmp_path_factory, "pool-placebo", NO_EFFECTS)


def _effect(db: LiveDatabase, f: pool.PoolFilter, outcome: str) -> pool.Effect:
    return next(e for e in pool.effects(db, f) if e.outcome == outcome)


def _sql(db: LiveDatabase, query: str, params: dict | None = None) -> list[tuple]:
    """An independent query on the published file (not through the analysis module)."""
    path = db.store.current()[1]
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or {}).fetchall()
    finally:
        con.close()


# --- the hand-worked difference-in-differences --------------------------------------------------


def test_hand_worked_difference_in_differences(hand):
    involvement = _effect(hand, HAND_VIEW, "citizen_involved")
    days = _effect(hand, HAND_VIEW, "days_referral_to_decision")
    assert involvement.estimate == pytest.approx(HAND_INVOLVEMENT, abs=1e-9)
    assert days.estimate == pytest.approx(HAND_DAYS, abs=1e-9)
    for effect in (involvement, days):
        assert not effect.hidden
        assert effect.n_cases.value == 92
        assert (effect.n_treated_municipalities, effect.n_control_municipalities) == (4, 3)
        assert (effect.pre_quarters, effect.post_quarters) == (1, 1)
        # Four treated municipalities and one quarter on each side: all three weaknesses are named.
        assert any("Kun 4 kommuner" in c for c in effect.caveats)
        assert any("Kun 1 kvartal før" in c for c in effect.caveats)
        assert any("Kun 1 kvartal efter" in c for c in effect.caveats)
    internship = _effect(hand, HAND_VIEW, "internship_within")
    assert internship.estimate is None and "Kan ikke beregnes" in internship.caveats[0]  # no courses


def _case_level_cluster(y: np.ndarray, d: np.ndarray, municipality: np.ndarray, quarter: np.ndarray):
    """OLS with dummies for every municipality and quarter and the CRV1 sandwich, by hand (numpy)."""
    def dummies(codes):
        levels = sorted(set(codes.tolist()))
        return np.array([[c == lv for lv in levels[1:]] for c in codes], dtype=float)

    x = np.column_stack([d, np.ones(len(y)), dummies(municipality), dummies(quarter)])
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    residual = y - x @ beta
    meat = np.zeros((x.shape[1], x.shape[1]))
    clusters = sorted(set(municipality.tolist()))
    for c in clusters:
        score = x[municipality == c].T @ residual[municipality == c]
        meat += np.outer(score, score)
    n, k, g = len(y), x.shape[1], len(clusters)
    cov = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - k)
    return beta[0], math.sqrt(cov[0, 0]), g - 1


def test_clustered_interval_is_the_case_level_sandwich(hand):
    for outcome in ("citizen_involved", "days_referral_to_decision"):
        ys, ds, ms, qs = [], [], [], []
        for code, (n, inv_pre, inv_post, days_pre, days_post) in HAND.items():
            for post, involved, days in ((0, inv_pre, days_pre), (1, inv_post, days_post)):
                for i in range(n):
                    ys.append(100.0 * (i < involved) if outcome == "citizen_involved" else float(days))
                    ds.append(float(post and code in TREATED))
                    ms.append(code)
                    qs.append(post)
        estimate, se, df = _case_level_cluster(np.array(ys), np.array(ds), np.array(ms), np.array(qs))
        effect = _effect(hand, HAND_VIEW, outcome)
        assert effect.estimate == pytest.approx(estimate, abs=1e-9)
        assert effect.se == pytest.approx(se, rel=1e-9)
        half = student_t.ppf(0.975, df) * se  # t with clusters - 1 = 6 degrees of freedom
        assert (effect.lower, effect.upper) == (pytest.approx(estimate - half), pytest.approx(estimate + half))


def test_effect_on_fewer_than_k_persons_is_hidden(hand):
    # Frederikshavn alone has company internships: two cases before and two after.
    view = pool.PoolFilter(HAND_VIEW.start, HAND_VIEW.end, focus_area="company_internships")
    effect = _effect(hand, view, "citizen_involved")
    assert effect.hidden and effect.estimate is None and effect.lower is None
    assert effect.caveats[0].startswith("Skjult")
    assert effect.n_cases.hidden


def test_a_region_without_a_comparison_cannot_be_estimated(hand):
    # Nordjylland: Aalborg and Frederikshavn have grants; Læsø's only case is outside the period.
    effect = _effect(hand, pool.PoolFilter(HAND_VIEW.start, HAND_VIEW.end, region="081"), "citizen_involved")
    assert effect.estimate is None and not effect.hidden
    assert "uden bevilling" in effect.caveats[0]


def test_cost_per_outcome_by_hand(hand):
    involvement, days = pool.cost_per_outcome(hand, HAND_VIEW)
    # Spent where reported (1,5 + 0,9 + 0,45 + 0,2 mio.), granted for Aarhus, which did not report.
    assert involvement.kroner.value == 4_300_000 and "Aarhus (Hurtigere afklaring)" in involvement.kroner_basis
    assert involvement.cases_after_start.value == 23  # the grant group's cases in 2017K3
    # 800/23 points of 23 cases = 8 extra cases; 285/23 days of 23 cases = 285 case-days saved.
    assert involvement.extra == pytest.approx(8.0)
    assert involvement.estimate == pytest.approx(4_300_000 / 8)
    assert days.extra == pytest.approx(285.0)
    assert days.estimate == pytest.approx(4_300_000 / 285)
    effect = _effect(hand, HAND_VIEW, "citizen_involved")
    assert involvement.lower == pytest.approx(4_300_000 / (effect.upper / 100 * 23))
    assert involvement.upper == pytest.approx(4_300_000 / (effect.lower / 100 * 23))


def test_cost_interval_is_unbounded_when_the_effect_may_be_zero():
    effect = pool.Effect("citizen_involved", "procentpoint", 5.0, -1.0, 11.0, 3.0, False, protect_count(100),
                         10, 50, 8, 8, 0.5, "")
    cost = pool._cost("citizen_involved", effect, 1_000_000, "", protect_count(400), date(2018, 1, 1),
                      date(2019, 10, 1))
    assert cost.estimate == pytest.approx(1_000_000 / 20)  # 5 % of 400 cases
    assert cost.lower == pytest.approx(1_000_000 / 44) and cost.upper is None
    assert "ingen øvre grænse" in cost.explanation
    worse = pool._cost("citizen_involved", replace(effect, estimate=-2.0), 1_000_000, "", protect_count(400),
                       date(2018, 1, 1), date(2019, 10, 1))
    assert worse.estimate is None and "ingen forbedring" in worse.explanation


def test_grants_totals_and_published_figures(hand):
    everything = pool.PoolFilter(*ALL_YEARS)
    assert pool.grants(hand, everything).frame.height == 5
    totals = pool.totals(hand, everything)
    assert totals.granted_dkk.value == 5_050_000 and totals.granted_dkk.public
    assert totals.spent_dkk.value == 3_050_000 and totals.granted_reported_dkk.value == 3_800_000
    assert totals.spent_share_reported.value == pytest.approx(3_050_000 / 3_800_000)
    assert (totals.municipalities.value, totals.grants.value, totals.not_reported.value) == (4, 5, 1)
    north = pool.totals(hand, pool.PoolFilter(*ALL_YEARS, region="081"))
    assert (north.municipalities.value, north.grants.value) == (2, 3)
    processing = pool.grants(hand, pool.PoolFilter(*ALL_YEARS, focus_area="processing_times")).frame
    assert sorted(processing["grant_id"].to_list()) == ["G2", "G4"]
    assert processing.filter(processing["grant_id"] == "G4")["spent_share"][0] == pytest.approx(0.9)
    # Grants run until 2019 at the latest: a 2020 view has none.
    assert pool.totals(hand, pool.PoolFilter(date(2020, 1, 1), date(2020, 12, 31))).grants.value == 0
    published = pool.published(hand).frame
    assert published["figure_id"].to_list() == list(pool.PUBLISHED_IDS)
    assert published["value"].to_list() == [40_400_000, 27_000_000, 17]
    assert published["source_title"].null_count() == 0


def test_outcomes_by_quarter_by_hand(hand):
    table = pool.outcomes_by_quarter(hand, HAND_VIEW)
    rows = {(r["quarter_start"], r["group"]): r for r in table.frame.iter_rows(named=True)}
    truth = {
        (date(2017, 4, 1), "grant"): (23, 7, 100.0), (date(2017, 4, 1), "other"): (23, 11, 100.0),
        (date(2017, 7, 1), "grant"): (23, 16, 84.0), (date(2017, 7, 1), "other"): (23, 12, 99.0),
    }
    for key, (cases, involved, median) in truth.items():
        row = rows[key]
        assert row["cases"] in (None, cases) and row["involved"] in (None, involved)
        if row["involved"] is not None and row["involved_base"] is not None:
            assert row["involved_share"] == pytest.approx(involved / cases)
        # 23 persons, all decided: e.g. after the start the grant group has 10 cases at 80 days and
        # 6 at 84, so half have a decision by day 84.
        assert row["median_days"] == median
    assert rows[(date(2017, 7, 1), "grant")]["municipalities"] == 4


# --- the planted effects and the placebo -----------------------------------------------------------


def test_planted_effects_are_recovered_within_their_intervals(planted):
    view = pool.PoolFilter(*ALL_YEARS)
    involvement = _effect(planted, view, "citizen_involved")
    days = _effect(planted, view, "days_referral_to_decision")
    assert involvement.lower <= PLANTED_EFFECTS["citizen_involvement_pp"] <= involvement.upper
    assert days.lower <= -PLANTED_EFFECTS["decision_days_reduction"] <= days.upper
    # ... and stand clear of zero: the intervals are not merely wide.
    assert involvement.lower > 0 and days.upper < 0
    assert involvement.n_treated_municipalities == 17 and involvement.n_control_municipalities == 81


def test_placebo_intervals_cover_zero(placebo):
    for effect in pool.effects(placebo, pool.PoolFilter(*ALL_YEARS)):
        assert effect.lower <= 0 <= effect.upper, effect.outcome


def test_estimate_equals_the_case_level_regression(planted):
    """The cell-level estimator against statsmodels on single cases with every dummy."""
    info = planted.refresh()
    rows = _sql(planted, """
        with starts as (select municipality_code, min(period_start) as start from fct_pool_grants group by all)
        select c.municipality_code, c.referral_quarter_start, c.citizen_involved::double * 100,
               coalesce(c.referral_date >= s.start, false)
        from fct_cases c left join starts s using (municipality_code)
        where c.citizen_involved is not null
          and c.referral_quarter_start + interval 3 month - interval 1 day + interval 730 day <= $end
    """, {"end": info.data_end_date})
    municipality = np.array([r[0] for r in rows])
    quarter = np.array([r[1].toordinal() for r in rows])
    y = np.array([r[2] for r in rows])
    d = np.array([float(r[3]) for r in rows])
    levels_m, levels_q = np.unique(municipality), np.unique(quarter)
    x = np.column_stack([d, np.ones(len(y)),
                         (municipality[:, None] == levels_m[None, 1:]).astype(float),
                         (quarter[:, None] == levels_q[None, 1:]).astype(float)])
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": np.unique(municipality, return_inverse=True)[1]},
                           use_t=True)
    effect = _effect(planted, pool.PoolFilter(*ALL_YEARS), "citizen_involved")
    assert effect.n_cases.value == len(y)
    assert effect.estimate == pytest.approx(fit.params[0], rel=1e-9)
    assert effect.se == pytest.approx(fit.bse[0], rel=1e-9)
    assert (effect.lower, effect.upper) == tuple(pytest.approx(v, rel=1e-9) for v in fit.conf_int()[0])


def test_event_study_reads_plainly(planted):
    view = pool.PoolFilter(*ALL_YEARS)
    frame = pool.event_study(planted, view, "citizen_involved").frame
    assert frame["event"].to_list() == list(range(-8, 9))
    assert frame["label"].to_list()[:2] == ["≤ −8", "−7"] and frame["label"].to_list()[-1] == "≥ 8"
    reference = frame.filter(frame["reference"]).row(0, named=True)
    assert reference["event"] == -1 and (reference["estimate"], reference["lower"], reference["upper"]) == (0, 0, 0)
    for row in frame.iter_rows(named=True):
        assert row["lower"] <= row["estimate"] <= row["upper"]
        assert row["counterfactual_lower"] <= row["counterfactual"] <= row["counterfactual_upper"]
    # Before the start the counterfactual runs through the middle of the observed path (it is the
    # pre-period level moved as the comparison group moved) ...
    gap = frame["observed"] - frame["counterfactual"]
    assert float(gap.filter(frame["event"] < 0).mean()) == pytest.approx(0, abs=1e-9)
    # ... and after it the observed path lies above it by about the difference-in-differences.
    did = _effect(planted, view, "citizen_involved").estimate
    assert abs(float(gap.filter(frame["event"] >= 0).mean()) - did) < 5


# --- quarterly outcomes against SQL ----------------------------------------------------------------


def test_outcomes_by_quarter_equal_plain_sql(planted):
    table = pool.outcomes_by_quarter(planted, pool.PoolFilter(*ALL_YEARS), months=6)
    truth = {(q, g): counts for q, g, *counts in _sql(planted, """
        with grants as (select distinct municipality_code from fct_pool_grants),
        dataset as (select data_end_date as data_end from meta_dataset)
        select referral_quarter_start,
               case when municipality_code in (select municipality_code from grants) then 'grant' else 'other' end,
               count(*), count(citizen_involved), count(*) filter (where citizen_involved),
               count(*) filter (where course_start_date + interval 6 month <= data_end),
               count(*) filter (where course_start_date + interval 6 month <= data_end
                                  and internship_start_date <= course_start_date + interval 6 month),
               count(internship_start_date), count(*) filter (where internship_completed)
        from fct_cases, dataset group by all
    """)}
    columns = ["cases", "involved_base", "involved", "courses", "internship_within", "internships",
               "internships_completed"]
    for i, row in enumerate(table.frame.iter_rows(named=True)):
        expected = dict(zip(columns, truth[(row["quarter_start"], row["group"])]))
        for column in columns:
            if table.is_hidden(column)[i]:
                assert row[column] is None
            else:
                assert row[column] == expected[column], (row["quarter_start"], row["group"], column)
        if row["involved_share"] is not None:
            assert row["involved_share"] == pytest.approx(expected["involved"] / expected["involved_base"])
    # For the whole country the cases and the involvement are shown (nearly) every quarter.
    for column in ("cases", "involved_base", "involved"):
        assert table.frame[column].null_count() <= 4, column


def test_medians_are_kaplan_meier_with_open_cases_censored(planted):
    table = pool.outcomes_by_quarter(planted, pool.PoolFilter(date(2023, 1, 1), date(2024, 12, 31)))
    end = planted.refresh().data_end_date
    for row in table.frame.filter(table.frame["group"] == "other").iter_rows(named=True):
        cases = _sql(planted, """
            select coalesce(days_referral_to_decision, date_diff('day', referral_date, $end)), decision_date is not null
            from fct_cases where referral_quarter_start = $q
              and municipality_code not in (select municipality_code from fct_pool_grants)
        """, {"end": end, "q": row["quarter_start"]})
        summary = kaplan_meier_summary([c[0] for c in cases], [c[1] for c in cases])
        assert row["median_days"] == summary.median


@pytest.mark.parametrize("seed", range(40))
def test_fast_median_equals_the_lifelines_median(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    durations = rng.integers(0, 30, n).astype(float)
    observed = rng.random(n) < rng.uniform(0.1, 1.0)
    expected = kaplan_meier_summary(durations.tolist(), observed.tolist()).median
    assert pool.km_median(durations, observed) == expected


# --- disclosure: no small count, and none that can be solved for -------------------------------


def _views():
    for region in (None, *REGIONS):
        for focus in (None, *pool.FOCUS_AREAS):
            yield region, focus


def test_no_view_shows_a_small_count(planted):
    counts = ["cases", "involved_base", "involved", "courses", "internship_within", "internships",
              "internships_completed"]
    for region, focus in _views():
        for months in pool.INTERNSHIP_MONTHS:
            table = pool.outcomes_by_quarter(planted, pool.PoolFilter(*ALL_YEARS, region, focus), months)
            for column in counts:
                small = table.frame[column].is_between(1, K - 1)
                assert not small.any(), (region, focus, months, column)
            for share, (count, base) in (("involved_share", ("involved", "involved_base")),
                                         ("completed_share", ("internships_completed", "internships"))):
                shown = table.frame[share].is_not_null()
                assert (table.frame.filter(shown)[count].is_not_null() & table.frame.filter(shown)[base].is_not_null()).all()


# The intruder's knowledge: the true counts of every unit (a region's comparison municipalities,
# or its grant municipalities with the same focus areas), written independently of the module.
UNIT_SQL = """
    with focus as (
        select municipality_code, string_agg(distinct focus_area, '+' order by focus_area) as status
        from fct_pool_grants group by all
    ),
    dataset as (select data_end_date as data_end from meta_dataset),
    cases as (
        select c.*, m.region_code as unit_region, coalesce(f.status, 'other') as status, dataset.data_end
        from fct_cases c join ref_municipality m on m.code = c.municipality_code
        left join focus f using (municipality_code) cross join dataset
        where c.referral_quarter_start = $q
    )
    select unit_region, status, {classes} as class, count(*) from cases where class is not null group by all
"""
MEASURES = {
    # measure -> (class expression, {shown column: classes it adds up})
    "involvement": ("case when citizen_involved is null then 'pending' when citizen_involved then 'inv' else 'no' end",
                    {"cases": {"inv", "no", "pending"}, "involved_base": {"inv", "no"}, "involved": {"inv"}}),
    "completion": ("case when internship_start_date is null then null when internship_completed then 'yes' else 'no' end",
                   {"internships": {"yes", "no"}, "internships_completed": {"yes"}}),
    "internship": ("case when course_start_date + interval 12 month <= data_end then "
                   "  case when internship_start_date <= course_start_date + interval 6 month then '12:6' "
                   "       when internship_start_date <= course_start_date + interval 12 month then '12:12' "
                   "       else '12:later' end "
                   "when course_start_date + interval 6 month <= data_end then "
                   "  case when internship_start_date <= course_start_date + interval 6 month then '6:6' "
                   "       else '6:later' end end",
                   {"courses@6": {"12:6", "12:12", "12:later", "6:6", "6:later"}, "internship_within@6": {"12:6", "6:6"},
                    "courses@12": {"12:6", "12:12", "12:later"}, "internship_within@12": {"12:6", "12:12"}}),
}


def _unit_in_view(region: str, status: str, view_region: str | None, group: str, focus: str | None) -> bool:
    if view_region and region != view_region:
        return False
    if group == "other":
        return status == "other"
    return status != "other" and (focus is None or focus in status.split("+"))


def _interval(a_eq, b_eq, objective) -> float:
    """Width of the intruder's interval for objective . x given A x = b, x >= 0."""
    if not a_eq:
        return math.inf
    low = linprog(objective, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=(0, None), method="highs")
    assert low.status == 0
    return math.inf if high.status in (2, 3) else -high.fun - low.fun


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_hidden_small_counts_cannot_be_solved_for_across_views(planted, measure):
    """Every view of a quarter together: each small count, of a unit or a view, keeps an interval
    at least k wide for an intruder who solves linear programs over everything shown."""
    expression, columns = MEASURES[measure]
    tables = {}
    for region, focus in _views():
        for months in pool.INTERNSHIP_MONTHS:
            view = pool.PoolFilter(*ALL_YEARS, region, focus)
            tables[(region, focus, months)] = pool.outcomes_by_quarter(planted, view, months)
    quarters = pool.quarters(pool.PoolFilter(*ALL_YEARS))
    checked = 0
    for q in quarters[::12] + quarters[-2:]:  # old and recent quarters (with open cases)
        atoms = _sql(planted, UNIT_SQL.format(classes=expression), {"q": q})
        index = {(r, s, c): i for i, (r, s, c, _) in enumerate(atoms)}
        truth = np.array([n for *_, n in atoms], dtype=float)
        a_eq, b_eq, small_totals = [], [], []
        for (region, focus, months), table in tables.items():
            for group in ("grant", "other"):
                row = table.frame.filter((table.frame["quarter_start"] == q) & (table.frame["group"] == group))
                if row.is_empty():
                    continue
                for name, classes in columns.items():
                    column, _, at = name.partition("@")
                    if at and int(at) != months:
                        continue
                    members = np.array([float(_unit_in_view(r, s, region, group, focus) and c in classes)
                                        for r, s, c in index])
                    value = row[column][0]
                    if value is not None:
                        assert value == members @ truth  # what is shown is true
                        a_eq.append(members)
                        b_eq.append(value)
                    elif 0 < members @ truth < K:
                        small_totals.append(members)
        for i, value in enumerate(truth):
            if 0 < value < K:
                assert _interval(a_eq, b_eq, np.eye(len(truth))[i]) >= K - 1e-6, (q, atoms[i])
                checked += 1
        for members in small_totals:
            assert _interval(a_eq, b_eq, members) >= K - 1e-6, q
            checked += 1
    assert checked > 0, "the fixture should hold small counts to attack"


def test_suppression_of_overlapping_views_by_hand():
    # One region: a municipality with two focus areas (3 cases) and two with one each (10, 12).
    # Views: all grant municipalities, those with citizen involvement, those with processing
    # times. All three shown would give 3 = ci + pt - all, so one more must be hidden.
    atoms = np.array([3, 10, 12])
    members = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1]], dtype=bool)
    hidden = pool._suppress_views(atoms, members, np.array([10, 3, 3]), K)
    shown = [m.astype(float) for m, h in zip(members, hidden) if not h]
    assert hidden.sum() >= 1 and not hidden[0]  # the cheaper focus views go first
    assert _interval(shown, [m @ atoms for m in shown], np.array([1.0, 0, 0])) >= K
    # A plain hierarchy: a small region and its partner are hidden, the country shown.
    hidden = pool._suppress_views(np.array([3, 20]), np.array([[1, 0], [0, 1], [1, 1]], dtype=bool),
                                  np.array([10, 10, 100]), K)
    assert hidden.tolist() == [True, True, False]


def test_filter_and_arguments_are_checked(hand):
    with pytest.raises(ValueError):
        pool.PoolFilter(date(2018, 1, 1), date(2017, 1, 1))
    with pytest.raises(ValueError):
        pool.PoolFilter(*ALL_YEARS, focus_area="sport")
    with pytest.raises(ValueError):
        pool.outcomes_by_quarter(hand, HAND_VIEW, months=7)
    with pytest.raises(ValueError):
        pool.event_study(hand, HAND_VIEW, "sport")
