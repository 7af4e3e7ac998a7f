"""The CSV download read back the way a Danish Excel reads it: ';', decimal comma, UTF-8 with BOM."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import polars as pl

from tests.protect import protect_table
from ui import format as fmt
from ui.export import Metadata, about_lines
from ui.tables import csv_bytes, display_frame

FRAME = pl.DataFrame({
    "name": ["Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Hele landet"],
    "requests": [1234, 3, 0, 1237],
    "share": [0.4567, 0.5, None, 0.25],
    "days": [96.25, 12.0, None, 101.5],
    "quarter_end": [date(2019, 6, 30), date(2019, 6, 30), date(2019, 6, 30), date(2019, 6, 30)],
})
COLUMNS = {"name": "Område", "requests": "Anmodninger", "share": "Andel", "days": "Dage i gennemsnit",
           "quarter_end": "Opgjort"}
FORMATS = {"share": fmt.percent}


def _table():
    # 'share' and 'days' are computed from 'requests': hidden with it where it is 1..4.
    return protect_table(FRAME, counts=["requests"], statistics={"share": "requests", "days": "requests"})


def _read(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM makes Excel read UTF-8 (æøå)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_reads_back_as_the_shown_values_with_hidden_cells_as_dots():
    table = _table()
    rows = _read(csv_bytes(table, COLUMNS, FORMATS, source="Indlæste data, dataversion 3", synthetic=True))
    assert rows[0] == list(COLUMNS.values())
    shown = display_frame(table, COLUMNS, FORMATS)
    assert rows[1:5] == [list(r) for r in shown.iter_rows()]
    assert rows[1] == ["Region Hovedstaden", "1.234", "45,7 %", "96,3", "30. jun. 2019"]
    assert rows[2] == ["Region Sjælland", "..", "..", "..", "30. jun. 2019"]  # 3 persons: hidden, with its share
    assert rows[3] == ["Region Syddanmark", "0", "–", "–", "30. jun. 2019"]  # a true zero; its share does not exist
    notes = [r[0] for r in rows[5:] if r]
    assert notes[0].startswith("«..» betyder, at tallet er skjult") and "færre end 5 personer" in notes[0]
    assert any(n.startswith("Syntetiske data") for n in notes)
    assert "Kilde: Indlæste data, dataversion 3" in notes


def test_polars_with_danish_settings_reads_the_decimal_comma_as_numbers():
    table = protect_table(FRAME.filter(pl.col("requests") != 3), counts=["requests"], statistics={"days": "requests"})
    data = csv_bytes(table, {"name": "Område", "days": "Dage i gennemsnit"})
    back = pl.read_csv(io.BytesIO(data), separator=";", decimal_comma=True, n_rows=table.frame.height,
                       encoding="utf8-lossy", null_values=["–"])
    assert back.columns[0].lstrip("\ufeff") == "Område"
    assert back["Dage i gennemsnit"].dtype == pl.Float64
    assert back["Dage i gennemsnit"].to_list() == [96.3, None, 101.5]  # shown with one decimal, half up


def test_about_lines_close_the_file():
    meta = Metadata("Anmodninger", "Indlæste data", 7, datetime(2026, 11, 23, 15, 5, tzinfo=timezone.utc),
                    date(2024, 12, 31), False, {"Område": "Region Sjælland"}, "http://localhost:8501/x?region=1")
    rows = _read(csv_bytes(_table(), COLUMNS, FORMATS, source="Indlæste data", about=about_lines(meta)))
    assert [";".join(r) for r in rows[-6:]] == [
        "Kilde: Indlæste data", "Dataversion: 7", "Indlæst: 23. nov. 2026 kl. 16:05", "Data til og med: 31. dec. 2024",
        "Filter: Område: Region Sjælland", "Link til visningen: http://localhost:8501/x?region=1"]


def test_no_note_when_nothing_is_hidden():
    table = protect_table(FRAME.filter(pl.col("requests") != 3), counts=["requests"])
    rows = _read(csv_bytes(table, {"name": "Område", "requests": "Anmodninger"}))
    assert [r for r in rows[4:] if r] == []
    assert [r[1] for r in rows[1:4]] == ["1.234", "0", "1.237"]
