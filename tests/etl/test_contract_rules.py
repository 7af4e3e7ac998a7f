"""Every contract rule, each broken once in an otherwise valid tiny dataset."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from etl.load import load
from etl.problems import InvalidInput
from tests.fixtures import CASE_COLUMNS, GRANT_COLUMNS, REQUEST_COLUMNS, TABLES, write_dataset

CASE = {c: i for i, c in enumerate(CASE_COLUMNS)}
REQ = {c: i for i, c in enumerate(REQUEST_COLUMNS)}
GRANT = {c: i for i, c in enumerate(GRANT_COLUMNS)}
COLS = {"cases": CASE, "pilot_requests": REQ, "pool_grants": GRANT,
        "health_advice_channels": {"municipality_code": 0, "quarter": 1, "channel": 2, "count": 3}}


def _with_cell(table: str, row: int, column: str, value: str) -> dict:
    header, rows = copy.deepcopy(TABLES[table])
    rows[row][COLS[table][column]] = value
    return {table: (header, rows)}


def _rejected(tmp_path: Path, overrides: dict, omit: tuple[str, ...] = ()) -> InvalidInput:
    folder = write_dataset(tmp_path / "in", overrides, omit)
    db = tmp_path / "db" / "rf.duckdb"
    with pytest.raises(InvalidInput) as caught:
        load([folder], db)
    assert not db.exists() and not db.is_symlink(), "a rejected load must publish nothing"
    return caught.value


# (table, data row index (0-based), column, bad value, expected rule)
CELL_RULES = [
    ("cases", 0, "case_id", "", "value.required"),
    ("cases", 0, "municipality_code", "999", "value.municipality"),
    ("cases", 0, "municipality_code", "KBH", "value.integer"),
    ("cases", 0, "sex", "X", "value.category"),
    ("cases", 0, "age_band", "25-30", "value.category"),
    ("cases", 0, "referral_date", "", "value.required"),
    ("cases", 0, "referral_date", "2016-02-30", "value.date"),
    ("cases", 0, "referral_date", "16-01-04", "value.date"),
    ("cases", 0, "team_meeting_date", "2015-12-01", "order.team_meeting"),
    ("cases", 0, "decision", "", "when.decision"),
    ("cases", 0, "decision", "pension", "value.category"),
    ("cases", 0, "decision_date", "2016-02-01", "order.decision"),
    ("cases", 0, "citizen_involved", "måske", "value.boolean"),
    ("cases", 2, "course_start_date", "2016-06-01", "when.course_start"),
    ("cases", 0, "course_start_date", "2016-03-01", "order.course_start"),
    ("cases", 0, "coordinator_assigned_date", "2015-12-31", "order.coordinator"),
    ("cases", 0, "internship_start_date", "2016-03-31", "order.internship"),
    ("cases", 2, "internship_start_date", "2016-07-01", "when.internship_start"),
    ("cases", 1, "internship_completed", "true", "when.internship_completed"),
    ("cases", 0, "course_end_date", "2016-03-31", "order.course_end"),
    ("cases", 2, "course_end_date", "2017-01-01", "when.course_end_start"),
    ("cases", 0, "end_reason", "", "when.end_reason"),
    ("cases", 0, "end_reason", "retired", "value.category"),
    ("cases", 1, "case_id", "C01", "key.duplicate"),
    ("pilot_requests", 0, "case_id", "C99", "ref.case_missing"),
    ("pilot_requests", 0, "case_id", "C03", "ref.case_not_course"),
    ("pilot_requests", 0, "request_date", "2017-03-01", "ref.outside_pilot"),
    ("pilot_requests", 2, "request_date", "2019-01-02", "ref.outside_course"),
    ("pilot_requests", 0, "offer_type", "job", "value.category"),
    ("pilot_requests", 0, "request_context", "", "value.required"),
    ("pilot_requests", 0, "dialogue_date", "2017-09-30", "order.dialogue"),
    ("pilot_requests", 0, "advice_date", "2017-09-30", "order.advice"),
    ("pilot_requests", 0, "advice_outcome", "", "when.advice_outcome"),
    ("pilot_requests", 1, "request_id", "P1", "key.duplicate"),
    ("pool_grants", 0, "granted_dkk", "0", "value.positive"),
    ("pool_grants", 0, "granted_dkk", "40.4", "value.integer"),
    ("pool_grants", 0, "spent_dkk", "-1", "value.non_negative"),
    ("pool_grants", 0, "period_end", "2017-07-01", "order.period"),
    ("pool_grants", 0, "focus_area", "everything", "value.category"),
    ("pool_grants", 0, "municipality_code", "100", "value.municipality"),
    ("pool_grants", 1, "grant_id", "G1", "key.duplicate"),
    ("health_advice_channels", 0, "quarter", "2017-Q5", "value.quarter"),
    ("health_advice_channels", 0, "count", "-2", "value.non_negative"),
    ("health_advice_channels", 0, "channel", "nurse", "value.category"),
    ("health_advice_channels", 1, "channel", "coordinator_sparring", "key.duplicate"),
]


@pytest.mark.parametrize("table,row,column,value,rule", CELL_RULES,
                         ids=[f"{t}.{c}={v or 'empty'}->{r}" for t, _, c, v, r in CELL_RULES])
def test_each_rule_is_reported_with_file_line_column_value(tmp_path, table, row, column, value, rule):
    error = _rejected(tmp_path, _with_cell(table, row, column, value))
    matching = [p for p in error.problems if p.rule == rule]
    assert matching, f"expected {rule}, got {[p.describe() for p in error.problems]}"
    problem = next((p for p in matching if p.location == f"linje {row + 2}"), matching[0])
    assert problem.file == f"{table}.csv"
    # The header counts as line 1, so data row 0 is line 2 (duplicates name every occurrence).
    assert problem.location == f"linje {row + 2}"
    assert problem.column in (column, "municipality_code, quarter, channel")
    text = problem.describe()
    assert f"{table}.csv" in text and problem.location in text and f"[{rule}]" in text
    if value and rule != "key.duplicate":
        assert repr(value) in text


def test_cpr_number_anywhere_fails_the_load_and_is_masked(tmp_path):
    error = _rejected(tmp_path, _with_cell("pool_grants", 0, "project_title", "Borger 010185-1234 fik hjælp"))
    cpr = [p for p in error.problems if p.rule == "value.cpr"]
    assert len(cpr) == 1
    assert cpr[0].location == "linje 2" and cpr[0].column == "project_title"
    assert "1234" not in cpr[0].describe(), "the report must not repeat the CPR number"
    assert "010185-****" in cpr[0].describe()


def test_ten_digit_cpr_as_case_id_fails(tmp_path):
    header, cases = copy.deepcopy(TABLES["cases"])
    cases[0][0] = "0101851234"
    error = _rejected(tmp_path, {"cases": (header, cases)})
    assert [p.rule for p in error.problems if p.column == "case_id"][0] == "value.cpr"


def test_ten_digits_that_are_not_a_date_are_not_cpr(tmp_path):
    header, cases = copy.deepcopy(TABLES["cases"])
    header_r, requests = copy.deepcopy(TABLES["pilot_requests"])
    cases[0][0] = "9999999999"  # day 99: not a date, so not a CPR number
    requests[0][1] = "9999999999"
    folder = write_dataset(tmp_path / "in", {"cases": (header, cases), "pilot_requests": (header_r, requests)})
    assert load([folder], tmp_path / "rf.duckdb").rows["cases"] == len(cases)


def test_unknown_column_fails_and_is_named_and_scanned_for_cpr(tmp_path):
    header, rows = copy.deepcopy(TABLES["cases"])
    header = header + ["cpr_nr"]
    rows = [r + [""] for r in rows]
    rows[3][-1] = "311299-1111"
    error = _rejected(tmp_path, {"cases": (header, rows)})
    rules = {(p.rule, p.column, p.location) for p in error.problems}
    assert ("column.unknown", "cpr_nr", "linje 1") in rules
    assert ("value.cpr", "cpr_nr", "linje 5") in rules


def test_ignore_extra_columns_drops_them_and_logs_which(tmp_path):
    header, rows = copy.deepcopy(TABLES["cases"])
    folder = write_dataset(tmp_path / "in", {"cases": (header + ["note"], [r + ["fri tekst"] for r in rows])})
    result = load([folder], tmp_path / "rf.duckdb", ignore_extra_columns=True)
    assert result.sources[0]["ignored_columns"] == ["note"]


def test_missing_required_column_fails(tmp_path):
    header, rows = copy.deepcopy(TABLES["pool_grants"])
    i = header.index("granted_dkk")
    error = _rejected(tmp_path, {"pool_grants": (header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows])})
    assert [(p.rule, p.column, p.location) for p in error.problems] == [("column.missing", "granted_dkk", "linje 1")]


def test_missing_required_table_fails(tmp_path):
    error = _rejected(tmp_path, {}, omit=("pilot_requests",))
    assert [(p.rule, p.file) for p in error.problems] == [("table.missing", "pilot_requests")]


def test_optional_table_may_be_left_out(tmp_path):
    folder = write_dataset(tmp_path / "in", omit=("health_advice_channels",))
    assert load([folder], tmp_path / "rf.duckdb").rows["health_advice_channels"] == 0


def test_misnamed_data_file_is_not_silently_ignored(tmp_path):
    folder = write_dataset(tmp_path / "in")
    (folder / "case.csv").write_text("case_id\nX\n")
    with pytest.raises(InvalidInput) as caught:
        load([folder], tmp_path / "rf.duckdb")
    assert [(p.file, p.rule) for p in caught.value.problems] == [("case.csv", "file.unknown_table")]


def test_ragged_line_is_reported_with_its_line(tmp_path):
    folder = write_dataset(tmp_path / "in")
    text = (folder / "pool_grants.csv").read_text().splitlines()
    text.append("G3,101,citizen_involvement,too short")
    (folder / "pool_grants.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(InvalidInput) as caught:
        load([folder], tmp_path / "rf.duckdb")
    assert [(p.rule, p.location) for p in caught.value.problems] == [("csv.structure", "linje 4")]


def test_all_problems_are_counted_and_the_list_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr("settings.MAX_PROBLEMS_LISTED", 3)
    header, rows = copy.deepcopy(TABLES["cases"])
    for r in rows:
        r[CASE["sex"]] = "?"
    error = _rejected(tmp_path, {"cases": (header, rows)})
    assert error.total == len(rows) and len(error.problems) == 3
    assert error.report(3).splitlines()[-1] == f"... og {len(rows) - 3} problemer mere (ikke vist)"


def test_line_numbers_follow_multiline_fields_and_blank_lines(tmp_path):
    folder = write_dataset(tmp_path / "in")
    lines = (folder / "pool_grants.csv").read_text().splitlines()
    # A quoted title spanning two lines, then a blank line, then a broken row.
    lines[1] = lines[1].replace("Borgeren først", '"Borgeren\nførst"')
    lines.insert(2, "")
    lines[3] = lines[3].replace("1250000", "1.5")
    (folder / "pool_grants.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput) as caught:
        load([folder], tmp_path / "rf.duckdb")
    assert [(p.rule, p.location) for p in caught.value.problems] == [("value.integer", "linje 5")]
