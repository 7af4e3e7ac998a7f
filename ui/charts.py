"""Plotly figure builders: protected data in, figure and a Danish note out (no Streamlit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from analysis.disclosure import ProtectedTable
from ui import format as fmt

COLOURS = {"main": "#1f4e79", "event": "#7f7f7f", "pilot": "rgba(214, 137, 16, 0.15)"}
# Thousands '.', decimals ',' in every axis and hover text.
DANISH_SEPARATORS = ",."


@dataclass(frozen=True)
class Chart:
    """A figure built from protected data, and the note that goes under it."""

    figure: go.Figure
    note: str = ""


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
        f"{n} punkt{'er' if n != 1 else ''} er udeladt, fordi de bygger på færre end {table.k} "
        "personer (diskretionering)."
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
                x=row["event_date"], y=0.06 + 0.07 * (i % 4), yref="paper", text=row["label_da"],
                showarrow=False, xanchor="left", font=dict(size=10, color="#404040"),
                bgcolor="rgba(255,255,255,0.8)",
            )
    _base_layout(fig, "Personer i ressourceforløb")
    _integer_ticks(fig, y)
    # Year ticks read the same in every language (Plotly's month names are English).
    fig.update_xaxes(title_text="Kvartal (opgjort ved kvartalets udgang)", tickformat="%Y", dtick="M12")
    return Chart(fig, hidden_points_note(table, "persons_in_course"))
