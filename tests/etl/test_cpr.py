"""No CPR-shaped string is ever printed or stored: values, headers, manifests, file names and the
load log, in every format; numbers are checked with the leading zero a spreadsheet dropped."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from etl.cli import main
from etl.publish import Store, work_pointer
from tests.fixtures import CASE_COLUMNS, TABLES, write_csv, write_dataset

CPR = "2107834567"  # 21 July 1983: a valid date, so CPR-shaped
CPR_DASH = "210783-4567"
NINE = "107834567"  # 01-07-83 whose leading zero a spreadsheet dropped
SECRET_DIGITS = ("4567", CPR, CPR_DASH, NINE)


def _run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


def _assert_masked(text: str) -> None:
    for digits in SECRET_DIGITS:
        assert digits not in text, f"{digits!r} printed"


def _load(capsys, tmp_path: Path, *paths, extra=()) -> tuple[int, str, Path]:
    db = tmp_path / "db" / "rf.duckdb"
    code, text = _run(capsys, "load", *paths, "--db", db, *extra)
    return code, text, db


def _stored_text(path: Path) -> tuple[bytes, list[str]]:
    """A database file's bytes, and every text value in every table of it."""
    data = path.read_bytes()
    con = duckdb.connect(str(path), read_only=True)
    try:
        texts = []
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' AND NOT internal").fetchall():
            texts += [v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall() if v]
        return data, texts
    finally:
        con.close()


def _assert_not_stored(db: Path) -> None:
    for path in (Store(db).current()[1], Store(work_pointer(db)).current()[1]):
        data, texts = _stored_text(path)
        for digits in (CPR, CPR_DASH, NINE):
            assert digits.encode() not in data, f"{digits} in the bytes of {path}"
        assert not [t for t in texts if "4567" in t], f"a CPR number stored in {path}"


# --- Headers -------------------------------------------------------------------------------


@pytest.mark.parametrize("header,extra", [
    (CPR, ()), (CPR, ("--ignore-extra-columns",)), (CPR_DASH, ("--ignore-extra-columns",)), (f"note {CPR}", ()),
])
def test_cpr_shaped_header_is_refused_and_never_printed(tmp_path, capsys, header, extra):
    header_row, rows = TABLES["cases"]
    folder = write_dataset(tmp_path / "in", {"cases": (header_row + [header], [r + [""] for r in rows])})
    code, text, db = _load(capsys, tmp_path, folder, extra=extra)
    assert code == 2 and "[column.cpr]" in text and "****" in text
    _assert_masked(text)
    assert not db.is_symlink()


def test_cpr_shaped_header_in_xlsx_and_parquet_is_refused(tmp_path, capsys):
    book = tmp_path / "udtraek.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    for name, (header, rows) in TABLES.items():
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, header + ([int(CPR)] if name == "pool_grants" else []))
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    workbook.close()
    code, text, _ = _load(capsys, tmp_path, book, extra=("--ignore-extra-columns",))
    assert code == 2 and "[column.cpr]" in text
    _assert_masked(text)

    folder = write_dataset(tmp_path / "pq", omit=("pool_grants",))
    header, rows = TABLES["pool_grants"]
    columns = {c: [r[i] for r in rows] for i, c in enumerate(header)}
    columns[CPR_DASH] = ["", ""]
    pq.write_table(pa.table(columns), folder / "pool_grants.parquet")
    code, text, _ = _load(capsys, tmp_path, folder, extra=("--ignore-extra-columns",))
    assert code == 2 and "[column.cpr]" in text
    _assert_masked(text)


# --- Values: every report line masks ---------------------------------------------------------


def test_every_report_line_masks_the_cpr_number_whatever_the_rule(tmp_path, capsys):
    header, rows = copy.deepcopy(TABLES["cases"])
    rows[0][CASE_COLUMNS.index("case_id")] = CPR  # value.cpr, and key.duplicate with the next row
    rows[1][CASE_COLUMNS.index("case_id")] = CPR
    rows[2][CASE_COLUMNS.index("sex")] = CPR  # a category
    rows[3][CASE_COLUMNS.index("referral_date")] = CPR_DASH  # a date
    rows[4][CASE_COLUMNS.index("decision")] = f"andet {CPR_DASH}"
    folder = write_dataset(tmp_path / "in", {"cases": (header, rows)})
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        f.write(f"C99,{CPR}\n")  # a ragged line: reported with the line as written
    code, text, _ = _load(capsys, tmp_path, folder)
    assert code == 2 and "[csv.structure]" in text
    _assert_masked(text)

    (folder / "cases.csv").write_text(
        (folder / "cases.csv").read_text(encoding="utf-8").rsplit("C99", 1)[0], encoding="utf-8")
    code, text, _ = _load(capsys, tmp_path, folder)
    assert code == 2
    assert "[key.duplicate]" in text and "[value.cpr]" in text
    _assert_masked(text)


# --- Numbers with the leading zero restored --------------------------------------------------


def test_nine_digit_number_is_a_cpr_number_in_csv_xlsx_and_parquet(tmp_path, capsys):
    header, rows = copy.deepcopy(TABLES["pool_grants"])
    rows[0][header.index("granted_dkk")] = NINE
    folder = write_dataset(tmp_path / "csv", {"pool_grants": (header, rows)})
    code, text, _ = _load(capsys, tmp_path, folder)
    assert code == 2 and "pool_grants.csv, linje 2, kolonne granted_dkk" in text and "[value.cpr]" in text
    _assert_masked(text)

    book = tmp_path / "udtraek.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    for name, (h, rs) in TABLES.items():
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, h)
        for r, row in enumerate(rs, start=1):
            sheet.write_row(r, 0, row)
        if name == "cases":
            sheet.write_number(1, 0, int(NINE))  # case_id typed as a number
    workbook.close()
    code, text, _ = _load(capsys, tmp_path, book)
    assert code == 2 and "ark cases, række 2, kolonne case_id" in text and "[value.cpr]" in text
    _assert_masked(text)

    folder = write_dataset(tmp_path / "pq", omit=("pool_grants",))
    columns = {c: [r[i] for r in TABLES["pool_grants"][1]] for i, c in enumerate(header)}
    columns["granted_dkk"] = pa.array([int(NINE), 1_250_000], type=pa.int64())
    columns["spent_dkk"] = pa.array([float(NINE), None], type=pa.float64())
    pq.write_table(pa.table(columns), folder / "pool_grants.parquet")
    code, text, _ = _load(capsys, tmp_path, folder)
    assert code == 2 and "pool_grants.parquet, række 1, kolonne granted_dkk" in text
    assert "kolonne spent_dkk" in text and "[value.cpr]" in text
    _assert_masked(text)


@pytest.mark.parametrize("value,is_cpr", [
    (CPR, True), (CPR_DASH, True), (NINE, True), (f" {NINE} ", True), (f"note {CPR_DASH}.", True),
    (f"\u00a0{NINE}\u3000", True),  # spaces a spreadsheet export leaves around a number
    ("0000000000 2107834567", True), ("x 0000000000-2107834567", True),  # a CPR number after a ten-digit run
    ("123456-7890 note 210783-4567", True), ("12-210783-4567", True), ("210783-4567-8901", True),
    (f"\t{NINE}", True), (f"\n{NINE}\r", True),  # whitespace of any kind around nine digits
    ("123456-7890-12", False), ("0000000000-1234", False), ("1234567890-1234", False),
    ("R0101-0000001", False), ("1234567890123", False),  # digits, but no CPR number's shape
    ("400000000", False),  # 0400000...: month 00
    ("9999999999", False), ("12345678", False), ("12107834567", False), ("1.250.000", False), ("1250000", False),
])
def test_python_and_sql_agree_on_what_is_cpr_shaped(value, is_cpr):
    from etl import contract, transform

    con = duckdb.connect()
    try:
        transform.macros(con)
        assert con.execute("SELECT rf_is_cpr($v)", {"v": value}).fetchall() == [(is_cpr,)]
    finally:
        con.close()
    assert contract.is_cpr(value) is is_cpr


# --- Manifest ------------------------------------------------------------------------------


@pytest.mark.parametrize("manifest", [{"note": CPR_DASH}, {"contact": {"cpr": int(NINE)}}, {CPR: True}])
def test_cpr_in_the_manifest_is_refused_and_masked(tmp_path, capsys, manifest):
    folder = write_dataset(tmp_path / "in")
    (folder / "dataset.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, text, db = _load(capsys, tmp_path, folder)
    assert code == 2 and "dataset.json" in text and "[value.cpr]" in text
    _assert_masked(text)
    assert not db.is_symlink()


# --- What is stored ------------------------------------------------------------------------


def test_nothing_cpr_shaped_is_stored_or_printed_from_file_names_or_older_load_logs(tmp_path, capsys):
    folder = write_dataset(tmp_path / CPR)  # the folder's name reaches the load log
    code, text, db = _load(capsys, tmp_path, folder)
    assert code == 0, text
    _assert_masked(text)
    _assert_not_stored(db)
    code, text = _run(capsys, "status", "--db", db)
    assert code == 0 and "210783****" in text
    _assert_masked(text)

    # A log written before masking: a dropped column named by a CPR number.
    old = Store(work_pointer(db)).current()[1]
    con = duckdb.connect(str(old))
    try:
        con.execute("UPDATE meta_load_log SET ignored_columns_json = $j, sources_json = replace(sources_json, "
                    "'210783****', $f)", {"j": json.dumps({"cases": [CPR_DASH]}), "f": CPR})
        con.execute("CHECKPOINT")
    finally:
        con.close()
    assert CPR.encode() in old.read_bytes()
    for args in (("status", "--db", db), ("status", "--db", db, "--json")):
        code, text = _run(capsys, *args)
        assert code == 0
        _assert_masked(text)
    code, text, db = _load(capsys, tmp_path, folder)
    assert code == 0 and "Version 2 udgivet" in text
    _assert_not_stored(db)
