"""XLSX and chart image downloads, opened again with their own libraries."""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from PIL import Image

from tests.protect import protect_table
from ui import charts, export
from ui import format as fmt
from ui.export import ExportUnavailable, Metadata

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                   reason="the system chromium is not installed (.ci/run installs it)")

FRAME = pl.DataFrame({
    "name": ["Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Hele landet"],
    "requests": [1234, 3, 0, 1237],
    "share": [0.4567, 0.5, None, 0.25],
    "rate": [12.3456, 40.0, None, 12.5],
    "granted": [40_400_000, 950_000, 0, 41_350_000],
    "quarter_start": [date(2019, 4, 1)] * 4,
    "day": [date(2019, 6, 30), date(2019, 6, 30), None, date(2019, 6, 30)],
})
COLUMNS = {"name": "Område", "requests": "Anmodninger", "share": "Tidlig afklaring", "rate": "Pr. 1.000 forløb",
           "granted": "Bevilget", "quarter_start": "Kvartal", "day": "Opgjort"}
FORMATS = {"share": fmt.percent, "rate": lambda v: fmt.number(v, 2), "granted": fmt.kroner,
           "quarter_start": fmt.quarter}
META = Metadata(
    title="Anmodninger efter region", source="Indlæste data, dataversion 7", version=7,
    loaded_at=datetime(2026, 11, 23, 15, 5, tzinfo=timezone.utc), data_end_date=date(2024, 12, 31), synthetic=True,
    filters={"Periode": "2017K3–2019K2", "Område": "Hele landet"},
    link="http://localhost:8501/sundhedskoordinator?fra=2017K3&til=2019K2", k=5,
)


def _table():
    return protect_table(FRAME, counts=["requests"], statistics={"share": "requests", "rate": "requests"})


@pytest.mark.parametrize("render,expected", [
    (fmt.number, "#,##0"),
    (lambda v: fmt.number(v, 1), "#,##0.0"),
    (lambda v: fmt.number(v, 2), "#,##0.00"),
    (fmt.percent, "#,##0.0 %"),
    (lambda v: fmt.percent(v, 0), "#,##0 %"),
    (fmt.kroner, '#,##0" kr."'),
    (lambda v: f"{fmt.number(v)} dage", '#,##0" dage"'),
    (fmt.signed, '"+"#,##0.0;"\u2212"#,##0.0;#,##0.0'),
    (fmt.points, None),  # percentage points: Excel cannot scale without '%', so the text is kept
    (str, None),  # '1234.5678' is not how the screen shows numbers: keep the text
    (fmt.day, None),
    (fmt.quarter, None),
    ({}.get, None),
])
def test_excel_number_format_follows_the_screen_formatter(render, expected):
    assert export.excel_number_format(render) == expected


def test_xlsx_table_has_numbers_as_numbers_and_hidden_cells_as_dots():
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(_table(), COLUMNS, FORMATS, metadata=META)))
    assert book.sheetnames == ["Tabel", "Metadata"]
    sheet = book["Tabel"]
    assert [c.value for c in sheet[1]] == list(COLUMNS.values())
    assert sheet.freeze_panes == "A2"
    hovedstaden, sjaelland, syddanmark, landet = (list(sheet[r]) for r in (2, 3, 4, 5))
    # Shown numbers are numbers with a Danish-displaying format, not text.
    assert hovedstaden[1].value == 1234 and hovedstaden[1].data_type == "n" and hovedstaden[1].number_format == "#,##0"
    assert hovedstaden[2].value == pytest.approx(0.4567) and hovedstaden[2].number_format == "#,##0.0 %"
    assert hovedstaden[3].value == pytest.approx(12.3456) and hovedstaden[3].number_format == "#,##0.00"
    assert hovedstaden[4].value == 40_400_000 and hovedstaden[4].number_format == '#,##0" kr."'
    assert hovedstaden[5].value == "2019K2"  # a quarter is text, as on screen
    assert hovedstaden[6].value == datetime(2019, 6, 30) and hovedstaden[6].number_format == export.DATE_FORMAT
    # Hidden: the text '..', never the value and never blank; its statistics hidden with it.
    assert [c.value for c in sjaelland[1:4]] == ["..", "..", ".."]
    assert sjaelland[4].value == 950_000  # public money, not persons: shown
    # A true zero stays 0; a value that does not exist is '–'.
    assert syddanmark[1].value == 0 and syddanmark[1].data_type == "n"
    assert syddanmark[2].value == "–" and syddanmark[3].value == "–" and syddanmark[6].value == "–"
    assert landet[1].value == 1237
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert 3 not in values and 0.5 not in values and 40.0 not in values  # the hidden values are nowhere
    below = [sheet.cell(r, 1).value for r in range(6, sheet.max_row + 1) if sheet.cell(r, 1).value]
    assert below[0].startswith("«..» betyder, at tallet er skjult") and "færre end 5 personer" in below[0]
    assert "Kilde: Indlæste data, dataversion 7" in below
    assert sheet.column_dimensions["A"].width >= len("Region Hovedstaden")


def test_xlsx_metadata_sheet():
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(_table(), COLUMNS, FORMATS, metadata=META)))
    sheet = book["Metadata"]
    rows = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert rows["Titel"].value == "Anmodninger efter region"
    assert rows["Kilde"].value == "Indlæste data, dataversion 7"
    assert rows["Dataversion"].value == "7"
    assert rows["Indlæst"].value == "23. nov. 2026 kl. 16:05"  # Copenhagen time (UTC+1 in November)
    assert rows["Data til og med"].value == "31. dec. 2024"
    assert rows["Filter: Periode"].value == "2017K3–2019K2" and rows["Filter: Område"].value == "Hele landet"
    assert "færre end 5 personer" in rows["Diskretionering"].value and "1 til 4" in rows["Diskretionering"].value
    assert rows["Syntetiske data"].value.startswith("Syntetiske data")
    link = rows["Link til visningen"]
    assert link.value == META.link and link.hyperlink.target == META.link
    assert book.properties.title == "Anmodninger efter region"


def test_xlsx_without_hidden_cells_has_no_note_but_the_metadata_keeps_the_rule():
    table = protect_table(FRAME.filter(pl.col("requests") != 3), counts=["requests"])
    real = replace(META, synthetic=False, filters={}, link="")
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(table, {"name": "Område", "requests": "Antal"},
                                                               metadata=real)))
    sheet = book["Tabel"]
    assert [sheet.cell(r, 2).value for r in (2, 3, 4)] == [1234, 0, 1237]
    below = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value]
    assert below == ["Kilde: Indlæste data, dataversion 7"]
    rows = {row[0].value: row[1].value for row in book["Metadata"].iter_rows(min_row=2)}
    assert rows["Filtre"] == "Ingen (alle data)" and "Syntetiske data" not in rows and "Link til visningen" not in rows
    assert "færre end 5 personer" in rows["Diskretionering"]


def test_xlsx_outside_a_loaded_dataset_leaves_the_dataset_rows_out():
    bare = replace(META, version=None, loaded_at=None, data_end_date=None, source="")
    book = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(_table(), COLUMNS, FORMATS, metadata=bare)))
    labels = [row[0].value for row in book["Metadata"].iter_rows(min_row=2)]
    assert labels[:2] == ["Titel", "Kilde"] and "Dataversion" not in labels and "Indlæst" not in labels
    assert "Diskretionering" in labels


def test_about_lines_for_a_csv_say_version_dates_filters_and_link():
    assert export.about_lines(META) == [
        "Dataversion: 7", "Indlæst: 23. nov. 2026 kl. 16:05", "Data til og med: 31. dec. 2024",
        "Filter: Periode: 2017K3–2019K2", "Filter: Område: Hele landet", f"Link til visningen: {META.link}",
    ]


def test_xlsx_refuses_unprotected_frames():
    with pytest.raises(TypeError):
        export.xlsx_bytes(FRAME, COLUMNS, metadata=META)


def _chart() -> charts.Chart:
    frame = pl.DataFrame({"quarter_start": [date(2017, 7, 1), date(2017, 10, 1), date(2018, 1, 1)],
                          "requests": [12, 3, 40], "cumulative": [12, 15, 55]})
    return charts.pilot_requests_by_quarter(protect_table(frame, counts=["requests", "cumulative"]))


def test_caption_names_source_and_hidden_counts():
    chart = _chart()
    caption = export.caption_text(chart, "Indlæste data, dataversion 7")
    assert caption.startswith("1 punkt er udeladt") and "Kilde: Indlæste data, dataversion 7." in caption
    plain = export.caption_text(charts.Chart(chart.figure, ""), "Kilde X", synthetic=True)
    assert plain == "Kilde: Kilde X. Syntetiske data. Antal fra 1 til 4 personer vises ikke (diskretionering)."


def test_a_missing_browser_gives_a_danish_message_naming_it(monkeypatch, tmp_path):
    export.clear_image_cache()
    missing = tmp_path / "no-such-chromium"
    monkeypatch.setenv("RF_BROWSER", str(missing))
    with pytest.raises(ExportUnavailable) as error:
        export.chart_image(_chart(), "png")
    assert str(missing) in str(error.value) and "apt-get install chromium" in str(error.value)
    assert str(error.value) == f"Figuren kan ikke gemmes som billede: {export.image_export_problem()}"
    assert export.image_export_problem().startswith("der er ingen browser på")  # the page's own sentence leads
    # No browser anywhere on PATH and none configured.
    monkeypatch.delenv("RF_BROWSER")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExportUnavailable, match="ingen Chromium- eller Chrome-browser"):
        export.chart_image(_chart(), "svg")


def test_warm_up_without_a_browser_does_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("RF_BROWSER", str(tmp_path / "no-such-chromium"))
    assert export.warm_up() is None


def test_a_missing_font_gives_a_danish_message(monkeypatch, tmp_path):
    monkeypatch.setenv("RF_FONT_DIR", str(tmp_path))
    with pytest.raises(ExportUnavailable, match="fonts-dejavu-core"):
        export.font_path()


@pytest.fixture(scope="module")
def browser():
    """The system chromium through kaleido, stopped after this module."""
    yield CHROMIUM
    export.close_renderer()


@pytest.mark.browser
@needs_browser
def test_png_has_the_plot_and_a_caption_band(browser, monkeypatch):
    monkeypatch.delenv("RF_BROWSER", raising=False)
    export.clear_image_cache()
    export.close_renderer()
    export.warm_up().join()  # the kept browser started in the background is the one that draws
    chart = _chart()
    png = export.chart_image(chart, "png", width=800, height=400, source="Indlæste data, dataversion 7", scale=1)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == 800 and image.height > 400  # the caption band below the 400 px plot
    band = image.crop((0, 400, 800, image.height))
    assert sum(band.histogram()[:160]) > 200  # the caption's letters
    plot = image.crop((0, 0, 800, 400))
    assert sum(plot.histogram()[:200]) > 2000  # bars, axes and labels
    # The cached dict form of a figure gives the same image.
    again = export.chart_image(charts.Chart(chart.figure.to_dict(), chart.note), "png", width=800, height=400,
                               source="Indlæste data, dataversion 7", scale=1)
    assert again == png


@pytest.mark.browser
@needs_browser
def test_svg_is_valid_and_carries_the_caption(browser, monkeypatch):
    monkeypatch.delenv("RF_BROWSER", raising=False)
    assert export.image_export_problem() is None
    svg = export.chart_image(_chart(), "svg", width=800, metadata=replace(META, source="Indlæste data"))
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and int(root.get("height")) > 420
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Kilde: Indlæste data, dataversion 7. Syntetiske data." in texts and "diskretionering" in texts
    assert "Anmodninger i kvartalet" in texts  # the plot itself is inside
