"""Downloads never hand a spreadsheet a formula: CSV text cells that begin with = + - @, a tab or a
carriage return get a leading quote (OWASP), numbers stay numbers, and the XLSX writes text as text."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import openpyxl
import polars as pl

from tests.protect import protect_table
from ui import export
from ui import format as fmt
from ui.tables import csv_bytes, neutralised

FORMULAS = ["=1+1", '=HYPERLINK("https://evil.example","klik")', "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]
FRAME = pl.DataFrame({
    "title": [*FORMULAS, "Borgeren først"],
    "change": [-3.5, 1234.0, -1234567.25, 0.0, 2.0, -0.25, 3.0, 1.0],
    "count": [10, 20, 30, 40, 50, 60, 70, 80],
})
COLUMNS = {"title": "Projekt", "change": "Ændring", "count": "Antal"}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_text_cells_that_would_be_formulas_get_a_leading_quote():
    rows = _rows(csv_bytes(protect_table(FRAME, counts=["count"]), COLUMNS))
    titles = [r[0] for r in rows[1:9]]
    assert titles == ["'" + f for f in FORMULAS] + ["Borgeren først"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
                   if cell not in ("-3,5", "-1.234.567,3", "-0,3"))


def test_numbers_stay_numbers_in_danish_excel_and_polars():
    table = protect_table(FRAME, counts=["count"])
    data = csv_bytes(table, COLUMNS)
    rows = _rows(data)
    assert [r[1] for r in rows[1:4]] == ["-3,5", "1.234,0", "-1.234.567,3"]  # no quote before a negative number
    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True, n_rows=table.frame.height,
                       columns=["Antal"])
    assert back["Antal"].dtype == pl.Int64
    # A number written by a percent or signed formatter is not a formula either.
    assert neutralised("-4,5 %", numeric=True) == "-4,5 %" and neutralised("+3,3", numeric=True) == "+3,3"
    # In a numeric column, anything that is not a plain number is still neutralised.
    assert neutralised("-1+1", numeric=True) == "'-1+1" and neutralised("-3,5", numeric=False) == "'-3,5"


def test_lines_below_the_table_are_single_cells_that_start_no_formula():
    table = protect_table(FRAME.head(1), counts=["count"])
    about = export.about_lines(export.Metadata(
        "t", "s", 3, datetime(2026, 1, 1, tzinfo=timezone.utc), None, False,
        {"Område": 'x;=HYPERLINK("https://evil.example")\n@SUM(A1)'}, "http://localhost:8501/pool"))
    rows = _rows(csv_bytes(table, COLUMNS, source="=1+1", about=about))
    below = [r for r in rows[2:] if r]
    assert all(len(r) == 1 for r in below)  # a ';' or line break in a value starts no new cell
    assert ["Kilde: =1+1"] in below
    assert ['Filter: Område: x;=HYPERLINK("https://evil.example")\n@SUM(A1)'] in below


def test_xlsx_writes_formula_like_text_as_text():
    table = protect_table(FRAME, counts=["count"])
    meta = export.Metadata("=1+1", "=HYPERLINK(\"https://evil.example\")", 3, None, None, False,
                           {"Område": "=1+1"}, "http://localhost:8501/pool")
    data = export.xlsx_bytes(table, COLUMNS, {"change": lambda v: fmt.number(v, 1)}, metadata=meta)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for row in book["Tabel"].iter_rows() for c in row] + \
            [c for row in book["Metadata"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no formula anywhere
    titles = [book["Tabel"].cell(r, 1).value for r in range(2, 9)]
    assert titles[:5] == FORMULAS[:5] and all(book["Tabel"].cell(r, 1).data_type == "s" for r in range(2, 9))
    assert book["Tabel"].cell(2, 2).value == -3.5 and book["Tabel"].cell(2, 2).data_type == "n"
