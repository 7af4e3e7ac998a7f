"""The pilot analysis on a hand-worked dataset (tests/pilot_fixture.py)."""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import chi2

from analysis import pilot
from analysis.database import LiveDatabase
from etl.load import load
from tests.pilot_fixture import write_pilot_dataset

WINDOW = (date(2017, 7, 1), date(2019, 6, 30))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> LiveDatabase:
    base = tmp_path_factory.mktemp("pilot")
    pointer = base / "rf.duckdb"
    load([write_pilot_dataset(base / "in")], pointer)
    live = LiveDatabase(pointer)
    live.refresh()
    return live


def test_headline_for_the_whole_window(db):
    head = pilot.headline(db, pilot.PilotFilter(*WINDOW))
    assert head.requests.value == 12 and head.courses.value == 31
    # 12 requests per 31 courses = 387,10 per 1.000; exact (Garwood) limits from chi-square.
    assert head.uptake_per_1000.estimate.value == pytest.approx(12 / 31 * 1000)
    assert head.uptake_per_1000.lower == pytest.approx(chi2.ppf(0.025, 24) / 2 / 31 * 1000)
    assert head.uptake_per_1000.upper == pytest.approx(chi2.ppf(0.975, 26) / 2 / 31 * 1000)
    assert head.municipalities.hidden  # two municipalities: a small count
    assert head.early_share.estimate.value == pytest.approx(7 / 12)
    assert head.open_requests.hidden  # 2 open requests: a small count


def test_a_small_region_and_its_partner_are_hidden_in_the_hierarchy(db):
    # Aarhus has 4 requests (small), so Midtjylland is hidden; with the national 12 shown,
    # Hovedstaden (8) must be hidden too, and then København (8) inside it.
    table = pilot.area_hierarchy(db, *WINDOW)
    hidden = {(r["level"], r["code"]): r["hidden"] for r in table.iter_rows(named=True)}
    assert hidden[("municipality", "751")] and hidden[("region", "082")]
    assert hidden[("region", "084")] and hidden[("municipality", "101")]
    assert not hidden[("national", "000")] and not hidden[("region", "081")]
    assert pilot.headline(db, pilot.PilotFilter(*WINDOW, region="084")).requests.hidden
    funnel = pilot.funnel(db, pilot.PilotFilter(*WINDOW))
    assert 101 not in funnel.points.frame["code"].cast(int).to_list()


def test_sex_filter_and_its_complement(db):
    # Women: requests on even course numbers in København (0, 2, 4, 6) and Aarhus (0, 2) = 6;
    # men = 6. Both views differ from "all" by 6 >= 5, so both show - unless the area rule hides.
    women = pilot.headline(db, pilot.PilotFilter(*WINDOW, sex="F"))
    assert women.requests.value == 6
    first_year = pilot.headline(db, pilot.PilotFilter(date(2017, 7, 1), date(2018, 6, 30), sex="F"))
    # Women in the first year: 101 #0, #2, #4 and 751 #0, #2 = 5; all women 6: differ by 1 -> hidden.
    assert first_year.requests.hidden


def test_by_quarter_and_running_total(db):
    table = pilot.by_quarter(db, pilot.PilotFilter(*WINDOW))
    assert table.frame.height == 8
    counts = [2, 2, 2, 2, 1, 0, 1, 2]  # 2017K3 .. 2019K2 (none in 2018K4)
    running = [2, 4, 6, 8, 9, 9, 10, 12]
    for column, truth in (("requests", counts), ("cumulative", running)):
        hidden = table.is_hidden(column).to_list()
        assert table.frame[column].to_list() == [None if h else v for v, h in zip(truth, hidden)]
        assert all(h or v == 0 or v >= 5 for v, h in zip(truth, hidden))
    # No quarter's count can be had from two shown running totals.
    for i in range(1, 8):
        if not table.is_hidden("cumulative")[i] and not table.is_hidden("cumulative")[i - 1]:
            assert counts[i] == 0 or counts[i] >= 5


def test_flow_totals(db):
    flow = pilot.flow(db, pilot.PilotFilter(*WINDOW))
    total = flow.frame.filter(flow.frame["offer_type"] == "total").row(0, named=True)
    truth = {"requests": 12, "dialogue": 12, "advice": 10, "offer_adjusted": 5, "offer_kept": 5,
             "offer_replaced": 0, "withdrawn": 0, "open": 2}
    for column, value in truth.items():
        assert total[column] in (None, value), column
    assert total["requests"] == 12 and total["open"] is None  # 2 open: small
    # requests = advice + open: with open hidden, advice must be hidden too, and then one of the
    # outcomes that add up to advice.
    assert total["advice"] is None
    assert sum(total[o] is None for o in ("offer_adjusted", "offer_kept", "offer_replaced", "withdrawn")) >= 1


def test_speed_counts_open_requests(db):
    speed = pilot.speed(db, pilot.PilotFilter(*WINDOW))
    # Ten advised after 20 days; two open, censored at 2020-06-30.
    assert speed.summary.median == 20 and speed.summary.naive_median == 20
    assert speed.summary.closed == 10 and speed.summary.open == 2
    assert speed.open.hidden and speed.n.value == 12


def test_quarters_and_quarter_end():
    assert pilot.quarters(*WINDOW)[0] == date(2017, 7, 1) and len(pilot.quarters(*WINDOW)) == 8
    assert pilot.quarter_end(date(2019, 4, 1)) == date(2019, 6, 30)
    assert pilot.quarter_end(date(2017, 10, 1)) == date(2017, 12, 31)
