"""Plotly figures for the pool page: grants, outcomes per quarter, event study, effects (no Streamlit).

Every trace declares what it carries in `meta`: besides the kinds of ui/charts.py ("antal",
"rate", "andel", "grænse") the pool page needs three more, none of them counts of persons:
"kr" (public amounts in kroner), "dage" (durations in days) and "estimat" (model estimates:
effects, event-study coefficients and the counterfactual path).
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from analysis.protected import ProtectedTable
from analysis.pool_figures import Effect
from ui import format as fmt
from ui import plain
from ui.charts import COLOURS, Chart, _base_layout, _hidden_note, _require

POOL_TRACE_KINDS = {"kr", "dage", "estimat"}
GROUP_COLOURS = {"grant": COLOURS["main"], "other": "#d68910"}
GROUP_LABELS = {"grant": "Kommuner med bevilling", "other": "Øvrige kommuner"}
FOCUS_LABELS = {
    "citizen_involvement": "Borgerinddragelse",
    "company_internships": "Virksomhedspraktik",
    "processing_times": "Sagsbehandlingstid",
}
# measure column -> (y-axis title, kind); shares are drawn in percent.
MEASURES = {
    "involved_share": ("Andel forberedt sammen med borgeren", "andel"),
    "internship_share": ("Andel forløb med virksomhedspraktik", "andel"),
    "completed_share": ("Andel praktikker gennemført", "andel"),
    "median_days": ("Mediandage fra visitation til afgørelse", "dage"),
}
OUTCOME_LABELS = {
    "citizen_involved": "Sager forberedt sammen med borgeren",
    "days_referral_to_decision": "Dage fra visitation til afgørelse",
    "internship_within": "Forløb med virksomhedspraktik inden for 6 måneder",
}
UNIT_SUFFIX = {"procentpoint": " pct.-point", "dage": " dage"}
BAND = {"grant": "rgba(31, 78, 121, 0.15)", "other": "rgba(214, 137, 16, 0.15)"}


def grants_chart(table: ProtectedTable) -> Chart:
    """Granted against spent per grant (municipality and focus area), horizontal bars in kroner."""
    _require(table)
    frame = table.frame.sort("granted_dkk")
    labels = [plain.chart(f"{m} – {FOCUS_LABELS.get(f, f)}") for m, f in
              zip(frame["municipality_name"].to_list(), frame["focus_area"].to_list())]
    fig = go.Figure()
    for column, name, colour in (("granted_dkk", "Bevilget", "#9dc3e6"), ("spent_dkk", "Brugt", COLOURS["main"])):
        amounts = frame[column].to_list()
        fig.add_bar(
            y=labels, x=amounts, orientation="h", name=name, meta="kr", marker_color=colour,
            customdata=[fmt.kroner(a) if a is not None else "ikke indberettet" for a in amounts],
            hovertemplate=f"%{{y}}: {name.lower()} %{{customdata}}<extra></extra>",
        )
    _base_layout(fig, "")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=-0.15),
                      hovermode="closest", height=max(320, 28 * frame.height + 120))
    fig.update_xaxes(title_text="Kroner", tickformat=",d")
    missing = frame["spent_dkk"].null_count()
    note = ""
    if missing:
        note = (f"{missing} bevilling{'er' if missing != 1 else ''} har ikke indberettet forbrug; "
                "der vises kun det bevilgede beløb.")
    return Chart(fig, note, gap="ikke indberettet")  # grants are public: a missing amount is unreported


def outcome_chart(table: ProtectedTable, measure: str, grant_start: date | None = None) -> Chart:
    """One outcome per referral quarter: grant municipalities against the rest, with 95 % bands
    for shares; hidden quarters are gaps."""
    _require(table)
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    title, kind = MEASURES[measure]
    share = kind == "andel"
    fig = go.Figure()
    left_out = 0
    for group in ("grant", "other"):
        rows = table.frame.filter(pl.col("group") == group)
        hidden = table.is_hidden(measure).filter(table.frame["group"] == group)
        left_out += int(hidden.sum() or 0)
        x = rows["quarter_start"].to_list()
        y = _percent(rows[measure].to_list()) if share else rows[measure].to_list()
        if share:
            lower = _percent(rows[f"{measure}_lower"].to_list())
            upper = _percent(rows[f"{measure}_upper"].to_list())
            fig.add_scatter(x=x, y=upper, mode="lines", line=dict(width=0), meta="grænse", hoverinfo="skip",
                            showlegend=False, connectgaps=False, name=f"{GROUP_LABELS[group]}: øvre grænse")
            fig.add_scatter(x=x, y=lower, mode="lines", line=dict(width=0), fill="tonexty",
                            fillcolor=BAND[group], meta="grænse", hoverinfo="skip", showlegend=False,
                            connectgaps=False, name=f"{GROUP_LABELS[group]}: nedre grænse")
        text = [_point_text(v, share) for v in y]
        fig.add_scatter(
            x=x, y=y, mode="lines+markers", name=GROUP_LABELS[group], meta=kind, connectgaps=False,
            # The other municipalities are dashed with square markers too: apart without colour.
            line=dict(color=GROUP_COLOURS[group], width=2, dash="solid" if group == "grant" else "dash"),
            marker=dict(size=5, symbol="circle" if group == "grant" else "square"),
            customdata=list(zip([fmt.quarter(d) for d in x], text)),
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + GROUP_LABELS[group] + "</extra>",
        )
    _base_layout(fig, title)
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    fig.update_yaxes(tickformat=",.0f", ticksuffix=" %" if share else "")
    fig.update_xaxes(title_text="Kvartal for visitationen", tickformat="%Y", dtick="M12")
    if grant_start is not None:
        fig.add_vline(x=grant_start, line=dict(color=COLOURS["event"], width=1, dash="dot"))
        fig.add_annotation(x=grant_start, y=1, yref="paper", text="Bevillingerne starter", showarrow=False,
                           xanchor="left", font=dict(size=10, color="#404040"), bgcolor="rgba(255,255,255,0.8)")
    note = _hidden_note(left_out, table.k)
    if share:
        note = ("Båndene er 95 %-konfidensintervaller (eksakte). " + note).strip()
    return Chart(fig, note)


def event_study_chart(table: ProtectedTable, outcome: str) -> Chart:
    """The grant group's observed path by quarter from the grant start, against the path it would
    have had if it had moved as the comparison group did (the band: 95 % interval)."""
    _require(table)
    frame = table.frame
    unit = _outcome_unit(outcome)
    x = frame["event"].to_list()
    fig = go.Figure()
    fig.add_scatter(x=x, y=frame["counterfactual_upper"].to_list(), mode="lines", line=dict(width=0),
                    meta="grænse", hoverinfo="skip", showlegend=False, connectgaps=False,
                    name="Uden puljen: øvre grænse")
    fig.add_scatter(x=x, y=frame["counterfactual_lower"].to_list(), mode="lines", line=dict(width=0),
                    fill="tonexty", fillcolor="rgba(127, 127, 127, 0.2)", meta="grænse", hoverinfo="skip",
                    showlegend=False, connectgaps=False, name="Uden puljen: nedre grænse")
    labels = frame["label"].to_list()
    for column, name, kind, line in (
        ("counterfactual", "Hvis de havde fulgt de øvrige kommuner", "estimat",
         dict(color="#7f7f7f", width=2, dash="dash")),
        ("observed", GROUP_LABELS["grant"], _observed_kind(outcome), dict(color=COLOURS["main"], width=2)),
    ):
        values = frame[column].to_list()
        fig.add_scatter(
            x=x, y=values, mode="lines+markers", name=name, meta=kind, line=line, marker=dict(size=5),
            connectgaps=False, customdata=list(zip(labels, [_level_text(v, unit) for v in values])),
            hovertemplate="Kvartal %{customdata[0]}: %{customdata[1]}<extra>" + name + "</extra>",
        )
    _mark_start(fig)
    _base_layout(fig, OUTCOME_LABELS[outcome] + (" (%)" if unit == "procentpoint" else " (gennemsnit)"))
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    fig.update_yaxes(tickformat=",.0f", rangemode="normal")
    fig.update_xaxes(title_text="Kvartaler fra bevillingens start", tickmode="array", tickvals=x, ticktext=labels)
    note = ("Forskellen mellem linjen og båndet er den anslåede effekt. Båndet viser, hvor kommunerne med "
            "bevilling ville ligge, hvis de havde fulgt de øvrige kommuners udvikling (95 %-interval). "
            "Kvartalerne i enderne samler alle tidligere og senere kvartaler.")
    hidden = int(table.is_hidden("observed").sum() or 0)
    return Chart(fig, (note + " " + _hidden_note(hidden, table.k)).strip())


def event_coefficients_chart(table: ProtectedTable, outcome: str) -> Chart:
    """Event-study coefficients with 95 % intervals: zero before the start means parallel paths."""
    _require(table)
    frame = table.frame
    unit = _outcome_unit(outcome)
    estimate = frame["estimate"].to_list()
    fig = go.Figure(go.Scatter(
        x=frame["event"].to_list(), y=estimate, mode="markers", meta="estimat", name="Forskel",
        marker=dict(color=COLOURS["main"], size=7),
        error_y=dict(type="data", symmetric=False,
                     array=_spans(frame["upper"].to_list(), estimate),
                     arrayminus=_spans(estimate, frame["lower"].to_list())),
        customdata=list(zip(frame["label"].to_list(), [_unit_text(v, unit) for v in estimate])),
        hovertemplate="Kvartal %{customdata[0]}: %{customdata[1]}<extra></extra>",
    ))
    fig.add_hline(y=0, line=dict(color=COLOURS["event"], width=1))
    _mark_start(fig)
    _base_layout(fig, f"Forskel i forhold til kvartalet før start ({unit})")
    fig.update_yaxes(tickformat=",.0f", rangemode="normal")
    fig.update_xaxes(title_text="Kvartaler fra bevillingens start", tickmode="array",
                     tickvals=frame["event"].to_list(), ticktext=frame["label"].to_list())
    hidden = int(table.is_hidden("estimate").sum() or 0)
    note = ("Punkterne før start bør ligge om nul, hvis grupperne fulgtes ad, før puljen begyndte. "
            + _hidden_note(hidden, table.k)).strip()
    return Chart(fig, note)


def effects_chart(effects: list[Effect]) -> Chart:
    """Each effect estimate with its 95 % interval, on its own axis (points and days differ)."""
    if not isinstance(effects, list) or not all(isinstance(e, Effect) for e in effects):
        raise TypeError("kun estimater fra analysen kan vises")
    fig = make_subplots(rows=len(effects) or 1, cols=1, vertical_spacing=0.18,
                        subplot_titles=[OUTCOME_LABELS[e.outcome] for e in effects])
    left_out = []
    for i, effect in enumerate(effects, start=1):
        fig.add_vline(x=0, line=dict(color=COLOURS["event"], width=1), row=i, col=1)
        if effect.estimate is None:
            left_out.append(OUTCOME_LABELS[effect.outcome].lower())
            continue
        interval = effect.lower is not None
        text = _unit_text(effect.estimate, effect.unit)
        if interval:
            text += f" ({_unit_text(effect.lower, effect.unit)} til {_unit_text(effect.upper, effect.unit)})"
        fig.add_scatter(
            x=[effect.estimate], y=[""], mode="markers", meta="estimat", name=OUTCOME_LABELS[effect.outcome],
            marker=dict(color=COLOURS["main"], size=10),
            error_x=dict(type="data", symmetric=False, array=[effect.upper - effect.estimate],
                         arrayminus=[effect.estimate - effect.lower]) if interval else None,
            customdata=[text], hovertemplate="%{customdata}<extra></extra>", row=i, col=1,
        )
        fig.update_xaxes(title_text=effect.unit, tickformat=",.1f", rangemode="tozero", row=i, col=1)
    fig.update_layout(separators=",.", template="plotly_white", margin=dict(l=10, r=10, t=40, b=10),
                      showlegend=False, height=150 * max(len(effects), 1) + 60, hovermode="closest")
    note = "Punkterne er estimater med 95 %-intervaller; linjen ved nul betyder ingen forskel."
    if left_out:
        note += f" Ikke vist (skjult eller kan ikke beregnes): {', '.join(left_out)}."
    return Chart(fig, note)


def _percent(values: list) -> list:
    return [None if v is None else v * 100 for v in values]


def _point_text(value, share: bool) -> str:
    if value is None:
        return ""
    return fmt.percent(value / 100) if share else f"{fmt.number(value)} dage"


def _unit_text(value, unit: str) -> str:
    if value is None:
        return ""
    return f"{fmt.number(value, 1)}{UNIT_SUFFIX.get(unit, ' ' + unit)}"


def _level_text(value, unit: str) -> str:
    """A level of the outcome: a share in percent, or days."""
    if value is None:
        return ""
    return f"{fmt.number(value, 1)} {'%' if unit == 'procentpoint' else 'dage'}"


def _outcome_unit(outcome: str) -> str:
    if outcome not in OUTCOME_LABELS:
        raise ValueError(f"unknown outcome {outcome!r}")
    return "dage" if outcome == "days_referral_to_decision" else "procentpoint"


def _observed_kind(outcome: str) -> str:
    return "dage" if outcome == "days_referral_to_decision" else "andel"


def _spans(high: list, low: list) -> list:
    return [None if h is None or lo is None else h - lo for h, lo in zip(high, low)]


def _mark_start(fig: go.Figure) -> None:
    """A line between quarter -1 and quarter 0: the grant's start."""
    fig.add_vline(x=-0.5, line=dict(color=COLOURS["event"], width=1, dash="dot"))
    fig.add_annotation(x=-0.5, y=1, yref="paper", text="Bevillingen starter", showarrow=False, xanchor="left",
                       font=dict(size=10, color="#404040"), bgcolor="rgba(255,255,255,0.8)")
