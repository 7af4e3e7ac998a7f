"""Hostile and broken files: bounded work, one encoding, no control characters, literal paths,
exit 2 with a Danish message (never a traceback) for every bad input, and a publish that says so."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

import settings
from etl import extract
from etl.cli import main
from etl.publish import Store, work_pointer
from tests.fixtures import CASE_COLUMNS, CASES, TABLES, write_csv, write_dataset

ROOT = Path(settings.ROOT)


def _run(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in this process: exit code, stdout and stderr."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _rejected(capsys, tmp_path: Path, *paths: Path, extra: tuple[str, ...] = ()) -> str:
    """Load `paths` and require exit 2 with a Danish report, no traceback, nothing published."""
    db = tmp_path / "db" / "rf.duckdb"
    code, out, err = _run(capsys, "load", *paths, "--db", db, *extra)
    assert code == 2, err
    assert "Traceback" not in err and "Indlæsningen er afvist" in err
    assert not db.is_symlink(), "a rejected load publishes nothing"
    return err


def _read(folder: Path, table: str) -> list[tuple]:
    """The rows of one table as the load reads them (all text), without building a release."""
    con = duckdb.connect()
    try:
        dataset = extract.discover([folder])
        raw = extract.read_source(con, dataset.sources[table])
        return con.execute(f"SELECT * FROM {raw.relation}").fetchall()
    finally:
        con.close()


# --- Bounded memory and time -----------------------------------------------------------------


def test_csv_with_thousands_of_extra_columns_is_refused_by_its_header(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in")
    header, rows = TABLES["cases"]
    wide = header + [f"x{i}" for i in range(20_000)]
    write_csv(folder / "cases.csv", wide, [row + [""] * 20_000 for row in rows])
    err = _rejected(capsys, tmp_path, folder, extra=("--ignore-extra-columns",))
    assert "cases.csv, linje 1" in err and "20.015 kolonner" in err and "[file.columns]" in err


def test_too_many_rows_names_the_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "MAX_ROWS", 5)
    err = _rejected(capsys, tmp_path, write_dataset(tmp_path / "in"))
    assert "cases.csv: " in err and "8 rækker" in err and "[file.rows]" in err


def test_oversized_cell_is_reported_with_line_and_column(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "MAX_CELL_CHARS", 100)
    header, rows = TABLES["pool_grants"]
    rows = [list(r) for r in rows]
    rows[1][header.index("project_title")] = "x" * 101
    folder = write_dataset(tmp_path / "in", {"pool_grants": (header, rows)})
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.csv, linje 3, kolonne project_title" in err and "[value.size]" in err
    assert "x" * 61 not in err, "a long value is shortened in the report"


def test_oversized_line_is_refused_without_reading_it_whole(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "MAX_LINE_BYTES", 10_000)
    header, rows = TABLES["pool_grants"]
    rows = [list(r) for r in rows]
    rows[0][header.index("project_title")] = "y" * 50_000
    folder = write_dataset(tmp_path / "in", {"pool_grants": (header, rows)})
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.csv" in err and "[csv.line_size]" in err


def test_oversized_file_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "MAX_FILE_BYTES", 500)
    err = _rejected(capsys, tmp_path, write_dataset(tmp_path / "in"))
    assert "cases.csv: " in err and "[file.size]" in err


def test_a_file_of_ragged_lines_lists_the_first_and_counts_the_rest(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in")
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        f.write("C99,101\n" * 500)
    err = _rejected(capsys, tmp_path, folder)
    assert "500 problemer" in err and "cases.csv, linje 10" in err and "[csv.structure]" in err
    assert "... og 400 problemer mere" in err


def _workbook(path: Path, tables: dict = TABLES) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, (header, rows) in tables.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    book.close()
    return path


def _rewrite_sheet(path: Path, sheet_no: int, edit) -> None:
    """Edit one worksheet's XML inside the workbook (the way a hostile tool could write it)."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = f"xl/worksheets/sheet{sheet_no}.xml"
    members[name] = edit(members[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)


def test_workbook_declaring_the_whole_sheet_is_refused(tmp_path, capsys):
    path = _workbook(tmp_path / "udtraek.xlsx")
    _rewrite_sheet(path, 1, lambda xml: xml.replace('<dimension ref="A1:O9"/>', '<dimension ref="A1:XFD1048576"/>'))
    err = _rejected(capsys, tmp_path, path)
    assert "udtraek.xlsx [ark cases]" in err and "A1:XFD1048576" in err and "[xlsx.dimension]" in err


def test_workbook_with_a_far_away_cell_and_no_dimension_is_read_quickly(tmp_path, capsys):
    # No declared size, but a cell at the last row and column: padding every row to it
    # would take minutes; the cells beyond the header are not part of the table.
    path = _workbook(tmp_path / "udtraek.xlsx")

    def edit(xml: str) -> str:
        xml = xml.replace('<dimension ref="A1:O9"/>', "")
        return xml.replace("</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>C99</t></is></c>'
                           '<c r="XFD1048576"><v>1</v></c></row></sheetData>')

    _rewrite_sheet(path, 1, edit)
    db = tmp_path / "rf.duckdb"
    code, out, err = _run(capsys, "load", path, "--db", db)
    assert code == 2 and "Traceback" not in err
    assert "ark cases, række 1048576" in err  # a row that is not blank, beyond the data


def test_workbook_that_inflates_beyond_the_limit_is_refused(tmp_path, capsys, monkeypatch):
    header, rows = TABLES["cases"]
    path = _workbook(tmp_path / "udtraek.xlsx", {**TABLES, "cases": (header, rows * 200)})
    with zipfile.ZipFile(path) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    packed = path.stat().st_size
    assert unpacked > 2 * packed
    monkeypatch.setattr(settings, "MAX_FILE_BYTES", (packed + unpacked) // 2)  # above the file, below its XML
    err = _rejected(capsys, tmp_path, path)
    assert "udtraek.xlsx" in err and "[file.size]" in err


def test_parquet_limits_come_from_its_metadata(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "MAX_COLUMNS", 20)
    folder = write_dataset(tmp_path / "in", omit=("cases",))
    columns = {c: [r[i] for r in CASES] for i, c in enumerate(CASE_COLUMNS)}
    columns.update({f"x{i}": [""] * len(CASES) for i in range(30)})
    pq.write_table(pa.table(columns), folder / "cases.parquet")
    err = _rejected(capsys, tmp_path, folder, extra=("--ignore-extra-columns",))
    assert "cases.parquet" in err and "45 kolonner" in err and "[file.columns]" in err


# --- Encoding and control characters ---------------------------------------------------------


def test_file_mixing_utf8_and_cp1252_is_refused_at_the_first_odd_line(tmp_path, capsys):
    header, rows = TABLES["pool_grants"]
    folder = write_dataset(tmp_path / "in")
    lines = [",".join(header), ",".join(rows[0]).replace("Borgeren først", "Borgeren først"),
             ",".join(rows[1]).replace("Hurtigere afklaring", "Hurtigere afklaring i Næstved")]
    data = (lines[0] + "\n" + lines[1] + "\n").encode("utf-8") + (lines[2] + "\n").encode("cp1252")
    (folder / "pool_grants.csv").write_bytes(data)
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.csv, linje 3" in err and "[csv.encoding_mixed]" in err
    assert "linje 2" in err  # where the UTF-8 text was seen


def test_pure_cp1252_file_still_reads_as_cp1252(tmp_path):
    folder = write_dataset(tmp_path / "in")
    header, rows = TABLES["pool_grants"]
    rows = [[v.replace("afklaring", "afklaring i Næstved") for v in r] for r in rows]
    write_csv(folder / "pool_grants.csv", header, rows, encoding="cp1252")
    titles = [r[header.index("project_title")] for r in _read(folder, "pool_grants")]
    assert titles == ["Borgeren først", "Hurtigere afklaring i Næstved"]


@pytest.mark.parametrize("char", ["\x00", "\x1b"])
def test_control_character_in_a_csv_value_is_refused_with_its_line(tmp_path, capsys, char):
    header, rows = TABLES["pool_grants"]
    rows = [list(r) for r in rows]
    rows[1][header.index("project_title")] = f"Hurtigere{char}afklaring"
    folder = write_dataset(tmp_path / "in", {"pool_grants": (header, rows)})
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.csv, linje 3, kolonne project_title" in err and "[value.control]" in err
    assert char not in err, "the report shows the character escaped, not raw"


def test_control_character_in_a_header_is_refused(tmp_path, capsys):
    header, rows = TABLES["pool_grants"]
    folder = write_dataset(tmp_path / "in", {"pool_grants": (["grant_id\x00", *header[1:]], rows)})
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.csv, linje 1" in err and "[value.control]" in err


def test_control_character_in_parquet_and_xlsx_is_refused(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in", omit=("pool_grants",))
    header, rows = TABLES["pool_grants"]
    columns = {c: [r[i] for r in rows] for i, c in enumerate(header)}
    columns["project_title"] = ["ok", "nul\x00byte"]
    pq.write_table(pa.table(columns), folder / "pool_grants.parquet")
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.parquet, række 2, kolonne project_title" in err and "[value.control]" in err

    # XML cannot hold a control character: a workbook with one written raw is unreadable.
    book = _workbook(tmp_path / "udtraek.xlsx")
    _rewrite_shared_string(book, "Borgeren først", "Borgeren\x07først")
    err = _rejected(capsys, tmp_path, book)
    assert "udtraek.xlsx" in err and "[file.unreadable]" in err


def _rewrite_shared_string(path: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    name = "xl/sharedStrings.xml"
    members[name] = members[name].decode("utf-8").replace(old, new).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)


# --- Paths are literal -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["*", "[ab]", "?"])
def test_folder_with_glob_characters_reads_only_its_own_files(tmp_path, name):
    folder = write_dataset(tmp_path / name)
    header, rows = TABLES["pool_grants"]
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), folder / "pool_grants.parquet")
    (folder / "pool_grants.csv").unlink()
    sibling = write_dataset(tmp_path / "a")
    with open(sibling / "cases.csv", "a", encoding="utf-8") as f:
        f.write("C99,101,F,30-39,2016-01-04,,,,,,,,,,\n")
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), sibling / "pool_grants.parquet")
    assert len(_read(folder, "cases")) == 8
    assert len(_read(folder, "pool_grants")) == 2


# --- Every bad manifest and value exits 2 ----------------------------------------------------


@pytest.mark.parametrize("manifest", [
    b"[1, 2]", b'"synthetic"', b"42", b"null", b'{"data_end_date": "31-12-2024"}',
    b'{"data_end_date": 20241231}', b'{"data_end_date": "2024-02-30"}', b"{", b"\xff\xfe{}",
    b"[" * 100_000 + b"]" * 100_000,
])
def test_bad_manifest_exits_2(tmp_path, capsys, manifest):
    folder = write_dataset(tmp_path / "in")
    (folder / "dataset.json").write_bytes(manifest)
    err = _rejected(capsys, tmp_path, folder)
    assert "dataset.json" in err


@pytest.mark.parametrize("column,values", [
    ("granted_dkk", [float("inf"), 1.0]),
    ("granted_dkk", [float("nan"), 1.0]),
    ("granted_dkk", [1e30, 1.0]),
    ("granted_dkk", [[1], [2]]),
    ("granted_dkk", [{"a": 1}, {"a": 2}]),
    ("period_start", [b"\x00\x01", b"2017"]),
    ("municipality_code", [2**63 - 1, 101]),
])
def test_bad_parquet_value_exits_2(tmp_path, capsys, column, values):
    folder = write_dataset(tmp_path / "in", omit=("pool_grants",))
    header, rows = TABLES["pool_grants"]
    columns = {c: pa.array([r[i] for r in rows]) for i, c in enumerate(header)}
    columns[column] = pa.array(values)
    pq.write_table(pa.table(columns), folder / "pool_grants.parquet")
    err = _rejected(capsys, tmp_path, folder)
    assert "pool_grants.parquet" in err


def test_corrupt_parquet_and_workbook_exit_2(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in", omit=("pool_grants",))
    (folder / "pool_grants.parquet").write_bytes(b"PAR1" + b"\x00" * 100 + b"PAR1")
    assert "pool_grants.parquet" in _rejected(capsys, tmp_path, folder)
    (folder / "pool_grants.parquet").unlink()
    (folder / "pool_grants.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    assert "pool_grants.xlsx" in _rejected(capsys, tmp_path, folder)


# --- Tables that would leave a page with nothing to show --------------------------------------


def test_cases_without_rows_is_refused(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in", {"cases": (CASE_COLUMNS, [])}, omit=("pilot_requests",))
    write_csv(folder / "pilot_requests.csv", TABLES["pilot_requests"][0], [])
    err = _rejected(capsys, tmp_path, folder)
    assert "cases.csv" in err and "[table.empty]" in err


def test_data_end_date_before_the_data_is_refused(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in")
    (folder / "dataset.json").write_text(json.dumps({"data_end_date": "2018-06-30"}), encoding="utf-8")
    err = _rejected(capsys, tmp_path, folder)
    assert "dataset.json" in err and "2019-12-31" in err and "[manifest.data_end_date]" in err


@pytest.mark.slow
@pytest.mark.parametrize("page", ["overview.py", "pilot.py", "pool.py", "processing.py", "briefing.py"])
def test_empty_tables_the_contract_allows_leave_every_page_working(tmp_path, monkeypatch, page):
    # pilot_requests and pool_grants may hold no rows, health_advice_channels may be left out:
    # every page then says it has nothing to show, without an exception (open_page asserts it).
    from streamlit.runtime.pages_manager import PagesManager

    from tests.pages.runner import open_page

    folder = write_dataset(tmp_path / "in", {"pilot_requests": (TABLES["pilot_requests"][0], []),
                                             "pool_grants": (TABLES["pool_grants"][0], [])},
                           omit=("health_advice_channels",))
    db = tmp_path / "rf.duckdb"
    assert main(["load", str(folder), "--db", str(db)]) == 0
    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # as tests/pages/conftest.py: pages inside app.py's navigation
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    open_page(db, monkeypatch, page)


# --- Leftovers and disk full ----------------------------------------------------------------


def _limit_file_size(limit: int):
    def apply() -> None:
        # A write past the limit fails with EFBIG instead of killing the process (SIGXFSZ),
        # the way a full disk fails a write with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_load_exits_with_a_danish_message_and_keeps_the_published_version(tmp_path, capsys):
    folder = write_dataset(tmp_path / "in")
    db = tmp_path / "db" / "rf.duckdb"
    # A spill folder left by an earlier crash: tidying it up must not fail the publish.
    for store in (Store(db), Store(work_pointer(db))):
        (store.versions_dir / ".v0001.duckdb.tmp.tmp" / "x").mkdir(parents=True)
        (store.versions_dir / ".v0001.duckdb.tmp.tmp" / "x" / "spill.bin").write_bytes(b"0" * 10)
    code, out, err = _run(capsys, "load", folder, "--db", db)
    assert code == 0, err
    assert "Version 1 udgivet" in out
    assert not (Store(db).versions_dir / ".v0001.duckdb.tmp.tmp").exists()
    before = os.readlink(db)
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db)], cwd=ROOT, capture_output=True,
        text=True, preexec_fn=_limit_file_size(200_000), env={**os.environ, "RF_ETL_DEBUG": ""},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "ikke plads" in proc.stderr and "uændret" in proc.stderr
    assert os.readlink(db) == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT version FROM meta_dataset").fetchall() == [(1,)]
    finally:
        con.close()
    assert not [p for p in Store(db).versions_dir.iterdir() if p.name.startswith(".v")], "leftovers removed"
