"""Downloads beyond CSV: protected tables as XLSX with a metadata sheet, charts as PNG and SVG."""

from __future__ import annotations

import asyncio
import atexit
import functools
import hashlib
import io
import json
import os
import re
import shutil
import threading
import textwrap
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import plotly.graph_objects as go
import polars as pl
import xlsxwriter
from PIL import Image, ImageDraw, ImageFont
from plotly.utils import PlotlyJSONEncoder

import settings
from analysis.protected import HIDDEN_MARK, ProtectedTable, note
from ui import format as fmt
from ui.charts import Chart
from ui.tables import display_frame

Formatter = Callable[[object], str]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml"}

SYNTHETIC_LINE = "Syntetiske data: tallene er genereret til afprøvning og er ikke virkelige."
BROWSER_HELP = (
    "Installér Chromium (Debian/Ubuntu: «apt-get install chromium») eller peg på en Chrome- eller "
    "Chromium-browser med miljøvariablen RF_BROWSER."
)
FONT_HELP = (
    "Installér skrifttypen DejaVu Sans (Debian/Ubuntu: «apt-get install fonts-dejavu-core») eller peg på "
    "mappen med RF_FONT_DIR."
)


class ExportUnavailable(RuntimeError):
    """An export that this machine cannot make (no browser, no font); the message says what to install."""

    def __init__(self, what: str, reason: str):
        super().__init__(f"{what}: {reason}")
        self.reason = reason  # without the lead-in, for a sentence of the caller's own


IMAGE_LEAD_IN = "Figuren kan ikke gemmes som billede"


# --- metadata --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metadata:
    """What a download says about itself: title, source, data version, filters and the link back."""

    title: str
    source: str
    version: int | None  # None outside a loaded dataset: the rows about it are left out
    loaded_at: datetime | None
    data_end_date: date | None
    synthetic: bool
    filters: dict[str, str] = field(default_factory=dict)  # Danish label -> Danish value
    link: str = ""
    k: int = settings.K_ANONYMITY

    @classmethod
    def from_info(cls, info, *, title: str, source: str, filters: dict[str, str] | None = None,
                  link: str = "") -> "Metadata":
        """Metadata for the loaded dataset version (analysis.database.DatasetInfo)."""
        return cls(title, source, info.version, info.loaded_at, info.data_end_date, info.synthetic,
                   dict(filters or {}), link, settings.K_ANONYMITY)


def disclosure_text(k: int) -> str:
    """The full Danish disclosure note for downloads (always given, with k)."""
    return (
        f"{note(k)} Antal fra 1 til {k - 1} personer og tal beregnet på færre end {k} personer vises "
        "som «..». Flere tal kan være skjult, så et skjult tal ikke kan regnes ud fra totaler eller "
        "andre visninger. «–» betyder, at tallet ikke findes; 0 er et sandt nul."
    )


def filters_text(filters: dict[str, str]) -> str:
    """Filters on one line: 'Område: Region Sjælland · Periode: 2017K3–2019K2'."""
    return " · ".join(f"{label}: {value}" for label, value in filters.items()) or "Ingen (alle data)"


def metadata_rows(m: Metadata) -> list[tuple[str, str]]:
    """The rows of the metadata sheet, label -> value, in Danish."""
    rows = [("Titel", m.title), ("Kilde", m.source or fmt.MISSING), *_dataset_rows(m)]
    rows += [(f"Filter: {label}", value) for label, value in m.filters.items()] or [("Filtre", "Ingen (alle data)")]
    rows.append(("Diskretionering", disclosure_text(m.k)))
    if m.synthetic:
        rows.append(("Syntetiske data", SYNTHETIC_LINE))
    if m.link:
        rows.append(("Link til visningen", m.link))
    return rows


def _dataset_rows(m: Metadata) -> list[tuple[str, str]]:
    rows = []
    if m.version is not None:
        rows.append(("Dataversion", str(m.version)))
    if m.loaded_at is not None:
        rows.append(("Indlæst", fmt.timestamp(m.loaded_at)))
    if m.data_end_date is not None:
        rows.append(("Data til og med", fmt.day(m.data_end_date)))
    return rows


def about_lines(m: Metadata) -> list[str]:
    """The lines under a CSV table after its note and source: version, dates, filters, the link back."""
    rows = [*_dataset_rows(m), *[(f"Filter: {label}", value) for label, value in m.filters.items()]]
    if m.link:
        rows.append(("Link til visningen", m.link))
    return [f"{label}: {value}" for label, value in rows]


# --- XLSX ------------------------------------------------------------------------------------

# A probe value that shows its decimals, scale and suffix when a screen formatter renders it.
_PROBE = 1234.5678
_DANISH_NUMBER = re.compile(
    r"^(?P<prefix>[^\d-]*)(?P<number>-?\d{1,3}(?:\.\d{3})*(?:,(?P<decimals>\d+))?)(?P<suffix>[^\d]*)$"
)
DATE_FORMAT = "[$-406]d. mmm yyyy"  # 406 = Danish: month names in Danish whatever Excel's language


def excel_number_format(render: Formatter) -> str | None:
    """The Excel number format that shows a number as the screen formatter does (None: keep text).

    Excel stores formats locale-free ('#,##0.0'); a Danish Excel shows them as 1.234,6.
    Percent formatters (share 0.045 -> '4,5 %') get a '%' format on the share itself.
    """
    try:
        text = render(_PROBE)
    except (TypeError, ValueError, AttributeError, ArithmeticError):
        return None
    match = _DANISH_NUMBER.match(text) if isinstance(text, str) else None
    if not match:
        return None
    decimals = len(match["decimals"] or "")
    shown = float(match["number"].replace(".", "").replace(",", "."))
    prefix, suffix = match["prefix"], match["suffix"]
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    tolerance = 10 ** -decimals
    if abs(shown - _PROBE) <= tolerance and prefix == "+":
        # A change with its sign (fmt.signed): plus, a true minus, and zero without a sign.
        body = pattern + _literal(suffix)
        return f'"+"{body};"\u2212"{body};{body}'
    if abs(shown - _PROBE) <= tolerance:
        return _literal(prefix) + pattern + _literal(suffix)
    if abs(shown - _PROBE * 100) <= tolerance and suffix.strip() == "%":
        return _literal(prefix) + pattern + suffix  # an unquoted % makes Excel multiply by 100
    return None


def _literal(text: str) -> str:
    return f'"{text}"' if text else ""


def _is_default_date(render: Formatter | None) -> bool:
    return render is None or render is fmt.day


def xlsx_bytes(table: ProtectedTable, columns: dict[str, str], formats: dict[str, Formatter] | None = None,
               *, metadata: Metadata) -> bytes:
    """Sheet 'Tabel' (numbers as numbers, '..' hidden, '–' missing, the note below) and sheet 'Metadata'."""
    if not isinstance(table, ProtectedTable):
        raise TypeError("kun tabeller, der har passeret diskretioneringen, kan vises")
    formats = formats or {}
    shown = display_frame(table, columns, formats)  # the screen's text: '..' for hidden cells
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    book.set_properties({
        "title": metadata.title, "subject": f"Dataversion {metadata.version}" if metadata.version is not None else "",
        "comments": metadata.link,
        "keywords": "ressourceforløb; diskretioneret" + ("; syntetiske data" if metadata.synthetic else ""),
    })
    styles = _Styles(book)
    sheet = book.add_worksheet("Tabel")
    widths = []
    for c, (col, label) in enumerate(columns.items()):
        sheet.write_string(0, c, label, styles.header)
        kind, number_format = _column_kind(table.frame.schema[col], formats.get(col))
        values = table.frame[col].to_list()
        hidden = table.is_hidden(col).to_list()
        texts = shown[label].to_list()
        for r, (value, is_hidden, text) in enumerate(zip(values, hidden, texts), start=1):
            if is_hidden:
                sheet.write_string(r, c, HIDDEN_MARK, styles.mark)
            elif kind == "text":
                sheet.write_string(r, c, text)
            elif value is None:
                sheet.write_string(r, c, fmt.MISSING, styles.mark)
            elif kind == "date":
                sheet.write_datetime(r, c, _local(value), styles.number(number_format))
            else:
                sheet.write_number(r, c, float(value), styles.number(number_format))
        widths.append(min(60, max([len(label), *(len(t) for t in texts)]) + 2))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    if columns and table.frame.height:
        sheet.autofilter(0, 0, table.frame.height, len(columns) - 1)
    notes = [note(table.k)] if table.any_hidden else []
    notes += [SYNTHETIC_LINE] if metadata.synthetic else []
    notes += [f"Kilde: {metadata.source}"] if metadata.source else []
    for i, line in enumerate(notes):
        sheet.write_string(table.frame.height + 2 + i, 0, line)
    _metadata_sheet(book.add_worksheet("Metadata"), metadata, styles)
    book.close()
    return buffer.getvalue()


def _column_kind(dtype, render: Formatter | None) -> tuple[str, str | None]:
    """How a column goes into Excel: 'number' with a format, 'date', or 'text' as on screen."""
    if dtype.is_numeric() and dtype != pl.Boolean:
        default = fmt.number if dtype.is_integer() else (lambda v: fmt.number(v, 1))
        number_format = excel_number_format(render or default)
        return ("number", number_format) if number_format else ("text", None)
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        return ("date", DATE_FORMAT) if _is_default_date(render) else ("text", None)
    return "text", None


def _local(value: date | datetime) -> date | datetime:
    """Dates as they are; times as Copenhagen wall-clock time (Excel has no time zones)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(fmt.COPENHAGEN).replace(tzinfo=None)
    return value


class _Styles:
    """Cell formats of one workbook, made once each."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#DDE5EE", "bottom": 1, "text_wrap": True,
                                       "valign": "top"})
        self.mark = book.add_format({"align": "right"})  # '..' and '–' line up with the numbers
        self.label = book.add_format({"bold": True, "valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.link = book.add_format({"font_color": "#1F4E79", "underline": 1, "valign": "top"})
        self._numbers: dict[str | None, object] = {}

    def number(self, number_format: str | None):
        if number_format not in self._numbers:
            self._numbers[number_format] = self.book.add_format({"num_format": number_format or "General"})
        return self._numbers[number_format]


def _metadata_sheet(sheet, metadata: Metadata, styles: _Styles) -> None:
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 100)
    sheet.write_string(0, 0, "Oplysning", styles.header)
    sheet.write_string(0, 1, "Værdi", styles.header)
    for r, (label, value) in enumerate(metadata_rows(metadata), start=1):
        sheet.write_string(r, 0, label, styles.label)
        if label == "Link til visningen":
            # Excel caps a cell link at 2,079 characters; a longer one stays plain text.
            if len(value) <= 2079:
                sheet.write_url(r, 1, value, styles.link, string=value)
            else:
                sheet.write_string(r, 1, value, styles.wrap)
        else:
            sheet.write_string(r, 1, value, styles.wrap)


# --- chart images ----------------------------------------------------------------------------

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FONT_DIR_DEFAULT = "/usr/share/fonts/truetype/dejavu"


def browser_path() -> Path | None:
    """The browser kaleido draws with: RF_BROWSER if set, else the first Chromium or Chrome on PATH."""
    configured = os.environ.get("RF_BROWSER")
    if configured:
        return Path(configured)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def require_browser() -> Path:
    """The browser's path, or ExportUnavailable naming what is missing and how to install it."""
    path = browser_path()
    if path is None:
        raise ExportUnavailable(IMAGE_LEAD_IN,
                                f"der er ingen Chromium- eller Chrome-browser på maskinen. {BROWSER_HELP}")
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ExportUnavailable(IMAGE_LEAD_IN, f"der er ingen browser på {path}. {BROWSER_HELP}")
    return path


def image_export_problem() -> str | None:
    """Why charts cannot be saved as images on this machine, in Danish (None when they can)."""
    try:
        require_browser()
    except ExportUnavailable as problem:
        return problem.reason
    return None


def font_path(name: str = "DejaVuSans.ttf") -> Path:
    """A DejaVu font file (æøå in image captions and PDFs), or ExportUnavailable saying how to install it."""
    path = Path(os.environ.get("RF_FONT_DIR", FONT_DIR_DEFAULT)) / name
    if not path.is_file():
        raise ExportUnavailable("Dokumentet kan ikke dannes",
                                f"skrifttypen {name} findes ikke i {path.parent}. {FONT_HELP}")
    return path


def caption_text(chart: Chart, source: str = "", k: int = settings.K_ANONYMITY, synthetic: bool = False) -> str:
    """The caption under an exported image: the chart's note, the source, and that small counts are hidden."""
    parts = [chart.note.strip()] if chart.note.strip() else []
    if source:
        parts.append(f"Kilde: {source.rstrip('.')}.")
    if synthetic:
        parts.append("Syntetiske data.")
    if "diskretionering" not in chart.note:
        parts.append(f"Antal fra 1 til {k - 1} personer vises ikke (diskretionering).")
    return " ".join(parts)


def chart_image(chart: Chart, kind: Literal["png", "svg"] = "png", width: int = 900, height: int | None = None,
                *, source: str = "", metadata: Metadata | None = None, scale: float = 2) -> bytes:
    """The chart as PNG or SVG with its caption line below, drawn by kaleido in the system browser.

    The caption names `source`, or the metadata's source and data version when metadata is given.
    """
    if not isinstance(chart, Chart):
        raise TypeError("kun figurer bygget af diskretionerede data kan vises")
    if kind not in IMAGE_MIME:
        raise ValueError(f"ukendt billedformat: {kind}")
    figure = chart.figure if isinstance(chart.figure, dict) else chart.figure.to_dict()
    height = int(height or figure.get("layout", {}).get("height") or 450)
    if metadata is not None:
        caption = caption_text(chart, source or _image_source(metadata), metadata.k, metadata.synthetic)
    else:
        caption = caption_text(chart, source)
    key = _cache_key(figure, kind, width, height, scale, caption)
    with _images_lock:
        cached = _images.get(key)
        if cached is not None:
            _images.move_to_end(key)
            return cached
    path = require_browser()
    opts = {"format": kind, "width": width, "height": height, "scale": scale if kind == "png" else 1}
    plot = _render(path, go.Figure(figure), opts)
    if kind == "png":
        image = _with_caption_png(plot, caption, width, scale)
    else:
        image = _with_caption_svg(plot, caption, width, height)
    with _images_lock:
        _images[key] = image
        while len(_images) > _IMAGE_CACHE_SIZE:
            _images.popitem(last=False)
    return image


def _image_source(m: Metadata) -> str:
    """The source as a caption says it: the metadata's source, with the data version if it lacks one."""
    source = m.source.rstrip(".")
    if m.version is not None and "dataversion" not in source.lower():
        source = f"{source}, dataversion {m.version}" if source else f"Dataversion {m.version}"
    return source


_IMAGE_CACHE_SIZE = 32
# The briefing draws the same charts for its DOCX and its PDF: keep the last images.
_images: OrderedDict[str, bytes] = OrderedDict()
_images_lock = threading.Lock()  # Streamlit runs each session's script in a thread of its own


def _cache_key(figure: dict, *parts) -> str:
    text = json.dumps([figure, *parts], cls=PlotlyJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# Caption typography, in CSS pixels of the image (a PNG at scale 2 doubles them).
_CAPTION_SIZE = 13
_CAPTION_LINE = 18
_CAPTION_PAD = 10
_CAPTION_COLOUR = "#404040"


def _caption_lines(caption: str, width: int) -> list[str]:
    """The caption wrapped to the image's width, measured in DejaVu Sans when it is there."""
    usable = width - 2 * _CAPTION_PAD
    try:
        font = ImageFont.truetype(str(font_path()), _CAPTION_SIZE)
    except ExportUnavailable:
        return textwrap.wrap(caption, max(20, int(usable / (_CAPTION_SIZE * 0.55))))
    lines: list[str] = []
    for word in caption.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= usable:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _caption_font(size: int):
    try:
        return ImageFont.truetype(str(font_path()), size)
    except ExportUnavailable:
        return ImageFont.load_default(size)


def _with_caption_png(plot: bytes, caption: str, width: int, scale: float) -> bytes:
    """The rendered plot with the caption drawn in a white band below it."""
    lines = _caption_lines(caption, width)
    image = Image.open(io.BytesIO(plot)).convert("RGB")
    band = int((2 * _CAPTION_PAD + _CAPTION_LINE * len(lines)) * scale)
    out = Image.new("RGB", (image.width, image.height + band), "white")
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    font = _caption_font(int(_CAPTION_SIZE * scale))
    for i, line in enumerate(lines):
        y = image.height + (_CAPTION_PAD + i * _CAPTION_LINE) * scale
        draw.text((_CAPTION_PAD * scale, y), line, fill=_CAPTION_COLOUR, font=font)
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _with_caption_svg(plot: bytes, caption: str, width: int, height: int) -> bytes:
    """The rendered SVG nested in a taller SVG with the caption as text below it."""
    inner = re.sub(r"^\s*<\?xml[^>]*>\s*", "", plot.decode("utf-8"))
    lines = _caption_lines(caption, width)
    total = height + 2 * _CAPTION_PAD + _CAPTION_LINE * len(lines)
    texts = "".join(
        f'<text x="{_CAPTION_PAD}" y="{height + _CAPTION_PAD + _CAPTION_SIZE + i * _CAPTION_LINE}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{total}" viewBox="0 0 {width} {total}">'
        f'<rect width="{width}" height="{total}" fill="white"/>{inner}'
        f'<g font-family="DejaVu Sans, Arial, sans-serif" font-size="{_CAPTION_SIZE}" fill="{_CAPTION_COLOUR}">'
        f"{texts}</g></svg>"
    )
    return svg.encode("utf-8")


# --- the kaleido renderer --------------------------------------------------------------------

RENDER_TIMEOUT = 60  # seconds for one image, browser start included

# Chromium calls home on its own: component and safe-browsing updates, field trials, sign-in and
# sync, translate, metrics, crash reports. The renderer only opens kaleido's local page with the
# plotly.js that plotly ships, so all of that is switched off, and no host name but localhost
# resolves (a figure that named an outside image or font would fail instead of fetching it).
RENDERER_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-browser-signin=false",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-component-extensions-with-background-pages",
    "--disable-domain-reliability",
    "--disable-field-trial-config",
    "--disable-client-side-phishing-detection",
    "--safebrowsing-disable-auto-update",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-pings",
    "--no-service-autorun",
    "--disable-features=Translate,OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,"
    "OptimizationTargetPrediction,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying,InterestFeedContentSuggestions",
    # Some components are still checked with component updates off: point the updater at the
    # discard port on loopback, which chromium refuses to connect to (ERR_UNSAFE_PORT).
    "--component-updater=url-source=http://127.0.0.1:9/",
    # Sign-in lists the Google accounts once the network is up, whatever the flags say: with no
    # host name resolving but localhost, that and anything else missed here fails inside chromium.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
)


@functools.cache
def _quiet_chromium() -> type:
    """choreographer's Chromium launcher with RENDERER_FLAGS added to the command line."""
    from choreographer.browsers import Chromium

    class QuietChromium(Chromium):
        def get_cli(self):
            return [*super().get_cli(), *RENDERER_FLAGS, "about:blank"]

    return QuietChromium


def _plotly_js() -> str:
    """plotly.js as plotly ships it: named, so a missing file fails instead of kaleido taking it from a CDN."""
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").as_uri()


class _Renderer:
    """One kaleido browser kept open in a thread of its own: starting chromium per image costs ~3 s."""

    def __init__(self, path: Path):
        from kaleido import Kaleido

        self.path = path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kaleido", daemon=True)
        self.thread.start()

        async def start():
            # mathjax=False: no formulas here, and kaleido would fetch MathJax from a CDN.
            browser = Kaleido(n=1, path=str(path), mathjax=False, plotlyjs=_plotly_js(), timeout=RENDER_TIMEOUT,
                              browser_cls=_quiet_chromium(), enable_extensions=False)
            await browser.open()
            return browser

        try:
            self.kaleido = self._call(start())
        except BaseException:
            self._stop_loop()
            raise

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(RENDER_TIMEOUT)

    def render(self, figure: go.Figure, opts: dict) -> bytes:
        return self._call(self.kaleido.calc_fig(figure, opts=opts))

    def close(self) -> None:
        try:
            self._call(self.kaleido.close())
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


_renderer: _Renderer | None = None
_renderer_lock = threading.Lock()


def _ensure_renderer(path: Path) -> _Renderer:
    """The kept browser for this path, started when there is none (or another path is wanted)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None or _renderer.path != path:
            _close_renderer_locked()
            try:
                _renderer = _Renderer(path)
            except Exception as error:  # the browser would not start: say so in Danish
                raise ExportUnavailable(
                    IMAGE_LEAD_IN, f"browseren {path} kunne ikke startes ({error}). {BROWSER_HELP}") from error
        return _renderer


def _render(path: Path, figure: go.Figure, opts: dict) -> bytes:
    """Draw one figure; a browser that died is started again once."""
    for attempt in (1, 2):
        renderer = _ensure_renderer(path)
        try:
            return renderer.render(figure, opts)
        except Exception:
            with _renderer_lock:
                if _renderer is renderer:
                    _close_renderer_locked()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def warm_up() -> threading.Thread | None:
    """Start the browser in the background, so the first image of a page that draws some is quick."""
    try:
        path = require_browser()
    except ExportUnavailable:
        return None  # chart_image will say what is missing when an image is asked for

    def start() -> None:
        try:
            _ensure_renderer(path)
        except ExportUnavailable:
            pass  # the same message comes again, to the user, from chart_image

    thread = threading.Thread(target=start, name="kaleido-warm-up", daemon=True)
    thread.start()
    return thread


def _close_renderer_locked() -> None:
    global _renderer
    if _renderer is not None:
        old, _renderer = _renderer, None
        try:
            old.close()
        except Exception:  # noqa: BLE001 - a dead browser cannot be closed politely
            pass


def close_renderer() -> None:
    """Stop the kept browser (tests and benchmarks; it is also stopped when the process exits)."""
    with _renderer_lock:
        _close_renderer_locked()


def clear_image_cache() -> None:
    """Forget the drawn images (for cold measurements)."""
    with _images_lock:
        _images.clear()


atexit.register(close_renderer)
