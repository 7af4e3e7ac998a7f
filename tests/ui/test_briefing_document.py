"""The briefing as Word and PDF: opened again with python-docx and pdfium, figures, notes and link checked."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import polars as pl
import pypdfium2 as pdfium
import pytest
from docx.shared import Mm

from analysis.protected import note, public_value
from tests.protect import protect_count, protect_statistic, protect_table
from ui import charts, export
from ui import format as fmt
from ui.briefing_document import Briefing, Figure, Section, docx_bytes, docx_record, pdf_bytes
from ui.export import ExportUnavailable

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                   reason="the system chromium is not installed (.ci/run installs it)")
LINK = "http://localhost:8501/briefing?fra=2017K3&til=2019K2&region=Region+Sj%C3%A6lland"
METHOD = "Varigheder med Kaplan–Meier: åbne sager tæller med som censurerede."


def _chart(scale: int = 1) -> charts.Chart:
    frame = pl.DataFrame({"quarter_start": [date(2017, 7, 1), date(2017, 10, 1), date(2018, 1, 1)],
                          "requests": [12 * scale, 3, 40 * scale], "cumulative": [12, 15, 55]})
    return charts.pilot_requests_by_quarter(protect_table(frame, counts=["requests", "cumulative"]))


def _briefing(with_charts: bool = False) -> Briefing:
    chart_list = [(_chart(), "Anmodninger pr. kvartal i Region Sjælland."),
                  (_chart(2), "Anmodninger pr. kvartal, dobbelt så mange.")] if with_charts else []
    return Briefing(
        title="Briefing: ressourceforløb i Region Sjælland",
        generated_at=datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc),
        version=7, loaded_at=datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc), data_end_date=date(2024, 12, 31),
        synthetic=True, filters={"Periode": "2017K3–2019K2", "Område": "Region Sjælland"}, link=LINK,
        sections=[
            Section("Sundhedskoordinator-forsøget", [
                Figure.of("Anmodninger", protect_count(1234), definition="Anmodninger efter forsøgsordningen.",
                          source="Indlæste data, dataversion 7"),
                Figure.of("Åbne anmodninger", protect_count(3), definition="Uden rådgivning ved datas slutdato."),
                Figure.of("Tidlig afklaring", protect_statistic(0.583, 12), fmt.percent),
            ], chart_list, ["Forsøget løb fra 1. juli 2017 til 1. juli 2019."]),
            Section("Puljen Bedre ressourceforløb", [Figure.of("Bevilget", public_value(40_400_000), fmt.kroner)]),
        ],
        method_notes=[METHOD, "Rater med eksakte Poisson-intervaller (Garwood)."],
        disclosure_note=note(5),
    )


def _all_docx_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_figure_of_a_protected_value_shows_dots_when_hidden_and_refuses_raw_numbers():
    assert Figure.of("x", protect_count(3)).value == ".."
    assert Figure.of("x", protect_count(0)).value == "0"
    assert Figure.of("x", protect_count(12345)).value == "12.345"
    with pytest.raises(TypeError):
        Figure.of("x", 12345)


def test_docx_has_figures_notes_link_and_record():
    document = docx.Document(io.BytesIO(docx_bytes(_briefing())))
    text = _all_docx_text(document)
    assert document.paragraphs[0].text == "Briefing: ressourceforløb i Region Sjælland"
    assert "Dataversion 7 · data til og med 31. dec. 2024 · indlæst 20. nov. 2026 kl. 07:00" in text
    assert "Periode: 2017K3–2019K2 · Område: Region Sjælland" in text
    assert "Syntetiske data." in text
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["Nøgletal", "Værdi", "Definition og kilde"]
    assert rows[1][:2] == ["Anmodninger", "1.234"]
    assert rows[1][2] == "Anmodninger efter forsøgsordningen. Kilde: Indlæste data, dataversion 7."
    assert rows[2][:2] == ["Åbne anmodninger", ".."]
    assert rows[3][:2] == ["Tidlig afklaring", "58,3 %"]
    assert [[c.text for c in row.cells][:2] for row in document.tables[1].rows][1] == ["Bevilget", "40,4 mio. kr."]
    assert "3" not in rows[2][1]  # the hidden count is nowhere near its cell
    assert METHOD in text and note(5) in text
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Sundhedskoordinator-forsøget", "Puljen Bedre ressourceforløb", "Metode", "Diskretionering"]
    links = [h for p in document.paragraphs for h in p.hyperlinks]
    assert [h.address for h in links] == [LINK]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    props = document.core_properties
    assert props.title == "Briefing: ressourceforløb i Region Sjælland"
    assert props.identifier == LINK and props.version == "7" and props.language == "da-DK"
    assert json.loads(props.comments) == {"version": 7, "generated_at": "2026-11-23T09:30:00+00:00", "link": LINK}
    assert props.created == datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
    assert "dataversion 7" in section.footer.paragraphs[0].text


def test_the_whole_record_reads_back_even_with_a_link_too_long_for_the_core_properties():
    long_link = LINK + "".join(f"&kommune=Kommune+nummer+{i}" for i in range(20))
    data = docx_bytes(replace(_briefing(), link=long_link))
    props = docx.Document(io.BytesIO(data)).core_properties
    assert props.identifier == "" and json.loads(props.comments)["link"] is None
    record = docx_record(data)
    assert record["link"] == long_link and record["version"] == 7
    assert record["generated_at"] == "2026-11-23T09:30:00+00:00" and record["synthetic"] is True
    assert record["filters"] == {"Periode": "2017K3–2019K2", "Område": "Region Sjælland"}
    assert docx_record(docx_bytes(_briefing()))["link"] == LINK


def test_real_data_has_no_synthetic_warning():
    document = docx.Document(io.BytesIO(docx_bytes(replace(_briefing(), synthetic=False))))
    assert "Syntetiske data" not in _all_docx_text(document)


def _pdf_page(data: bytes, index: int = 0):
    pdf = pdfium.PdfDocument(data)
    page = pdf[index]
    return pdf, page, page.get_textpage().get_text_range()


def _ink(page) -> float:
    """The share of the page that is not white, rendered at 72 dpi."""
    grey = page.render(scale=1).to_pil().convert("L")
    histogram = grey.histogram()
    return sum(histogram[:230]) / (grey.width * grey.height)


def test_pdf_first_page_is_not_blank_and_says_the_figures():
    data = pdf_bytes(_briefing())
    assert data.startswith(b"%PDF")
    pdf, page, text = _pdf_page(data)
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert _ink(page) > 0.01
    assert "Briefing: ressourceforløb i Region Sjælland" in text  # æøå come through the embedded font
    assert "1.234" in text and ".." in text and "58,3 %" in text and "40,4 mio. kr." in text
    assert "Syntetiske data." in text and "Diskretionering" in text
    assert LINK in text.replace("\r", "").replace("\n", "")
    assert pdf.get_metadata_dict()["Title"] == "Briefing: ressourceforløb i Region Sjælland"
    assert json.loads(pdf.get_metadata_dict()["Keywords"])["link"] == LINK


def test_pdf_without_the_font_says_what_to_install(monkeypatch, tmp_path):
    pdf_bytes(_briefing())  # registered once in this process: the check must still look for the file
    monkeypatch.setenv("RF_FONT_DIR", str(tmp_path))
    with pytest.raises(ExportUnavailable, match="fonts-dejavu-core"):
        pdf_bytes(_briefing())


def test_without_a_browser_the_documents_say_the_chart_could_not_be_drawn(monkeypatch, tmp_path):
    export.clear_image_cache()
    monkeypatch.setenv("RF_BROWSER", str(tmp_path / "no-chromium"))
    briefing = _briefing(with_charts=True)
    document = docx.Document(io.BytesIO(docx_bytes(briefing)))
    text = _all_docx_text(document)
    assert text.count("Figuren kunne ikke tegnes her:") == 2 and "apt-get install chromium" in text
    assert "Figur 1. Anmodninger pr. kvartal i Region Sjælland." in text
    assert len(document.inline_shapes) == 0
    _pdf, _page, pdf_text = _pdf_page(pdf_bytes(briefing))
    assert "Figuren kunne ikke tegnes her:" in pdf_text.replace("\r\n", " ").replace("\n", " ")


@pytest.fixture(scope="module")
def browser():
    yield CHROMIUM
    export.close_renderer()


@pytest.mark.browser
@needs_browser
def test_with_a_browser_both_documents_carry_the_chart_images(browser, monkeypatch):
    monkeypatch.delenv("RF_BROWSER", raising=False)
    export.clear_image_cache()
    briefing = _briefing(with_charts=True)
    document = docx.Document(io.BytesIO(docx_bytes(briefing)))
    assert len(document.inline_shapes) == 2
    assert document.inline_shapes[0].width == Mm(170)
    text = _all_docx_text(document)
    assert "Figur 2. Anmodninger pr. kvartal, dobbelt så mange." in text and "kunne ikke tegnes" not in text
    data = pdf_bytes(briefing)
    pdf = pdfium.PdfDocument(data)
    images = [obj for i in range(len(pdf)) for obj in pdf[i].get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE])]
    assert len(images) == 2
    all_text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Figur 2. Anmodninger pr. kvartal, dobbelt så mange." in all_text.replace("\r\n", " ").replace("\n", " ")
    # Every picture in the Word file carries its text alternative, read from the chart's numbers.
    descriptions = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert all(d and d.startswith("Figur (") for d in descriptions)
    assert "fra 2018K1 til" in descriptions[0] or "2018" in descriptions[0]


MESSAGES = ["Forsøget med sundhedskoordinatoren blev brugt sjældent i hele landet: 78 anmodninger.",
            "Puljens betydning for andelen i virksomhedspraktik inden for 6 måneder kan ikke skelnes fra nul."]


def test_the_key_messages_lead_the_first_page_of_both_documents():
    briefing = replace(_briefing(), key_messages=MESSAGES)
    document = docx.Document(io.BytesIO(docx_bytes(briefing)))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Hovedbudskaber" and headings[1] == "Sundhedskoordinator-forsøget"
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert bullets[:2] == MESSAGES
    first = _pdf_page(pdf_bytes(briefing), 0)[2].replace("\r\n", " ").replace("\n", " ")
    assert "Hovedbudskaber" in first
    assert first.index("Hovedbudskaber") < first.index("Sundhedskoordinator-forsøget")
    for message in MESSAGES:
        assert " ".join(message.split()) in " ".join(first.split())


def test_word_uses_heading_styles_and_header_rows_and_the_pdf_declares_danish():
    document = docx.Document(io.BytesIO(docx_bytes(_briefing())))
    styles = {p.style.name for p in document.paragraphs if p.text in ("Sundhedskoordinator-forsøget", "Metode")}
    assert styles == {"Heading 1"}  # Word's own heading style: the navigation pane lists them
    for table in document.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert b"/Lang (da-DK)" in pdf_bytes(_briefing())
