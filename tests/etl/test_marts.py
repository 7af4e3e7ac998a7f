"""Golden marts from the tiny dataset: answers worked out by hand from tests/fixtures.py."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

import settings
from etl.load import load
from etl.publish import work_pointer
from tests.fixtures import CASES, REQUESTS, open_published


@pytest.fixture
def con(tiny_db: Path):
    connection = open_published(tiny_db)
    yield connection
    connection.close()


def rows(con, sql: str, params: dict | None = None) -> list[tuple]:
    return con.execute(sql, params or {}).fetchall()


def test_fct_cases_durations_and_regions(con):
    got = rows(con, "SELECT municipality_code, region_code, days_referral_to_team_meeting, "
                    "days_team_meeting_to_decision, days_referral_to_decision, days_in_course "
                    "FROM fct_cases ORDER BY referral_date")
    # C01: 2016-01-04 -> 03-01 is 57 days (leap year), -> 03-15 is 14 more; course 2016-04-01..2018-03-31.
    assert got[0] == (101, "084", 57, 14, 71, 729)
    # C06 in Aarhus (Midtjylland): 2017-09-01 -> 11-01 61 days, -> 11-20 19 days; course 364 days.
    assert got[5] == (751, "082", 61, 19, 80, 364)
    # C08: referred, nothing else yet: open, durations missing (not zero).
    assert got[7] == (101, "084", None, None, None, None)


def test_stock_of_courses_per_month(con):
    national = dict(rows(con, "SELECT month_end, sum(courses_active)::int FROM agg_course_stock_month GROUP BY 1"))
    assert national[date(2016, 4, 30)] == 1  # C01
    assert national[date(2016, 5, 31)] == 2  # C01, C02
    assert national[date(2017, 12, 31)] == 4  # C01, C02, C04, C06
    assert national[date(2018, 3, 31)] == 4  # C01 ends on the 31st: still in its course that day
    assert national[date(2018, 4, 30)] == 3
    assert national[date(2018, 11, 30)] == 3  # C06 ends on the 30th
    assert national[date(2018, 12, 31)] == 2  # C02 (open) and C04
    assert national[date(2019, 12, 31)] == 2  # C04 ends on the last day of the data
    by_municipality = rows(con, "SELECT municipality_code, courses_active, courses_started, courses_ended "
                                "FROM agg_course_stock_month WHERE month_end = '2018-03-31' AND courses_active > 0 "
                                "ORDER BY 1")
    assert by_municipality == [(101, 2, 0, 1), (147, 1, 0, 0), (751, 1, 0, 0)]


def test_decisions_per_year(con):
    got = rows(con, "SELECT decision_year, decision, sum(decisions)::int FROM agg_decisions_year GROUP BY ALL ORDER BY 1, 2")
    assert got == [
        (2016, "flex_job", 1), (2016, "resource_course", 2),
        (2017, "disability_pension", 1), (2017, "resource_course", 2),
        (2018, "other", 1),
    ]


def test_pilot_requests_carry_the_case_attributes(con):
    got = rows(con, "SELECT municipality_code, sex, age_band, offer_type, days_request_to_advice "
                    "FROM fct_pilot_requests ORDER BY request_date")
    assert got == [
        (147, "F", "16-29", "company_internship", 19),
        (751, "F", "30-39", "health_or_social", 21),
        (101, "M", "40-49", "mentor", None),
    ]


def test_meta_dataset_and_load_log(con):
    version, synthetic, end, has_channels = rows(
        con, "SELECT version, synthetic, data_end_date, has_health_advice_channels FROM meta_dataset")[0]
    assert (version, synthetic, has_channels) == (1, False, True)
    assert end == date(2019, 12, 31)  # the latest date in the cases (C04's course end)
    assert rows(con, "SELECT count(*) FROM meta_load_log") == [(1,)]


def test_ids_are_not_stored_as_given(con):
    given = {r[0] for r in CASES} | {r[0] for r in REQUESTS}
    text_columns = rows(con, "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal")
    for table, column in text_columns:
        values = {r[0] for r in rows(con, f'SELECT DISTINCT "{column}" FROM "{table}"')}
        assert not values & given, f"{table}.{column} holds ids as given"


def test_loading_the_same_files_twice_gives_the_same_contents(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    first = _dump(db)
    load([tiny_dataset], db)
    assert _dump(db) == first


def _dump(db: Path) -> dict:
    con = duckdb.connect(str(work_pointer(db)), read_only=True)  # the load's database: everything
    try:
        # The certificate records when it was made and how long the attack took: the rest is fixed.
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, 'meta_') "
                                            "AND table_name != 'rel_certificate'").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in sorted(tables)}
    finally:
        con.close()


def test_reference_municipalities_match_the_shared_list():
    ours = list(csv.DictReader(open(settings.REFERENCE_DIR / "kommuner.csv", encoding="utf-8")))
    assert len(ours) == 98
    assert len({r["dst_regionkode"] for r in ours}) == 5
    if not settings.SHARED_REFERENCE.exists():
        pytest.skip("../shared/reference/kommuner.csv is not beside this checkout")
    shared = list(csv.DictReader(open(settings.SHARED_REFERENCE, encoding="utf-8")))
    assert ours == shared


def test_published_figures_all_carry_a_source(con):
    missing = rows(con, "SELECT figure_id FROM ref_published_figures WHERE coalesce(source_title, '') = ''")
    assert missing == []
    values = dict(rows(con, "SELECT figure_id, value FROM ref_published_figures WHERE value IS NOT NULL"))
    assert values["pilot_uses"] == 78 and values["pilot_municipalities"] == 34
    assert values["pool_initiative_package"] == 40_400_000 and values["pool_satspulje_2016"] == 27_000_000
