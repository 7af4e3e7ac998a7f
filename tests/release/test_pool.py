"""The pool in the release, on synthetic data at half the default size (the pool's blocks are all
carried there; the default size is the same code on more cases): quarterly counts equal independent SQL
on the load's cases, shares and the event study's observed path only beside shown counts, the
path's counts equal the estimation sample, the effects are the estimator's on the same cases and
cover the planted truth, an effect is hidden where a sample quarter has few cases, and the price
per outcome is built from shown cells."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import settings
from release.pool import effects, outcomes
from tests.fixtures import open_published

K = settings.K_ANONYMITY
QUARTER = "year(referral_date)::varchar || 'K' || quarter(referral_date)::varchar"


@pytest.fixture(scope="module")
def con(synthetic_db):
    connection = open_published(synthetic_db(0.5))
    yield connection
    connection.close()


def _truth(con, area_column: str) -> dict[tuple, tuple[int, int, int]]:
    """(quarter, area, group) -> cases, team meetings, prepared with the citizen, by plain SQL."""
    rows = con.execute(f"""
        select {QUARTER} as q, {area_column} as area,
               case when c.municipality_code in (select municipality_code from fct_pool_grants)
                    then 'grant' else 'other' end as grp,
               count(*), count(team_meeting_date),
               count(*) filter (where team_meeting_date is not null and coalesce(citizen_involved, false))
        from fct_cases c group by all""").fetchall()
    return {(q, a, g): (n, m, i) for q, a, g, n, m, i in rows}


@pytest.mark.parametrize("area_column", ["'000'", "c.region_code"], ids=["country", "regions"])
def test_quarterly_counts_equal_independent_sql(con, area_column):
    truth = _truth(con, area_column)
    table = con.sql("select * from rel_pool_quarters").pl()
    table = table.filter(pl.col("area") == "000") if area_column == "'000'" else table.filter(pl.col("area") != "000")
    assert table.height > 0
    shown = 0
    for r in table.iter_rows(named=True):
        n, meetings, involved = truth.get((r["quarter"], r["area"], r["group"]), (0, 0, 0))
        for column, expected in (("cases", n), ("meetings", meetings), ("involved", involved)):
            if r[f"{column}_hidden"]:
                assert r[column] is None
            else:
                assert r[column] == expected, (r["quarter"], r["area"], r["group"], column)
                shown += 1
    assert shown > 0.7 * 3 * table.height  # the default data carry most counts


def test_hidden_counts_have_no_value_and_small_ones_are_hidden(con):
    table = con.sql("select * from rel_pool_quarters").pl()
    for column in outcomes.QUARTER_COUNTS:
        values = table[column].drop_nulls()
        assert not values.is_between(1, K - 1).any(), column
        assert table.filter(pl.col(f"{column}_hidden"))[column].null_count() == table[f"{column}_hidden"].sum()


def test_shares_only_beside_shown_counts(con):
    table = con.sql("select * from rel_pool_quarters").pl()
    with_share = table.filter(pl.col("involved_share").is_not_null())
    assert with_share.height > 0
    assert with_share["involved"].null_count() == 0 and with_share["meetings"].null_count() == 0
    assert ((with_share["involved"] / with_share["meetings"] - with_share["involved_share"]).abs() < 1e-12).all()
    assert (with_share["involved_share_lower"] <= with_share["involved_share"]).all()
    completed = table.filter(pl.col("completed_share").is_not_null())
    assert completed["completed"].null_count() == 0 and completed["internships"].null_count() == 0
    # Where the prepared count is hidden, no share gives it back.
    assert table.filter(pl.col("involved_hidden") & pl.col("involved_share").is_not_null()).height == 0


def test_the_event_study_path_counts_are_the_estimation_sample(con):
    data_end = con.execute("select data_end_date from meta_dataset").fetchall()[0][0]
    # Independent: grant municipalities' cases with a team meeting, referred in quarters followed
    # two years, by quarters since the municipality's first grant start (ends binned at 8).
    rows = con.execute(f"""
        with starts as (select municipality_code, min(period_start) s from fct_pool_grants group by all),
        c as (
            select greatest(-8, least(8, (year(referral_date) * 4 + quarter(referral_date))
                                     - (year(s) * 4 + quarter(s)))) as event,
                   coalesce(citizen_involved, false) as involved
            from fct_cases join starts using (municipality_code)
            where team_meeting_date is not null
              and last_day(make_date(year(referral_date), quarter(referral_date) * 3, 1)) + interval 730 day
                  <= $end::date)
        select event, count(*) filter (where involved), count(*) filter (where not involved) from c group by all
    """, {"end": data_end}).fetchall()
    truth = {e: (y, n) for e, y, n in rows}
    cells = dict(((p, g), v) for p, g, v in con.execute(
        "select period, grp, value from rel_cells where measure = 'pool_sample' and released and not hidden").fetchall())
    checked = 0
    for event, (yes, no) in truth.items():
        for success, expected in (("yes", yes), ("no", no)):
            key = (f"event:{event}", f"outcome=citizen_involved|success={success}")
            if key in cells:
                assert cells[key] == expected, key
                checked += 1
    assert checked >= 20


def test_the_observed_path_only_where_both_counts_are_shown(con):
    path = con.sql(
        "select * from rel_pool_event where area = '000' and focus = '' and outcome = 'citizen_involved'").pl()
    cells = dict(((p, g), (v, h)) for p, g, v, h in con.execute(
        "select period, grp, value, hidden from rel_cells where measure = 'pool_sample' and released").fetchall())
    assert path["observed"].drop_nulls().len() > 10
    for r in path.iter_rows(named=True):
        yes = cells.get((f"event:{r['event']}", "outcome=citizen_involved|success=yes"), (None, True))
        no = cells.get((f"event:{r['event']}", "outcome=citizen_involved|success=no"), (None, True))
        if r["observed"] is not None:
            assert not yes[1] and not no[1]
            assert r["observed"] == pytest.approx(100 * yes[0] / (yes[0] + no[0]))
            assert r["counterfactual_lower"] <= r["counterfactual"] <= r["counterfactual_upper"]
        else:
            assert r["observed_status"] in ("hidden", "missing")
    # Regions' and focus areas' paths are not counted in the release: coefficients only.
    other = con.execute("select count(*) from rel_pool_event where (area <> '000' or focus <> '') "
                        "and observed is not null").fetchall()[0][0]
    assert other == 0


def test_effects_are_the_estimators_on_the_same_cases_and_cover_the_planted_truth(con):
    cases = con.sql("select * from load.main.fct_cases limit 0").pl()  # the load side exists
    assert cases.width > 0
    rows = {(r[0], r[1], r[2], r[3]): r[4:] for r in con.execute(
        "select area, focus, outcome, months, estimate, lower, upper, twfe_estimate, status, method_main "
        "from rel_pool_effects").fetchall()}
    data_end = con.execute("select data_end_date from meta_dataset").fetchall()[0][0]
    from release.context import sql
    pool_cases = con.sql(sql("pool_cases")).pl()
    fit = effects.estimate(pool_cases, "citizen_involved", data_end)
    estimate, lower, upper, twfe, status, method = rows[("000", "", "citizen_involved", 6)]
    assert status == "shown" and method == fit.method_main
    assert estimate == pytest.approx(fit.main.estimate) and twfe == pytest.approx(fit.twfe.estimate)
    assert lower < 15 < upper  # the planted 15 points (etl.generate.PLANTED_EFFECTS)
    days = rows[("000", "", "days_referral_to_decision", 6)]
    assert days[1] < -14 < days[2]
    internship = rows[("000", "", "internship_within", 6)]
    assert internship[1] < 0 < internship[2]  # nothing planted
    # Every released specification: the country for all grants and each focus area, each region.
    specs = {(a, f) for a, f, _, _ in rows}
    assert ("000", "citizen_involvement") in specs and len({a for a, _ in specs}) == 6


def test_an_effect_is_hidden_where_a_sample_quarter_has_few_cases():
    def fit(sizes: list[int]) -> effects.Estimate:
        cells = pl.DataFrame({"municipality": [f"{i:03d}" for i in range(len(sizes))],
                              "quarter_start": [date(2016, 1, 1)] * len(sizes),
                              "treated": [i % 2 == 0 for i in range(len(sizes))], "n": sizes},
                             schema=effects.CELLS_SCHEMA)
        return effects.Estimate("citizen_involved", "procentpoint", 6, "m", "t", "i", None, None, 0, 0, 0, 0, 0, None,
                                [], pl.DataFrame(schema=effects.EVENT_SCHEMA), cells)

    # Treated quarter total 2 + 1 = 3: hidden; 2 + 3 = 5: shown (the comparison has 20).
    assert outcomes._hidden(fit([2, 10, 1, 10]), K)
    assert not outcomes._hidden(fit([2, 10, 3, 10]), K)
    assert not outcomes._hidden(fit([0, 10, 0, 10]), K)  # no cases at all is not a small count


def test_the_price_is_built_from_shown_cells(con):
    rows = con.sql("select * from rel_pool_costs where focus = ''").pl()
    effects_ = {(a, o): e for a, o, e in con.execute(
        "select area, outcome, estimate from rel_pool_effects where focus = '' and months = 6").fetchall()}
    checked = 0
    for cost in rows.iter_rows(named=True):
        column = "meetings" if cost["outcome"] == "citizen_involved" else "cases"
        counts = con.execute(f"select {column}, {column}_hidden from rel_pool_quarters where area = $area "
                             "and \"group\" = 'grant' and quarter_start between $a and $b",
                             {"area": cost["area"], "a": cost["first_quarter"], "b": cost["last_quarter"]}).fetchall()
        if cost["cases_hidden"]:
            assert cost["status"] == "hidden" and cost["estimate"] is None
            continue
        if cost["status"] != "shown":
            continue
        assert counts and not any(h for _, h in counts)
        assert cost["cases_after_start"] == sum(v for v, _ in counts)  # a sum of shown cells
        gain = effects_[(cost["area"], cost["outcome"])]
        gain = gain / 100 if cost["outcome"] == "citizen_involved" else -gain
        assert cost["estimate"] == pytest.approx(cost["kroner"] / (gain * cost["cases_after_start"]))
        checked += 1
    assert checked or all(rows["status"] != "shown")
    focus = con.execute("select status from rel_pool_costs where focus <> ''").fetchall()
    assert focus and all(s == "missing" for (s,) in focus)


def test_the_price_follows_the_effect_and_has_no_upper_bound_when_the_interval_reaches_zero():
    effect = {"status": "shown", "estimate": 10.0, "lower": 4.0, "upper": 16.0, "caveats": []}
    extra, low, high, estimate, lower, upper, status, _ = outcomes._price(
        "citizen_involved", effect, 1_000_000, 2_000, False, date(2018, 1, 1), date(2020, 10, 1))
    assert status == "shown" and extra == pytest.approx(200)  # 10 points of 2.000 cases
    assert estimate == pytest.approx(5_000) and lower == pytest.approx(1_000_000 / 320)
    assert upper == pytest.approx(1_000_000 / 80)
    reaching_zero = {**effect, "lower": -2.0}
    *_, upper, status, text = outcomes._price("citizen_involved", reaching_zero, 1_000_000, 2_000, False,
                                              date(2018, 1, 1), date(2020, 10, 1))
    assert status == "shown" and upper is None and "ingen øvre grænse" in text
    days = {"status": "shown", "estimate": -14.0, "lower": -16.0, "upper": -12.0, "caveats": []}
    assert outcomes._price("days_referral_to_decision", days, 700_000, 1_000, False, date(2018, 1, 1),
                           date(2018, 1, 1))[3] == pytest.approx(50)  # 14 days saved on 1.000 cases
    assert outcomes._price("citizen_involved", effect, 1, 2_000, True, None, None)[6] == "hidden"
