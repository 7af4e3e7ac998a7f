"""The briefing for the parties: its content, and that content as a Word file and as a PDF."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image, KeepTogether, ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
)

from analysis.protected import ProtectedValue
from ui import format as fmt
from ui.chart_text import describe
from ui.charts import Chart
from ui.export import ExportUnavailable, chart_image, filters_text, font_path

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
SOURCE = "Evalueringsdashboard for ressourceforløb"
ACCENT = "1F4E79"
WARNING = "B45F06"
CHART_WIDTH_PX = 900  # drawn at scale 2: sharp on paper at the text width
CHART_HEIGHT_PX = 300  # low and wide: four themes with their charts fit three pages after the key messages
KEY_MESSAGES_TITLE = "Hovedbudskaber"
SYNTHETIC_WARNING = (
    "Syntetiske data. Tallene er genereret af projektets egen generator til afprøvning og demonstration; "
    "de beskriver ingen virkelige borgere, sager eller kommuner."
)


@dataclass(frozen=True)
class Figure:
    """A headline figure as shown: text already disclosure-controlled and formatted ('1.234', '..')."""
    label: str
    value: str
    definition: str = ""
    source: str = ""

    @classmethod
    def of(cls, label: str, value: ProtectedValue, render=fmt.number, definition: str = "",
           source: str = "") -> "Figure":
        """A figure from a protected value: '..' when hidden, '–' when missing."""
        return cls(label, fmt.protected(value, render), definition, source)


@dataclass(frozen=True)
class Section:
    """One theme of the briefing: its headline figures, key charts with captions, and short text."""
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[tuple[Chart, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing says, and the record of the view it was made from."""
    title: str
    generated_at: datetime
    version: int
    loaded_at: datetime
    data_end_date: date
    synthetic: bool
    filters: dict[str, str]
    link: str
    sections: list[Section]
    method_notes: list[str]
    disclosure_note: str
    source: str = SOURCE
    key_messages: list[str] = field(default_factory=list)  # the first page: what to know in one minute

    def record(self) -> dict:
        """The machine-readable record of the view (stored in the file's properties)."""
        return {
            "version": self.version, "link": self.link, "generated_at": _utc(self.generated_at).isoformat(),
            "data_end_date": self.data_end_date.isoformat(), "synthetic": self.synthetic, "filters": self.filters,
        }

    def image_source(self) -> str:
        """The source line printed under each chart image."""
        kind = "syntetiske data" if self.synthetic else "indlæste data"
        return f"{self.source}, dataversion {self.version} ({kind})"


def _utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc)


def info_line(b: Briefing) -> str:
    """Data version, dates and the making time on one line."""
    return (f"Dataversion {b.version} · data til og med {fmt.day(b.data_end_date)} · indlæst "
            f"{fmt.timestamp(b.loaded_at)} · dannet {fmt.timestamp(b.generated_at)}")


def _chart_pngs(b: Briefing) -> list[list[bytes | str]]:
    """Each section's chart images; the Danish reason in place of an image that cannot be drawn."""
    out = []
    for section in b.sections:
        images: list[bytes | str] = []
        for chart, _caption in section.charts:
            try:
                images.append(chart_image(chart, "png", CHART_WIDTH_PX, _height(chart), source=b.image_source()))
            except ExportUnavailable as error:
                images.append(f"Figuren kunne ikke tegnes her: {error.reason}")
        out.append(images)
    return out


def _height(chart: Chart) -> int:
    """Low and wide on paper, except a chart of several panels, which keeps the height it was built
    with (its panels' titles and axes would run into each other)."""
    figure = chart.figure if isinstance(chart.figure, dict) else chart.figure.to_dict()
    layout = figure.get("layout", {})
    panels = sum(1 for key, axis in layout.items() if key.startswith("yaxis") and isinstance(axis, dict)
                 and axis.get("domain") not in (None, [0, 1], (0, 1)))
    return int(layout.get("height") or CHART_HEIGHT_PX) if panels > 1 else CHART_HEIGHT_PX


# --- DOCX ------------------------------------------------------------------------------------

def docx_bytes(b: Briefing) -> bytes:
    """The briefing as an A4 Word document in Danish, with its record in the core properties."""
    doc = Document()
    _danish_a4(doc)
    doc.add_heading(b.title, level=0)
    doc.add_paragraph(info_line(b)).runs[0].font.size = Pt(9)
    doc.add_paragraph(f"Valgt visning: {filters_text(b.filters)}").runs[0].font.size = Pt(9)
    if b.link:
        link = doc.add_paragraph()
        link.add_run("Åbn samme visning i dashboardet: ").font.size = Pt(9)
        _hyperlink(link, b.link, b.link)
    if b.synthetic:
        warning = doc.add_paragraph()
        run = warning.add_run(SYNTHETIC_WARNING)
        run.bold = True
        run.font.color.rgb = RGBColor.from_string(WARNING)
    if b.key_messages:
        doc.add_heading(KEY_MESSAGES_TITLE, level=1)
        for text in b.key_messages:
            doc.add_paragraph(text, style="List Bullet")
    images = _chart_pngs(b)
    number = 0
    for section, section_images in zip(b.sections, images):
        doc.add_heading(section.title, level=1)
        if section.figures:
            _figure_table(doc, section.figures)
        for text in section.text:
            doc.add_paragraph(text)
        for (chart, caption), image in zip(section.charts, section_images):
            number += 1
            if isinstance(image, bytes):
                picture = doc.add_picture(io.BytesIO(image), width=Mm(170))
                # The text alternative a screen reader reads for the picture (Word's "Alt Text").
                properties = picture._inline.docPr
                properties.set("descr", describe(chart.figure, chart.note, chart.gap))
                properties.set("title", caption)
            else:
                doc.add_paragraph(image).runs[0].italic = True
            doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the chart and its caption on one page
            doc.add_paragraph(f"Figur {number}. {caption}", style="Caption")
    if b.method_notes:
        doc.add_heading("Metode", level=1)
        for text in b.method_notes:
            doc.add_paragraph(text, style="List Bullet")
    doc.add_heading("Diskretionering", level=1)
    doc.add_paragraph(b.disclosure_note)
    _footer(doc, b)
    _core_properties(doc, b)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _danish_a4(doc) -> None:
    """A4 with 20 mm margins; text marked Danish so Word checks the spelling in Danish."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "da-DK")


def _figure_table(doc, figures: list[Figure]) -> None:
    """Label | value | definition and source, one row per figure."""
    table = doc.add_table(rows=1, cols=3)
    table.style = "Light List Accent 1"
    for cell, text in zip(table.rows[0].cells, ("Nøgletal", "Værdi", "Definition og kilde")):
        cell.text = text
    _header_row(table.rows[0])
    for figure in figures:
        cells = table.add_row().cells
        cells[0].text = figure.label
        cells[1].text = figure.value
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        cells[2].text = _definition_and_source(figure)
        for run in cells[2].paragraphs[0].runs:
            run.font.size = Pt(8.5)
    # Word reads the cell widths, LibreOffice the grid: set both.
    table.autofit = False
    widths = (Mm(48), Mm(32), Mm(90))
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    doc.add_paragraph()


def _first_sentences(text: str, limit: int) -> str:
    """Whole sentences from the start of `text` up to about `limit` characters (at least one); the
    dashboard beside the figure holds the full definition."""
    sentences = [t for t in text.replace(". ", ".\n").split("\n") if t]
    kept: list[str] = []
    for sentence in sentences:
        if kept and len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    return " ".join(kept)


def _header_row(row) -> None:
    """Mark a table's first row as its header: read as such by screen readers, repeated on a new page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


DEFINITION_CHARS = 140  # a note is read in minutes: the table keeps a definition's first sentences


def _definition_and_source(figure: Figure) -> str:
    definition = _first_sentences(figure.definition.strip(), DEFINITION_CHARS)
    parts = [definition] if definition else []
    if figure.source:
        parts.append(f"Kilde: {figure.source.rstrip('.')}.")
    return " ".join(parts)


def _hyperlink(paragraph, url: str, text: str) -> None:
    """A real, clickable link (python-docx has no call for adding one)."""
    r_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    for tag, value in (("w:color", ACCENT), ("w:sz", "18"), ("w:u", "single")):  # the schema's order
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        properties.append(element)
    run.append(properties)
    content = OxmlElement("w:t")
    content.set(qn("xml:space"), "preserve")
    content.text = text
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def _footer(doc, b: Briefing) -> None:
    """Title, data version and page number at the foot of every page (read on paper)."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    kind = " · syntetiske data" if b.synthetic else ""
    paragraph.add_run(f"{b.title} · dataversion {b.version}{kind} · side ").font.size = Pt(8)
    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # 8 pt, as the text before it
    properties.append(size)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_.append(run)
    paragraph._p.append(field_)


def _core_properties(doc, b: Briefing) -> None:
    """Title, version, time and link where Word shows them (core properties hold 255 characters)."""
    props = doc.core_properties
    props.title = b.title[:255]
    props.subject = f"Dataversion {b.version}"
    props.author = SOURCE
    props.category = "Briefing"
    props.keywords = "ressourceforløb; briefing; diskretioneret" + ("; syntetiske data" if b.synthetic else "")
    props.version = str(b.version)
    props.language = "da-DK"
    record = {key: b.record()[key] for key in ("version", "generated_at", "link")}
    compact = json.dumps(record, ensure_ascii=False)
    if len(compact) > 255:  # a long link (many municipalities) is kept whole in the custom properties
        compact = json.dumps({**record, "link": None}, ensure_ascii=False)
    props.comments = compact
    props.identifier = b.link if len(b.link) <= 255 else ""
    props.created = _utc(b.generated_at).replace(tzinfo=None)
    props.modified = props.created
    props.last_modified_by = SOURCE
    props.revision = 1
    _custom_properties(doc, b.record())


_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_RECORD_PROPERTY = "Briefing"


def _custom_properties(doc, record: dict) -> None:
    """The whole record as a custom document property (File > Properties > Custom in Word)."""
    properties = [(_RECORD_PROPERTY, json.dumps(record, ensure_ascii=False)), ("Link", record["link"]),
                  ("Dataversion", str(record["version"]))]
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{escape(name)}">'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(properties, start=2)  # pids start at 2 by the spec
    )
    blob = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{items}</Properties>').encode("utf-8")
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"), CONTENT_TYPE.OFC_CUSTOM_PROPERTIES, blob, package)
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)


def docx_record(data: bytes) -> dict:
    """The briefing record (version, link, generated_at, filters) read back from a DOCX made here."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ET.fromstring(archive.read("docProps/custom.xml"))
    for prop in root.findall(f"{{{_CUSTOM_NS}}}property"):
        if prop.get("name") == _RECORD_PROPERTY:
            return json.loads(prop.find(f"{{{_VT_NS}}}lpwstr").text)
    raise ValueError("dokumentet har ingen briefing-oplysninger")


# --- PDF -------------------------------------------------------------------------------------

# fonts-dejavu-core has the upright faces only; captions are set apart by size and colour instead.
_FONTS = {"Briefing": "DejaVuSans.ttf", "Briefing-Bold": "DejaVuSans-Bold.ttf"}


def _register_fonts() -> None:
    """DejaVu Sans for æøå and the dashes; ExportUnavailable saying how to install it when missing."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, file in _FONTS.items():
        path = font_path(file)  # looked for every time: a removed font is reported, not half-used
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping("Briefing", 0, 0, "Briefing")
    addMapping("Briefing", 1, 0, "Briefing-Bold")
    addMapping("Briefing", 0, 1, "Briefing")
    addMapping("Briefing", 1, 1, "Briefing-Bold")


def _pdf_styles() -> dict:

    base = ParagraphStyle("body", fontName="Briefing", fontSize=10, leading=13.5, spaceAfter=5)
    accent = colors.HexColor(f"#{ACCENT}")
    return {
        "title": ParagraphStyle("title", base, fontName="Briefing-Bold", fontSize=20, leading=24, spaceAfter=8,
                                textColor=accent),
        "h1": ParagraphStyle("h1", base, fontName="Briefing-Bold", fontSize=14, leading=18, spaceBefore=10,
                             spaceAfter=6, textColor=accent, keepWithNext=True),
        "body": base,
        "message": ParagraphStyle("message", base, fontSize=10.5, leading=14, spaceAfter=5),
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=11, spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=11.5, spaceAfter=0),
        "value": ParagraphStyle("value", base, fontName="Briefing-Bold", fontSize=10, leading=12, spaceAfter=0,
                                alignment=2),
        "caption": ParagraphStyle("caption", base, fontSize=8.5, leading=11, spaceAfter=10,
                                  textColor=colors.HexColor("#404040")),
        "warning": ParagraphStyle("warning", base, fontName="Briefing-Bold", textColor=colors.HexColor(f"#{WARNING}"),
                                  backColor=colors.HexColor("#FFF4E5"), borderPadding=5, spaceBefore=10, spaceAfter=12),
    }


def pdf_bytes(b: Briefing) -> bytes:
    """The briefing as an A4 PDF with the same content as the Word file (DejaVu Sans, charts as PNG)."""
    _register_fonts()
    s = _pdf_styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=18 * mm,
        title=b.title, author=SOURCE, subject=f"Dataversion {b.version}",
        keywords=json.dumps(b.record(), ensure_ascii=False), creator=SOURCE, lang="da-DK",
    )
    story = [Paragraph(escape(b.title), s["title"]),
             Paragraph(escape(info_line(b)), s["small"]),
             Paragraph(escape(f"Valgt visning: {filters_text(b.filters)}"), s["small"])]
    if b.link:
        href = escape(b.link, {'"': "&quot;"})
        story.append(Paragraph(f'Åbn samme visning i dashboardet: <a href="{href}" color="#{ACCENT}"><u>'
                               f"{escape(b.link)}</u></a>", s["small"]))
    if b.synthetic:
        story.append(Paragraph(escape(SYNTHETIC_WARNING), s["warning"]))
    if b.key_messages:
        story.append(Paragraph(KEY_MESSAGES_TITLE, s["h1"]))
        story.append(ListFlowable([ListItem(Paragraph(escape(t), s["message"]), leftIndent=14)
                                   for t in b.key_messages],
                                  bulletType="bullet", bulletFontName="Briefing", leftIndent=14))
        story.append(Spacer(1, 4))
    images = _chart_pngs(b)
    number = 0
    width = A4[0] - 40 * mm
    for section, section_images in zip(b.sections, images):
        story.append(Paragraph(escape(section.title), s["h1"]))
        if section.figures:
            story.append(_pdf_figure_table(section.figures, s, width))
            story.append(Spacer(1, 6))
        story += [Paragraph(escape(text), s["body"]) for text in section.text]
        for (chart, caption), image in zip(section.charts, section_images):
            number += 1
            if isinstance(image, bytes):
                w, h = _png_size(image)
                drawn = Image(io.BytesIO(image), width=width, height=width * h / w)
            else:
                drawn = Paragraph(escape(image), s["caption"])
            # A chart and its caption on the same page.
            story.append(KeepTogether([drawn, Paragraph(escape(f"Figur {number}. {caption}"), s["caption"])]))
    if b.method_notes:
        story.append(Paragraph("Metode", s["h1"]))
        story.append(ListFlowable([ListItem(Paragraph(escape(t), s["small"]), leftIndent=12) for t in b.method_notes],
                                  bulletType="bullet", bulletFontName="Briefing", leftIndent=12))
    story.append(Paragraph("Diskretionering", s["h1"]))
    story.append(Paragraph(escape(b.disclosure_note), s["small"]))
    footer = f"{b.title} · dataversion {b.version}" + (" · syntetiske data" if b.synthetic else "")

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont("Briefing", 7.5)
        canvas.setFillColor(colors.HexColor("#595959"))
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Side {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _pdf_figure_table(figures: list[Figure], s: dict, width: float) -> Table:
    header = [Paragraph(f"<b>{t}</b>", s["cell"]) for t in ("Nøgletal", "Værdi", "Definition og kilde")]
    rows = [header] + [
        [Paragraph(escape(f.label), s["cell"]), Paragraph(escape(f.value), s["value"]),
         Paragraph(escape(_definition_and_source(f)), s["small"])]
        for f in figures
    ]
    table = Table(rows, colWidths=[width * 0.28, width * 0.20, width * 0.52], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE5EE")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#B7C4D3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (bytes 16-24 of the IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
