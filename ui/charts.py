"""Plotly figure builders: protected data in, figure and a Danish note out (no Streamlit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from analysis.protected import ProtectedTable
from ui import format as fmt
from ui.chart_text import HIDDEN_TEXT
from ui import plain

# Dark blue against orange and vermillion (Okabe–Ito): apart for the common colour-vision
# deficiencies, and every second series or outlier is also told by line, shape or label.
COLOURS = {"main": "#1f4e79", "event": "#7f7f7f", "pilot": "rgba(214, 137, 16, 0.15)"}
OUTSIDE = "#d55e00"
# Thousands '.', decimals ',' in every axis and hover text.
DANISH_SEPARATORS = ",."


@dataclass(frozen=True)
class Chart:
    """A figure built from protected data (a Figure, or its dict once cached), and its note."""

    figure: go.Figure | dict
    note: str = ""
    gap: str = HIDDEN_TEXT  # what a point without a value is, in its text and table


def _base_layout(fig: go.Figure, y_title: str) -> go.Figure:
    fig.update_layout(
        separators=DANISH_SEPARATORS,
        template="plotly_white",
        margin=dict(l=10, r=10, t=30, b=10),
        yaxis_title=y_title,
        hovermode="x unified",
        showlegend=False,
        height=420,
    )
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def nice_step(top: float, ticks: int = 5) -> int:
    """A whole tick step of 1, 2 or 5 times a power of ten giving about `ticks` ticks up to `top`
    (Plotly's own choice on a second axis can give uneven labels such as 20, 41, 61)."""
    raw = max(top, 1) / ticks
    power = 10 ** max(0, len(str(int(raw))) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _integer_ticks(fig: go.Figure, values: list) -> None:
    """Whole-number ticks only: small counts would otherwise get repeated labels (1, 1, 2, 2)."""
    shown = [v for v in values if v is not None]
    if shown and max(shown) < 10:
        fig.update_yaxes(dtick=1)


def hidden_points_note(table: ProtectedTable, column: str) -> str:
    """The sentence under a chart when hidden points are left out."""
    n = int(table.is_hidden(column).sum())
    if n == 0:
        return ""
    return (
        f"{n} punkt{'er' if n != 1 else ''} er udeladt, fordi {'de' if n != 1 else 'det'} bygger på færre "
        f"end {table.k} personer (diskretionering)."
    )


def persons_in_course_trend(
    table: ProtectedTable,
    events: pl.DataFrame,
    pilot_window: tuple[date, date],
) -> Chart:
    """Persons in a course at each quarter's end, with the initiative package's events marked."""
    if not isinstance(table, ProtectedTable):
        raise TypeError("kun tabeller, der har passeret diskretioneringen, kan vises")
    frame = table.frame
    x = frame["quarter_end"].to_list()
    y = frame["persons_in_course"].to_list()  # hidden points are already None: a gap, no value
    labels = [fmt.quarter(d) for d in x]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            line=dict(color=COLOURS["main"], width=2),
            marker=dict(size=4),
            customdata=labels,
            hovertemplate="%{customdata}: %{y:,d} personer<extra></extra>",
            name="Personer i ressourceforløb",
            meta="antal",
            connectgaps=False,
        )
    )
    fig.add_vrect(
        x0=pilot_window[0], x1=pilot_window[1] + timedelta(days=1),
        fillcolor=COLOURS["pilot"], line_width=0, layer="below",
        annotation_text="Forsøg med sundhedskoordinator", annotation_position="top left",
        annotation_font_size=11,
    )
    if x:
        first, last = min(x), max(x)
        marked = events.filter(
            (pl.col("event_date") >= first - timedelta(days=92)) & (pl.col("event_date") <= last)
            & ~pl.col("event_id").is_in(["pilot_start", "pilot_end"])
        )
        for i, row in enumerate(marked.iter_rows(named=True)):
            fig.add_vline(x=row["event_date"], line=dict(color=COLOURS["event"], width=1, dash="dot"))
            fig.add_annotation(
                # Low on the chart, where a stock curve rarely runs; staggered so labels do not collide.
                x=row["event_date"], y=0.06 + 0.07 * (i % 4), yref="paper", text=plain.chart(row["label_da"]),
                showarrow=False, xanchor="left", font=dict(size=10, color="#404040"),
                bgcolor="rgba(255,255,255,0.8)",
            )
    _base_layout(fig, "Personer i ressourceforløb")
    _integer_ticks(fig, y)
    # Year ticks read the same in every language (Plotly's month names are English).
    fig.update_xaxes(title_text="Kvartal (opgjort ved kvartalets udgang)", tickformat="%Y", dtick="M12")
    return Chart(fig, hidden_points_note(table, "persons_in_course"))


def _require(table) -> None:
    if not isinstance(table, ProtectedTable):
        raise TypeError("kun tabeller, der har passeret diskretioneringen, kan vises")


def _hidden_note(n: int, k: int, what: str = "punkt") -> str:
    if n == 0:
        return ""
    plural, they = ("er", "de") if n != 1 else ("", "det")
    return f"{n} {what}{plural} er udeladt, fordi {they} bygger på færre end {k} personer (diskretionering)."


def _mark_events_on_quarters(fig: go.Figure, starts: list[date], events: pl.DataFrame) -> None:
    """Events as lines between quarter bars (a category axis: quarter i sits at position i)."""
    if not starts or events.is_empty():
        return
    last = starts[-1]
    end = date(last.year + (last.month > 9), (last.month + 2) % 12 + 1, 1)
    for i, row in enumerate(events.filter(pl.col("event_date").is_between(starts[0], end)).iter_rows(named=True)):
        d = row["event_date"]
        position = sum(1 for s in starts if s <= d) - 1
        x = position - 0.5 if d == starts[min(max(position, 0), len(starts) - 1)] else position
        if d >= end:
            x = len(starts) - 0.5
        fig.add_vline(x=x, line=dict(color=COLOURS["event"], width=1, dash="dot"))
        at_right_edge = x >= len(starts) - 1
        fig.add_annotation(x=x, y=1 - 0.08 * (i % 3), yref="paper", text=plain.chart(row["label_da"]), showarrow=False,
                           xanchor="right" if at_right_edge else "left", font=dict(size=10, color="#404040"),
                           bgcolor="rgba(255,255,255,0.8)")


def pilot_requests_by_quarter(table: ProtectedTable, events: pl.DataFrame | None = None) -> Chart:
    """Requests per quarter (bars) and the running total (line), hidden points left out, with
    the pilot's start and end and other events marked."""
    _require(table)
    frame = table.frame
    labels = [fmt.quarter(d) for d in frame["quarter_start"].to_list()]
    fig = go.Figure()
    fig.add_bar(x=labels, y=frame["requests"].to_list(), name="Anmodninger i kvartalet", meta="antal",
                marker_color=COLOURS["main"], hovertemplate="%{x}: %{y:,d} anmodninger<extra></extra>")
    fig.add_scatter(x=labels, y=frame["cumulative"].to_list(), name="Anmodninger i alt (løbende)", meta="antal",
                    mode="lines+markers", yaxis="y2", line=dict(color="#d68910", width=2), connectgaps=False,
                    hovertemplate="%{x}: %{y:,d} i alt<extra></extra>")
    _base_layout(fig, "Anmodninger i kvartalet")
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2),
                      yaxis2=dict(title="Anmodninger i alt", overlaying="y", side="right", rangemode="tozero",
                                  tickformat=",d", showgrid=False,
                                  dtick=nice_step(max((v for v in frame["cumulative"].to_list() if v is not None),
                                                      default=1))))
    _integer_ticks(fig, frame["requests"].to_list())
    fig.update_xaxes(title_text="Kvartal for anmodningen (forsøget: 2017K3–2019K2)")
    if events is not None:
        _mark_events_on_quarters(fig, frame["quarter_start"].to_list(), events)
    hidden = int(table.is_hidden("requests").sum()) + int(table.is_hidden("cumulative").sum())
    return Chart(fig, _hidden_note(hidden, table.k))


def uptake_by_region(table: ProtectedTable) -> Chart:
    """Uptake per 1,000 courses per region with 95 % intervals; hidden regions left out."""
    _require(table)
    rows = table.frame.filter(pl.col("level") == "region")
    shown = rows.filter(pl.col("rate").is_not_null())
    fig = go.Figure(go.Bar(
        x=list(map(plain.chart, shown["name"].to_list())), y=shown["rate"].to_list(), marker_color=COLOURS["main"], meta="rate",
        name="Anmodninger pr. 1.000 forløb",
        error_y=dict(type="data", symmetric=False,
                     array=(shown["rate_upper"] - shown["rate"]).to_list(),
                     arrayminus=(shown["rate"] - shown["rate_lower"]).to_list()),
        hovertemplate="%{x}: %{y:,.2f} pr. 1.000 forløb<extra></extra>",
    ))
    national = table.frame.filter(pl.col("level") == "national")["rate"].to_list()
    if national and national[0] is not None:
        fig.add_hline(y=national[0], line=dict(color=COLOURS["event"], dash="dash"),
                      annotation_text=f"Hele landet: {fmt.number(national[0], 2)}", annotation_position="top right")
    _base_layout(fig, "Anmodninger pr. 1.000 forløb")
    fig.update_yaxes(tickformat=",.1f")
    return Chart(fig, _hidden_note(rows.height - shown.height, table.k, "region"))


def pilot_funnel(funnel) -> Chart:
    """Municipalities' uptake against their courses, with 95 % and 99.8 % exact limits."""
    from analysis.pilot import Funnel

    if not isinstance(funnel, Funnel):
        raise TypeError("kun figurer bygget af diskretionerede data kan vises")
    points, limits, national_rate, left_out = funnel.points, funnel.limits, funnel.national_rate, funnel.left_out
    _require(points)
    frame = points.frame
    fig = go.Figure()
    for upper, lower, name, dash in ((limits.upper_998, limits.lower_998, "99,8 %-grænser", "dot"),
                                     (limits.upper_95, limits.lower_95, "95 %-grænser", "dash")):
        for i, line in enumerate((upper, lower)):
            fig.add_scatter(x=limits.exposure, y=line, mode="lines", name=name, showlegend=i == 0, meta="grænse",
                            legendgroup=name, line=dict(color="#7f7f7f", dash=dash, width=1), hoverinfo="skip")
    if national_rate is not None:
        fig.add_hline(y=national_rate, line=dict(color=COLOURS["event"], width=1),
                      annotation_text=f"Landsgennemsnit {fmt.number(national_rate, 2)}",
                      annotation_position="bottom right")
    outside = frame["position"].is_in(["above_998", "below_998"])
    fig.add_scatter(
        x=frame["courses"].to_list(), y=frame["rate"].to_list(), mode="markers+text",
        text=[plain.chart(n) if o else "" for n, o in zip(frame["name"].to_list(), outside.to_list())], textposition="top center",
        # Outliers differ in shape and name as well as colour: read without telling colours apart.
        marker=dict(color=[(OUTSIDE if o else COLOURS["main"]) for o in outside.to_list()], size=7,
                    symbol=["diamond" if o else "circle" for o in outside.to_list()]),
        customdata=list(zip(map(plain.chart, frame["name"].to_list()), frame["requests"].to_list())), name="Kommuner", meta="rate",
        hovertemplate="%{customdata[0]}: %{customdata[1]:,d} anmodninger, %{x:,d} forløb, %{y:,.2f} pr. 1.000<extra></extra>",
    )
    _base_layout(fig, "Anmodninger pr. 1.000 forløb")
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    fig.update_xaxes(title_text="Ressourceforløb i perioden (log-skala)", type="log")
    fig.update_yaxes(tickformat=",.1f")
    note = ("Kommuner uden for 99,8 %-grænserne er vist som ruder med navn. Grænserne er tegnet fra og til runde "
            "tal omkring de viste kommuner, så de ikke afslører en skjult kommunes antal forløb.")
    if left_out:
        note += (f" {left_out} kommuner med 1–{points.k - 1} anmodninger (eller som skjules for at beskytte dem) "
                 "er udeladt (diskretionering).")
    return Chart(fig, note)


def pilot_flow(table: ProtectedTable) -> Chart:
    """From request to dialogue meeting and advice, then the outcomes (total row)."""
    _require(table)
    total = table.frame.filter(pl.col("offer_type") == "total").row(0, named=True)
    stages = [("Anmodninger", "requests"), ("Dialogmøde holdt", "dialogue"), ("Rådgivning givet", "advice")]
    shown = [(label, total[col]) for label, col in stages if total[col] is not None]
    fig = go.Figure(go.Funnel(y=[s[0] for s in shown], x=[s[1] for s in shown], textinfo="value+percent initial",
                              meta="antal", name="Anmodninger",
                              marker=dict(color=COLOURS["main"]), hovertemplate="%{y}: %{x:,d}<extra></extra>"))
    _base_layout(fig, "")
    fig.update_layout(height=300)
    hidden = len(stages) - len(shown)
    return Chart(fig, _hidden_note(hidden, table.k, "trin"))


def days_to_advice_curve(speed) -> Chart:
    """Share of requests still without advice by days since the request (Kaplan–Meier), at the
    released points only: each step covers at least k requests, and the curve ends where fewer
    than k are still waiting."""
    from analysis.pilot import Speed

    if not isinstance(speed, Speed):
        raise TypeError("kun kurver fra diskretionerede data kan vises")
    curve = speed.curve  # the released points, from (0, 1)
    fig = go.Figure(go.Scatter(x=[t for t, _ in curve], y=[s for _, s in curve], mode="lines+markers",
                               line_shape="hv", meta="andel", name="Andel uden rådgivning",
                               line=dict(color=COLOURS["main"], width=2), marker=dict(size=5),
                               hovertemplate="Dag %{x:,d}: %{y:.0%} venter stadig<extra></extra>"))
    _base_layout(fig, "Andel uden rådgivning endnu")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    # Flat after the last drop; a year of flat line would squeeze the steps that matter.
    drops = [t for (t, s), (_, before) in zip(curve[1:], curve) if s < before]
    if drops:
        fig.update_xaxes(range=[0, max(drops) * 1.5])
    fig.update_xaxes(title_text="Dage fra anmodning")
    fig.update_layout(height=320)
    note = (f"Kurven vises i trin, der hver samler mindst {speed.n.k} anmodninger, og stopper, hvor færre end "
            f"{speed.n.k} stadig venter (diskretionering).")
    return Chart(fig, note)
