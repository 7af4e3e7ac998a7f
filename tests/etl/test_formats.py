"""The same data in every accepted format and Danish spelling gives the same database."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from etl.load import load
from etl.publish import work_pointer
from tests.fixtures import TABLES, write_csv, write_dataset

DANISH_HEADERS = {
    "case_id": "Sags_ID", "municipality_code": "Kommunekode", "sex": "Køn", "age_band": "Aldersgruppe",
    "referral_date": "Visitationsdato", "team_meeting_date": "MOEDEDATO_REHABILITERINGSTEAM",
    "decision": "Afgørelse", "decision_date": "afgoerelsesdato", "citizen_involved": "borger_inddraget",
    "course_start_date": "forloeb_start", "coordinator_assigned_date": "koordinerende_sagsbehandler_dato",
    "internship_start_date": "praktik_start", "internship_completed": "praktik_gennemfoert",
    "course_end_date": "forløb_slut", "end_reason": "afslutningsaarsag",
    "request_id": "anmodning_id", "request_date": "anmodningsdato", "offer_type": "tilbudstype",
    "request_context": "anledning", "dialogue_date": "dialogmoede_dato", "advice_date": "raadgivning_dato",
    "advice_outcome": "udfald", "grant_id": "bevilling_id", "focus_area": "fokusomraade",
    "project_title": "projekttitel", "granted_dkk": "bevilget_kr", "spent_dkk": "forbrugt_kr",
    "period_start": "periode_start", "period_end": "periode_slut", "quarter": "kvartal", "channel": "kanal",
    "count": "antal",
}
DANISH_LABELS = {
    "resource_course": "Ressourceforløb", "flex_job": "fleksjob", "disability_pension": "FØRTIDSPENSION",
    "other": "andet", "job": "job", "F": "kvinde", "M": "Mand", "true": "ja", "false": "nej",
    "company_internship": "virksomhedspraktik", "mentor": "mentor", "health_or_social": "sundheds- eller socialindsats",
    "concrete_offer": "konkret tilbud", "early_clarification": "tidlig afklaring",
    "offer_adjusted": "tilbud tilpasset", "offer_kept": "tilbud fastholdt",
    "citizen_involvement": "borgerinddragelse", "processing_times": "sagsbehandlingstider",
    "coordinator_sparring": "sparring med sundhedskoordinator", "gp_involvement": "praktiserende læge",
    "2017-Q3": "2017K3", "2017-Q4": "2017Q4",
}
DATE_COLUMNS = {c for c in DANISH_HEADERS if c.endswith("_date") or c in ("period_start", "period_end")}
AMOUNT_COLUMNS = {"granted_dkk", "spent_dkk"}


def _danish_value(column: str, value: str, style: str) -> str:
    if not value:
        return value
    if column in DATE_COLUMNS:
        d = date.fromisoformat(value)
        return f"{d:%d-%m-%Y}" if style == "dash" else f"{d.day}.{d.month}.{d.year}"
    if column in AMOUNT_COLUMNS:
        return f"{int(value):,}".replace(",", ".") + ",00"
    if column == "municipality_code":
        return value.zfill(4)
    return DANISH_LABELS.get(value, value)


def _danish_tables(style: str) -> dict:
    out = {}
    for name, (header, rows) in TABLES.items():
        out[name] = (
            [DANISH_HEADERS.get(c, c) for c in header],
            [[_danish_value(c, v, style) for c, v in zip(header, row)] for row in rows],
        )
    return out


def _marts(db: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(work_pointer(db)), read_only=True)  # marts live in the load's database
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'fct_%' OR table_name LIKE 'agg_%'"
        ).fetchall()]
        return {n: con.sql(f"SELECT * FROM {n}").pl() for n in sorted(names)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference_marts(tmp_path_factory) -> dict[str, pl.DataFrame]:
    base = tmp_path_factory.mktemp("ref")
    db = base / "rf.duckdb"
    load([write_dataset(base / "in")], db)
    return _marts(db)


def _assert_same(reference: dict, db: Path) -> None:
    got = _marts(db)
    assert got.keys() == reference.keys()
    for name in reference:
        assert got[name].equals(reference[name]), name


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
@pytest.mark.parametrize("style", ["dash", "dot"])
def test_danish_csv_semicolon_decimal_comma_aliases(tmp_path, reference_marts, encoding, style):
    folder = tmp_path / "dk"
    folder.mkdir()
    for name, (header, rows) in _danish_tables(style).items():
        write_csv(folder / f"{name}.csv", header, rows, delimiter=";", encoding=encoding)
    db = tmp_path / "rf.duckdb"
    result = load([folder], db)
    assert {s["delimiter"] for s in result.sources} == {";"}
    _assert_same(reference_marts, db)


def test_encoding_can_be_given(tmp_path, reference_marts):
    folder = tmp_path / "dk"
    folder.mkdir()
    for name, (header, rows) in _danish_tables("dash").items():
        write_csv(folder / f"{name}.csv", header, rows, delimiter=";", encoding="latin-1")
    db = tmp_path / "rf.duckdb"
    load([folder], db, encoding="latin-1")
    _assert_same(reference_marts, db)


def test_xlsx_workbook_with_real_excel_dates(tmp_path, reference_marts):
    path = tmp_path / "udtraek.xlsx"
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd-mm-yyyy"})
    notes = book.add_worksheet("Noter")
    notes.write(0, 0, "Udtræk fra kommunen; arket her ignoreres")
    for name, (header, rows) in TABLES.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, [DANISH_HEADERS.get(c, c) for c in header])
        for r, row in enumerate(rows, start=1):
            for c, (column, value) in enumerate(zip(header, row)):
                if value == "":
                    continue
                if column in DATE_COLUMNS:
                    sheet.write_datetime(r, c, pl.Series([value]).str.to_datetime().to_list()[0], date_format)
                elif column in AMOUNT_COLUMNS or column in ("municipality_code", "count"):
                    sheet.write_number(r, c, int(value))
                elif column in ("citizen_involved", "internship_completed"):
                    sheet.write_boolean(r, c, value == "true")
                else:
                    sheet.write_string(r, c, DANISH_LABELS.get(value, value))
    book.close()
    db = tmp_path / "rf.duckdb"
    result = load([path], db)
    assert {s["sheet"] for s in result.sources} == set(TABLES)
    _assert_same(reference_marts, db)


def test_xlsx_problem_names_sheet_and_row(tmp_path):
    header, rows = copy.deepcopy(TABLES["pool_grants"])
    rows[1][header.index("granted_dkk")] = "mange"
    path = tmp_path / "udtraek.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, (h, rs) in {**TABLES, "pool_grants": (header, rows)}.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, h)
        for r, row in enumerate(rs, start=1):
            sheet.write_row(r, 0, row)
    book.close()
    from etl.problems import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        load([path], tmp_path / "rf.duckdb")
    [problem] = caught.value.problems
    assert (problem.file, problem.location, problem.column, problem.value) == (
        "udtraek.xlsx [ark pool_grants]", "ark pool_grants, række 3", "granted_dkk", "mange")


def test_parquet_with_typed_columns(tmp_path, reference_marts):
    folder = tmp_path / "pq"
    folder.mkdir()
    for name, (header, rows) in TABLES.items():
        frame = pl.DataFrame([[v or None for v in row] for row in rows], schema=header, orient="row")
        casts = []
        for c in header:
            if c in DATE_COLUMNS:
                casts.append(pl.col(c).str.to_date())
            elif c in AMOUNT_COLUMNS or c in ("municipality_code", "count"):
                casts.append(pl.col(c).cast(pl.Int64))
            elif c in ("citizen_involved", "internship_completed"):
                casts.append(pl.col(c) == "true")
        frame.with_columns(casts).write_parquet(folder / f"{name}.parquet")
    db = tmp_path / "rf.duckdb"
    load([folder], db)
    _assert_same(reference_marts, db)


def test_individual_files_can_be_given(tmp_path, reference_marts):
    folder = write_dataset(tmp_path / "in")
    db = tmp_path / "rf.duckdb"
    load(sorted(folder.glob("*.csv")), db)
    _assert_same(reference_marts, db)
