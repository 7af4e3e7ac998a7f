"""Protected tables in the UI: small counts and statistics on few persons are hidden, zero and missing kept."""

import polars as pl
import pytest

from analysis.protected import ProtectedTable
from tests.protect import protect_count, protect_statistic, protect_table
from ui.tables import csv_bytes, display_frame


@pytest.mark.parametrize("n,hidden,shown", [
    (0, False, 0), (1, True, None), (4, True, None), (5, False, 5), (None, False, None), (30000, False, 30000),
])
def test_counts(n, hidden, shown):
    value = protect_count(n, k=5)
    assert (value.hidden, value.value) == (hidden, shown)


@pytest.mark.parametrize("value,base,hidden,shown", [
    (0.25, 4, True, None), (0.25, 5, False, 0.25), (None, 0, False, None), (12.0, 100, False, 12.0),
])
def test_statistics(value, base, hidden, shown):
    protected = protect_statistic(value, base, k=5)
    assert (protected.hidden, protected.value) == (hidden, shown)


def test_table_hides_cells_and_statistics_on_small_bases_and_keeps_zero_and_missing():
    frame = pl.DataFrame({"group": ["a", "b", "c", "d"], "n": [12, 3, 0, None], "share": [0.5, 0.33, None, None]})
    table = protect_table(frame, counts=["n"], statistics={"share": "n"}, k=5)
    assert table.frame["n"].to_list() == [12, None, 0, None]
    assert table.frame["share"].to_list() == [0.5, None, None, None]
    assert table.is_hidden("n").to_list() == [False, True, False, False]
    shown = display_frame(table, {"group": "Gruppe", "n": "Antal", "share": "Andel"})
    assert shown["Antal"].to_list() == ["12", "..", "0", "–"]
    assert shown["Andel"].to_list() == ["0,5", "..", "–", "–"]
    assert table.any_hidden


def test_display_refuses_unprotected_frames():
    with pytest.raises(TypeError):
        display_frame(pl.DataFrame({"n": [1]}), {"n": "Antal"})


def test_csv_download_is_danish_excel_with_marks_and_note():
    table = protect_table(pl.DataFrame({"year": [2017, 2018], "n": [1234, 2]}), counts=["n"], k=5)
    data = csv_bytes(table, {"year": "År", "n": "Antal"}, {"year": str}, source="Testkilde", synthetic=True)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig").splitlines()
    assert text[:3] == ["År;Antal", "2017;1.234", "2018;.."]
    assert any("færre end 5 personer" in line for line in text)
    assert "Syntetiske data" in data.decode("utf-8-sig") and "Kilde: Testkilde" in text[-1]
    assert isinstance(table, ProtectedTable)
