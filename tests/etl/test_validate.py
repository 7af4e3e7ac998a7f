"""Validation finds the rare bad cell wherever it is: the suspect rows are found in one pass and
only they are taken apart, and control characters are looked for cell by cell only in a file
whose bytes cannot rule them out."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl import extract
from etl.load import load
from etl.problems import InvalidInput
from tests.fixtures import TABLES, write_csv, write_dataset

ROWS = 130_000  # past DuckDB's first row group (122.880 rows): the end of the file is another part
CPR = "2107834567"


def _case(i: int) -> list[str]:
    return [f"R0147-{i:07d}", "147", "F", "50-59", "2016-03-01", "2016-05-02", "flex_job", "2016-05-20", "true",
            "", "", "", "", "", ""]


def _problems(folder, tmp_path) -> list[tuple[str, str, str | None, str]]:
    with pytest.raises(InvalidInput) as caught:
        load([folder], tmp_path / "db" / "rf.duckdb")
    return [(p.location, p.column, p.value, p.rule) for p in caught.value.problems]


def test_bad_cells_in_the_middle_of_a_large_file_are_reported_with_their_line_and_column(tmp_path):
    header, tiny = TABLES["cases"]
    rows = [list(r) for r in tiny] + [_case(i) for i in range(ROWS)]
    rows[1_000][0] = "R0147-line\nbreak"  # a quoted value over two lines: later records start a line further
    rows[61_234][0] = "R0147-\x1b-61234"
    rows[97_001][0] = f"R0147-{CPR}"
    rows[125_500][4] = "2016-02-30"
    folder = write_dataset(tmp_path / "in")
    write_csv(folder / "cases.csv", header, rows)
    # A CPR number is listed first: it makes the whole extract suspect.
    assert _problems(folder, tmp_path) == [
        (f"linje {97_001 + 3}", "case_id", f"R0147-{CPR}", "value.cpr"),
        (f"linje {61_234 + 3}", "case_id", "R0147-\x1b-61234", "value.control"),
        (f"linje {125_500 + 3}", "referral_date", "2016-02-30", "value.date"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_control_character_in_a_file_of_any_accepted_encoding_is_found(tmp_path, encoding):
    header, rows = TABLES["pool_grants"]
    rows = [list(r) for r in rows]
    rows[0][header.index("project_title")] = "Borgeren først\x07"
    folder = write_dataset(tmp_path / "in")
    write_csv(folder / "pool_grants.csv", header, rows, encoding=encoding)
    assert _problems(folder, tmp_path) == [("linje 2", "project_title", "Borgeren først\x07", "value.control")]


def test_only_a_file_whose_bytes_rule_out_control_characters_skips_the_check_by_cell(tmp_path):
    folder = write_dataset(tmp_path / "in")
    header, rows = TABLES["pool_grants"]
    parquet_path = tmp_path / "pool_grants.parquet"
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(header)}), parquet_path)
    con = duckdb.connect()
    try:
        csv = extract.read_source(con, extract.Source("pool_grants", folder / "pool_grants.csv", "csv"))
        parquet = extract.read_source(con, extract.Source("pool_grants", parquet_path, "parquet"))
    finally:
        con.close()
    assert csv.control_free and not parquet.control_free


@pytest.mark.parametrize("codec", sorted(extract.CONTROL_AS_OWN_BYTE))
def test_the_encodings_trusted_by_their_bytes_write_a_control_character_only_as_its_byte(codec):
    controls = extract.CONTROL_BYTES
    if codec.startswith("utf-8"):
        # UTF-8 decodes one way only: it is enough that each control character is its own byte
        # and that no other character is written with one.
        others = "".join(chr(c) for c in range(0x110000)
                         if not 0xD800 <= c < 0xE000 and (c > 0x7F or c not in controls))
        encoded = others.encode(codec)
        assert len(encoded.translate(None, controls)) == len(encoded)
        assert all(bytes([b]).decode(codec) == chr(b) for b in controls)
    else:
        for b in range(256):
            try:
                char = bytes([b]).decode(codec)
            except UnicodeDecodeError:
                continue
            assert (b in controls) == bool(extract._CONTROL.fullmatch(char)), (codec, b)
