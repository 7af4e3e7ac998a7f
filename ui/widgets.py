"""Shared widgets: banner, footer, filters, metrics and tables that accept only protected data."""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go
import streamlit as st

from analysis.database import DatasetInfo
import settings
from analysis.protected import HIDDEN_MARK, ProtectedTable, ProtectedValue, note
from ui import format as fmt
from ui import briefing_document, chart_text, export, plain, tables, views
from ui.charts import Chart
from ui.views import View

SYNTHETIC_BANNER = (
    "**Syntetiske data.** Tallene her er genereret af projektets egen generator til afprøvning "
    "og demonstration. De er kalibreret til publicerede størrelsesordener, men beskriver ingen "
    "virkelige borgere, sager eller kommuner."
)


def synthetic_banner(info: DatasetInfo) -> None:
    """The banner every page shows while the loaded data is synthetic."""
    if info.synthetic:
        st.warning(SYNTHETIC_BANNER)


def footer(info: DatasetInfo) -> None:
    """Data version and load time, at the foot of every page."""
    kind = "syntetiske data" if info.synthetic else "indlæste data"
    st.divider()
    st.caption(
        f"Dataversion {info.version} ({kind}) · indlæst {fmt.timestamp(info.loaded_at)} · "
        f"data til og med {fmt.day(info.data_end_date)} · antal fra 1 til {settings.K_ANONYMITY - 1} vises som «..»"
    )


def region_label(regions: dict[str, str]):
    """The region filter's label of a choice: 'Hele landet' for 'alle', else the region's name."""
    return lambda code: "Hele landet" if code == "alle" else regions[code]


def region_filter(regions: dict[str, str], key: str = "region") -> str | None:
    """Choose all of Denmark or one region; the choice lives in the URL (?region=Region+Sjælland)."""
    options = ["alle", *regions]
    choice = st.selectbox(
        "Område",
        options,
        format_func=region_label(regions),
        key=key,
        bind="query-params",
        help="Tallene for et område omfatter sager i kommunerne i regionen.",
    )
    return None if choice == "alle" else choice


PUBLIC_NOTE = "Offentlige oplysninger om kommuner, ikke om personer: vises uden diskretionering."


def metric(label: str, value: ProtectedValue, render=fmt.number, help: str | None = None) -> None:
    """A key figure; '..' when hidden by disclosure control."""
    shown = fmt.protected(value, render)  # refuses anything that skipped the gate
    if value.public:
        help = f"{help} {PUBLIC_NOTE}" if help else PUBLIC_NOTE
    st.metric(label, shown, help=help, border=True)


def table(
    protected: ProtectedTable,
    columns: dict[str, str],
    formats=None,
    *,
    download: str | None = None,
    source: str = "",
    info: DatasetInfo | None = None,
    view: View | None = None,
) -> None:
    """A protected table in Danish format, its footnote when cells are hidden, and downloads as
    CSV (Danish Excel) and XLSX with a metadata sheet."""
    st.dataframe(tables.display_frame(protected, columns, formats), hide_index=True)
    if protected.any_hidden:
        st.caption(note(protected.k))
    if not download:
        return
    name = f"{download}_v{info.version}" if info else download
    meta = _metadata(download, source, info, view, protected.k)
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(
        "CSV til Excel",
        # Made when clicked, as the XLSX is: a rerun that nobody downloads from pays nothing.
        lambda: tables.csv_bytes(protected, columns, formats, source=source, synthetic=bool(info and info.synthetic),
                                 about=export.about_lines(meta)),
        file_name=f"{name}.csv", mime="text/csv", key=f"csv_{download}", on_click="ignore",
        icon="⬇",
    )
    right.download_button(
        "Excel (XLSX)",
        lambda: export.xlsx_bytes(protected, columns, formats, metadata=meta),
        file_name=f"{name}.xlsx", mime=export.XLSX_MIME, key=f"xlsx_{download}", on_click="ignore",
        icon="⬇",
    )


def _metadata(title: str, source: str, info: DatasetInfo | None, view: View | None, k: int) -> export.Metadata:
    """What a download says about itself: source, version, load time, filters and the link back."""
    return export.Metadata(
        title=title,
        source=source or (f"Indlæste data, dataversion {info.version}" if info else ""),
        version=info.version if info else None,
        loaded_at=info.loaded_at if info else None,
        data_end_date=info.data_end_date if info else None,
        synthetic=bool(info and info.synthetic),
        filters=dict(view.filters) if view else {},
        link=view.link() if view else views.app_base(),
        k=k,
    )


def chart(
    built: Chart,
    definition: str = "",
    *,
    download: str | None = None,
    info: DatasetInfo | None = None,
    view: View | None = None,
) -> None:
    """A figure from ui.charts (built from protected data), its definition and note, and PNG and
    SVG downloads made when clicked."""
    if not isinstance(built, Chart):
        raise TypeError("kun figurer bygget af diskretionerede data kan vises")
    traces = built.figure.get("data") if isinstance(built.figure, dict) else built.figure.data
    caption = " ".join(x for x in (definition, plain.md(built.note)) if x)
    if not traces:  # everything hidden or nothing to estimate: say so instead of an empty frame
        st.info("Figuren har intet at vise i dette udvalg. " + plain.md(built.note), icon="ℹ️")
        if definition:
            st.caption(definition)
        return
    figure = built.figure
    if isinstance(figure, dict):
        # A cached figure is the dict of a Figure that was validated when it was built: made a
        # Figure again without validating, Streamlit skips the ~20 ms its own validation costs.
        figure = go.Figure(figure, _validate=False)
    st.plotly_chart(figure, config={"displaylogo": False})
    if caption:
        st.caption(caption)
    chart_alternative(built, download or hashlib.sha256(caption.encode()).hexdigest()[:12])
    if not download:
        return
    missing = export.image_export_problem()
    if missing:
        st.caption(f"Figuren kan ikke hentes som billede: {plain.md(missing)}")
        return
    name = f"{download}_v{info.version}" if info else download
    meta = _metadata(download, "", info, view, settings.K_ANONYMITY)
    left, right, _ = st.columns([1, 1, 3])
    for column, kind, mime in ((left, "png", "image/png"), (right, "svg", "image/svg+xml")):
        column.download_button(
            f"Figur ({kind.upper()})",
            lambda kind=kind: export.chart_image(built, kind, metadata=meta),
            file_name=f"{name}.{kind}", mime=mime, key=f"{kind}_{download}", on_click="ignore",
            icon="⬇",
        )


def document_language() -> None:
    """Declare the page Danish: Streamlit's page shell says lang="en" whatever the app's language,
    and a screen reader would read the Danish text with English pronunciation."""
    st.html("<script>document.documentElement.lang = 'da';</script>", unsafe_allow_javascript=True)


def chart_alternative(built: Chart, key: str) -> None:
    """The chart in words (what it shows, its main reading) and its numbers as a table one click
    away: what a reader who cannot see the chart needs, read from the same released numbers."""
    st.caption(plain.md(chart_text.describe(built.figure, gap=built.gap)))  # the note is in the caption above
    table = chart_text.data_table(built.figure, built.gap)
    if not table.height:
        return
    box = unfolded("Data bag figuren", f"chart_data_{key}")
    if box is not None:
        with box:
            # A real HTML table (st.table), which screen readers read cell by cell.
            st.table(_plain_table(table))


def unfolded(label: str, key: str):
    """An expander whose content the page sends only once it is opened: the container while open,
    None while closed.

    A closed expander's content is still sent and laid out by the browser. The charts' data
    tables, closed, were half of the elements a first visit to a page drew (bench.concurrency).
    Opening one runs the page again, on cached results, and the content appears.
    """
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def _plain_table(table):
    """The chart's data with every cell shown as typed (names come from data)."""
    return {column: [plain.md(v) for v in table[column].to_list()] for column in table.columns}


def difference(interval, label: str, render, definition: str) -> None:
    """A protected change with its 95 % interval, as a key figure and a caption."""
    if not isinstance(interval.estimate, ProtectedValue):
        raise TypeError("kun tal, der har passeret diskretioneringen, kan vises")
    metric_row([(label, interval.estimate, render, definition)], per_row=3)
    intervals([(label, interval, render)])


def metric_row(items: list[tuple], per_row: int = 4) -> None:
    """Key figures side by side, `(label, value[, render[, help]])` each; the note if any is hidden."""
    for start in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, item in zip(columns, items[start:start + per_row]):
            label, value, *rest = item
            render = rest[0] if rest else fmt.number
            with column:
                metric(label, value, render, rest[1] if len(rest) > 1 else None)
    hidden = [value for _, value, *_ in items if value.hidden]
    if hidden:
        st.caption(note(hidden[0].k))


def intervals(items: list[tuple]) -> None:
    """The 95 % intervals of shown estimates, `(label, ProtectedInterval, render)` each."""
    parts = []
    for label, interval, render in items:
        if not isinstance(interval.estimate, ProtectedValue):
            raise TypeError("kun tal, der har passeret diskretioneringen, kan vises")
        if not interval.estimate.hidden and interval.lower is not None:
            parts.append(f"{label}: {render(interval.lower)} – {render(interval.upper)}")
    if parts:
        st.caption("95 %-konfidensintervaller: " + "; ".join(parts) + ".")


def published_beside(published: ProtectedTable, figure_ids: list[str]) -> None:
    """The published figures with their sources, beside the loaded ones."""
    if not isinstance(published, ProtectedTable):
        raise TypeError("kun tabeller, der har passeret diskretioneringen, kan vises")
    rows = published.frame.filter(published.frame["figure_id"].is_in(figure_ids))
    if rows.is_empty():
        return
    # The reference table's texts are data: escaped, so only the bold labels here are Markdown.
    st.caption("Publiceret: " + "; ".join(
        f"{plain.md(r['label_da'].lower())}: {plain.md(r['value_text_da'])} ({plain.md(r['period_da'])})"
        for r in rows.iter_rows(named=True)) + ".")
    lines = [f"**{plain.md(r['label_da'])}** ({plain.md(r['period_da'])}): {plain.md(r['value_text_da'])} — kilde: "
             f"{plain.md(r['source_title'])}" for r in rows.iter_rows(named=True)]
    with st.expander("Publicerede tal med kilder"):
        st.markdown("\n".join(f"- {line}" for line in lines))


def duration_summary(statistics: dict[str, ProtectedValue], n: ProtectedValue, open_: ProtectedValue, unit: str,
                     definition: str) -> None:
    """Median, quartiles and 90th percentile of a duration (Kaplan–Meier), the closed-only median
    beside them, and how many are still open, as released: each statistic only with at least k
    persons on either side of it."""
    def render(v):
        return fmt.MISSING if v is None else f"{fmt.number(v)} {unit}"

    q1, q3 = statistics["q1"], statistics["q3"]
    if q1.hidden or q3.hidden:
        quartiles = HIDDEN_MARK
    elif q1.value is None or q3.value is None:
        quartiles = fmt.MISSING
    else:
        quartiles = f"{fmt.number(q1.value)}–{fmt.number(q3.value)} {unit}"
    both = ProtectedValue(None, q1.hidden or q3.hidden)
    metric_row([
        ("Median", statistics["median"], render, definition),
        ("Kvartiler (25 %–75 %)", both, lambda v: quartiles),
        ("90 %-fraktil", statistics["p90"], render,
         "– betyder, at færre end 90 % har fået rådgivning ved datas slutdato."),
        ("Median, kun afsluttede", statistics["naive_median"], render,
         "Hvad medianen ville være, hvis de åbne blev udeladt: den undervurderer ventetiden."),
        ("Antal", n, fmt.number),
        ("Åbne (censurerede)", open_, fmt.number),
    ], per_row=3)


def scope(note: str) -> None:
    """Say that a section shows another view than the one chosen (where the release holds it)."""
    if note:
        st.info(plain.md(note), icon="ℹ️")  # a note may quote the link's own values


def moved_figures(changes, then: int, now: int) -> None:
    """Which headline figures differ between the briefing's data version and the current one."""
    if not changes:
        st.success(f"Ingen af briefingens hovedtal har flyttet sig fra dataversion {then} til {now}.")
        return
    lines = [f"- **{plain.md(c.label)}**: {plain.md(c.then)} → {plain.md(c.now)}" for c in changes]
    st.warning(f"Hovedtal, der har flyttet sig fra dataversion {then} til {now}:\n\n" + "\n".join(lines))


def briefing_downloads(briefing_id: str, link: str, documents: dict[str, bytes]) -> None:
    """The made briefing as Word and PDF, and the link that makes it again."""
    left, right, _ = st.columns([1, 1, 2])
    left.download_button("Hent briefing (Word)", documents["docx"], file_name=f"briefing_{briefing_id}.docx",
                         mime=briefing_document.DOCX_MIME, on_click="ignore", icon="⬇", key="briefing_docx")
    right.download_button("Hent briefing (PDF)", documents["pdf"], file_name=f"briefing_{briefing_id}.pdf",
                          mime=briefing_document.PDF_MIME, on_click="ignore", icon="⬇", key="briefing_pdf")
    st.caption("Briefingen er gemt. Dette link åbner samme visning og kan danne briefingen igen på samme "
               "dataversion – og viser, hvilke tal der har flyttet sig siden:")
    st.code(link, language=None)


def effects(estimates: list, names: dict[str, str]) -> None:
    """Effect estimates as key figures with their intervals, the two-way fixed effects beside them,
    the methods, the sample and the caveats."""
    from analysis.pool_figures import Effect

    if not all(isinstance(e, Effect) for e in estimates):
        raise TypeError("kun estimater fra udgivelsen kan vises")
    items, lines, twfe, caveats = [], [], [], []
    for e in estimates:
        unit = " pct.-point" if e.unit == "procentpoint" else f" {e.unit}"  # short enough for a key figure
        value = ProtectedValue(None if e.hidden else e.estimate, e.hidden, None)
        items.append((names.get(e.outcome, e.outcome), value, lambda v, unit=unit: fmt.MISSING if v is None else f"{fmt.signed(v)}{unit}",
                      plain.md(e.sample)))
        if not e.hidden and e.lower is not None:
            lines.append(f"{plain.md(names.get(e.outcome, e.outcome))}: {fmt.signed(e.lower)} til "
                         f"{fmt.signed(e.upper)}{plain.md(unit)}")
        if not e.hidden and e.twfe_estimate is not None:
            interval = "" if e.twfe_lower is None else f" ({fmt.signed(e.twfe_lower)} til {fmt.signed(e.twfe_upper)})"
            twfe.append(f"{plain.md(names.get(e.outcome, e.outcome))}: {fmt.signed(e.twfe_estimate)}{plain.md(unit)}"
                        f"{interval}")
        caveats.extend(c for c in e.caveats if c not in caveats)
    metric_row(items, per_row=3)
    if estimates:
        first = estimates[0]
        st.caption(f"Estimator: {plain.md(first.method_main)}, der sammenligner hver kommune med bevilling med "
                   "kommunerne uden bevilling fra dens egen start (bevillingerne starter i forskellige kvartaler). "
                   f"95 %-intervaller: {plain.md(first.interval_method)}.")
    if lines:
        st.caption("95 %-intervaller: " + "; ".join(lines) + ".")
    if twfe:
        st.caption(f"Til sammenligning, {plain.md(estimates[0].method_twfe)}: " + "; ".join(twfe) + ".")
    for caveat in caveats:
        st.warning(plain.md(caveat), icon="ℹ️")


def costs(items: list, definitions: list[str]) -> None:
    """Kroner per extra outcome with the interval carried from the effect, and what the kroner are."""
    from analysis.pool_figures import CostPerOutcome

    if not all(isinstance(c, CostPerOutcome) for c in items):
        raise TypeError("kun beregninger fra udgivelsen kan vises")
    row = []
    for cost, definition in zip(items, definitions):
        value = ProtectedValue(None if cost.hidden else cost.estimate, cost.hidden, cost.cases_after_start.base)
        row.append((f"Kr. pr. {plain.md(cost.unit)}", value, fmt.kroner, definition))
    metric_row(row, per_row=2)
    for cost in items:
        # The unit, the explanation and the basis (which names project titles) come from the release.
        unit, explanation = plain.md(cost.unit), plain.md(cost.explanation.strip())
        if cost.hidden or cost.estimate is None or cost.lower is None:
            text = f"Kr. pr. {unit}: {explanation}" if not cost.hidden else explanation
        else:
            upper = "ingen øvre grænse" if cost.upper is None else fmt.kroner(cost.upper)
            text = f"Kr. pr. {unit}: 95 %-interval {fmt.kroner(cost.lower)} til {upper} – {explanation}"
        st.caption(text.strip())
    if items:
        st.caption(plain.md(items[0].kroner_basis))
