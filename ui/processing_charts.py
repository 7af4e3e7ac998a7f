"""Plotly figures for the case-processing page: protected data in, figure and Danish note out."""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from analysis.protected import ProtectedTable
import settings
from analysis.stage_times import Bins, Curve, StageFunnel
from ui import format as fmt
from ui import plain
from ui.charts import COLOURS, Chart, _base_layout

NAIVE = "#d68910"  # the closed-only answer, in the colour the pilot page uses for its second series
POOL = "rgba(39, 174, 96, 0.12)"
OUTSIDE = "#d55e00"  # vermillion (Okabe–Ito); outliers are diamonds with names too
K = settings.K_ANONYMITY
REFUSED = "kun data, der har passeret diskretioneringen, kan vises"


def _require(value, kind) -> None:
    if not isinstance(value, kind):
        raise TypeError(REFUSED)


def _days(x: float | None) -> str:
    return fmt.MISSING if x is None else f"{fmt.number(x)} dage"


def _weeks(days: int) -> str:
    """'56 dage (8 uger)', or just the days when they are not whole weeks."""
    return f"{fmt.number(days)} dage ({fmt.number(days // 7)} uger)" if days % 7 == 0 and days else f"{fmt.number(days)} dage"


def _left_out(n: int, k: int, singular: str = "punkt", plural: str = "punkter") -> str:
    """The sentence under a chart when hidden points are left out (Danish plural given)."""
    if n == 0:
        return ""
    subject = f"{n} {singular} er udeladt, fordi det" if n == 1 else f"{n} {plural} er udeladt, fordi de"
    return f"{subject} bygger på færre end {k} personer (diskretionering)."


def _empty(fig: go.Figure, text: str) -> None:
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=13, color="#404040"))


# --- Kaplan–Meier curves ---------------------------------------------------------------------------


def survival_curve(curve: Curve, threshold_days: int | None = None) -> Chart:
    """Share still waiting by days since the stage's start at the released days: Kaplan–Meier
    (open cases counted) with its 95 % band, beside the closed-only curve, the threshold marked."""
    _require(curve, Curve)
    fig = go.Figure()
    points = curve.points
    if points.height < 2:
        _empty(fig, "Kurven vises ikke: den bygger på for få sager." if curve.cases.hidden or (curve.cases.value or 0)
               else "Ingen sager i visningen.")
    else:
        x = points["days"].to_list()
        fig.add_scatter(x=x, y=points["upper"].to_list(), mode="lines", line=dict(width=0, shape="hv"), meta="andel",
                        name="95 %-konfidensbånd", showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=x, y=points["lower"].to_list(), mode="lines", line=dict(width=0, shape="hv"), meta="andel",
                        name="95 %-konfidensbånd", fill="tonexty", fillcolor="rgba(31, 78, 121, 0.18)",
                        hoverinfo="skip")
        waiting = points["waiting"].to_list()
        fig.add_scatter(
            x=x, y=waiting, mode="lines+markers", line=dict(color=COLOURS["main"], width=2, shape="hv"),
            marker=dict(size=5), meta="andel", name="Alle sager (Kaplan–Meier, åbne sager med)",
            customdata=[f"Dag {fmt.number(t)}: {fmt.percent(s)} venter stadig" for t, s in zip(x, waiting)],
            hovertemplate="%{customdata}<extra>Kaplan–Meier</extra>",
        )
        naive = points.filter(pl.col("closed_only").is_not_null())
        if naive.height:
            fig.add_scatter(
                x=naive["days"].to_list(), y=naive["closed_only"].to_list(), mode="lines",
                line=dict(color=NAIVE, width=2, dash="dash", shape="hv"), meta="andel",
                name="Kun afsluttede sager (naiv)",
                customdata=[f"Dag {fmt.number(t)}: {fmt.percent(s)}" for t, s in naive.select("days", "closed_only").iter_rows()],
                hovertemplate="%{customdata}<extra>Kun afsluttede</extra>",
            )
        if threshold_days is not None:
            fig.add_vline(x=threshold_days, line=dict(color=COLOURS["event"], width=1, dash="dot"),
                          annotation_text=f"Grænse: {_weeks(threshold_days)}", annotation_position="top right",
                          annotation_font_size=11)
        fig.update_xaxes(range=[0, max(x[-1] * 1.05, (threshold_days or 0) * 1.2, 1)])
    _base_layout(fig, "Andel, der stadig venter")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    fig.update_xaxes(title_text=f"Dage efter {curve.since}", tickformat=",d", rangemode="tozero")
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    return Chart(fig, _curve_note(curve))


def _curve_note(curve: Curve) -> str:
    if curve.points.height < 2:
        return ""
    parts = [f"Kurven har punkter på faste dage (1, 2, 3 og 4 uger, 6, 8, 10 og 13 uger og derefter længere "
             f"spring); et punkt er udeladt, hvor det ville afsløre få personer, så hvert trin samler mindst {K} "
             "afsluttede sager eller ingen.",
             f"Kurven stopper ved dag {fmt.number(curve.points['days'][-1])}: derefter venter færre end {K} sager, "
             "eller der er ikke flere faste dage."]
    if curve.open.value == 0:
        parts.append("Ingen sager er åbne, så de to kurver er ens.")
    elif curve.points["closed_only"].is_not_null().any():
        parts.append(f"Den stiplede kurve udelader de {fmt.protected(curve.open)} åbne sager og viser derfor for "
                     "korte ventetider.")
    return " ".join(parts)


# --- medians: Kaplan–Meier against closed cases only ---------------------------------------------------


def medians_by_stage(table: ProtectedTable) -> Chart:
    """The Kaplan–Meier median of each stage beside the naive median of closed cases only."""
    _require(table, ProtectedTable)
    frame = table.frame
    labels = frame["label"].to_list()
    fig = go.Figure()
    for column, name, colour in (("median", "Median, alle sager (Kaplan–Meier)", COLOURS["main"]),
                                 ("naive_median", "Median, kun afsluttede sager (naiv)", NAIVE)):
        values = frame[column].to_list()
        # The naive bars are hatched as well as orange: the two are told apart without colour.
        pattern = dict(shape="/" if column == "naive_median" else "", fgcolor="white")
        fig.add_bar(y=labels, x=values, orientation="h", name=name, meta="dage", marker_color=colour,
                    marker_pattern=pattern,
                    customdata=[_days(v) for v in values], hovertemplate="%{y}: %{customdata}<extra></extra>")
    for label, value, hidden_, cases in zip(labels, frame["median"].to_list(), table.is_hidden("median").to_list(),
                                            frame["cases"].to_list()):
        if value is None and not hidden_ and cases:
            # An empty bar would read as 0 days: say that the median lies beyond the data.
            fig.add_annotation(x=0, y=label, text="ikke nået", showarrow=False, xanchor="left", yshift=8,
                               font=dict(size=10, color=COLOURS["main"]))
    _base_layout(fig, "")
    fig.update_layout(barmode="group", showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    fig.update_xaxes(title_text="Dage", tickformat=",d", rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    hidden = int(table.is_hidden("median").sum()) + int(table.is_hidden("naive_median").sum())
    note = _left_out(hidden, table.k, "søjle", "søjler")
    unreached = sum(1 for v, h, n in zip(frame["median"].to_list(), table.is_hidden("median").to_list(),
                                         frame["cases"].to_list()) if v is None and not h and n)
    if unreached:
        note = " ".join(x for x in (note, f"{unreached} median{'er' if unreached != 1 else ''} er ikke nået: færre "
                                    "end halvdelen er kommet videre ved datas slutdato.") if x)
    return Chart(fig, note)


# --- trend by quarter of referral ----------------------------------------------------------------------


# The top of a trend chart holds the labels of events and periods; the data stay below this share.
LABEL_BAND = 0.42


def _mark_periods(fig: go.Figure, pilot_window: tuple[date, date] | None, pool_period: tuple[date, date] | None) -> None:
    """The pilot window and the pool period as bands, labelled just above the data."""
    # Two rows under the event labels, one per band (they overlap in time).
    for span, colour, text, y in ((pool_period, POOL, "Puljen Bedre ressourceforløb", 1 - LABEL_BAND + 0.02),
                                  (pilot_window, COLOURS["pilot"], "Forsøg med sundhedskoordinator",
                                   1 - LABEL_BAND + 0.085)):
        if span is None:
            continue
        fig.add_vrect(x0=span[0], x1=span[1] + timedelta(days=1), fillcolor=colour, line_width=0, layer="below")
        fig.add_annotation(x=span[0], y=y, yref="paper", text=text, showarrow=False, xanchor="left",
                           font=dict(size=10, color="#404040"))


def _mark_events(fig: go.Figure, events: pl.DataFrame, first: date, last: date) -> None:
    """Events inside the time axis as dotted lines, their labels staggered above the data."""
    marked = events.filter(pl.col("event_date").is_between(first, last)
                           & ~pl.col("event_id").is_in(["pilot_start", "pilot_end"]))
    for i, row in enumerate(marked.iter_rows(named=True)):
        fig.add_vline(x=row["event_date"], line=dict(color=COLOURS["event"], width=1, dash="dot"))
        fig.add_annotation(x=row["event_date"], y=0.99 - 0.065 * (i % 4), yref="paper", text=plain.chart(row["label_da"]),
                           showarrow=False, xanchor="left", font=dict(size=10, color="#404040"),
                           bgcolor="rgba(255,255,255,0.8)")


def trend(
    table: ProtectedTable,
    events: pl.DataFrame,
    pilot_window: tuple[date, date] | None = None,
    pool_period: tuple[date, date] | None = None,
    measure: str = "share_over",
    threshold_days: int | None = None,
) -> Chart:
    """Per quarter of referral: the share still waiting after the threshold (with its 95 % band)
    or the Kaplan–Meier median, with events, the pilot window and the pool period marked;
    provisional quarters as open markers."""
    _require(table, ProtectedTable)
    if measure not in ("share_over", "median"):
        raise ValueError(f"measure must be 'share_over' or 'median', got {measure!r}")
    frame = table.frame
    starts = frame["quarter_start"].to_list()
    x = [q + timedelta(days=45) for q in starts]  # the middle of the quarter
    y = frame[measure].to_list()
    provisional = frame["provisional"].to_list()
    fig = go.Figure()
    if measure == "share_over":
        fig.add_scatter(x=x, y=frame["share_over_upper"].to_list(), mode="lines", line=dict(width=0), meta="andel",
                        name="95 %-konfidensinterval", showlegend=False, hoverinfo="skip", connectgaps=False)
        fig.add_scatter(x=x, y=frame["share_over_lower"].to_list(), mode="lines", line=dict(width=0), meta="andel",
                        name="95 %-konfidensinterval", fill="tonexty", fillcolor="rgba(31, 78, 121, 0.18)",
                        hoverinfo="skip", connectgaps=False)
        name = f"Andel over {_weeks(threshold_days)}" if threshold_days is not None else "Andel over grænsen"
        text = [fmt.percent(v) for v in y]
        y_title, meta = name, "andel"
    else:
        name, text, y_title, meta = "Median (Kaplan–Meier)", [_days(v) for v in y], "Median (dage)", "dage"
    hover = [f"{fmt.quarter(q)}: {t}{' (foreløbig)' if p else ''}" for q, t, p in zip(starts, text, provisional)]
    fig.add_scatter(
        x=x, y=y, mode="lines+markers", name=name, meta=meta, connectgaps=False,
        line=dict(color=COLOURS["main"], width=2),
        marker=dict(size=7, color=["white" if p else COLOURS["main"] for p in provisional],
                    line=dict(color=COLOURS["main"], width=1.5)),
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
    )
    _mark_periods(fig, pilot_window, pool_period)
    if starts:
        _mark_events(fig, events, starts[0], starts[-1] + timedelta(days=92))
    _base_layout(fig, y_title)
    # Room above the data for the labels: the axis runs past the top value, its ticks do not.
    top = 1.0 if measure == "share_over" else max([v for v in y if v is not None] or [1.0])
    ticks = [i / 5 for i in range(6)] if measure == "share_over" else None
    fig.update_yaxes(range=[0, top / (1 - LABEL_BAND)], tickvals=ticks,
                     tickformat=".0%" if measure == "share_over" else ",d")
    fig.update_xaxes(title_text="Kvartal for visitationen", tickformat="%Y", dtick="M12")
    fig.update_layout(hovermode="closest")
    notes = [_left_out(int(table.is_hidden(measure).sum()), table.k)]
    if any(provisional):
        notes.append("Åbne punkter er foreløbige: under halvdelen af kvartalets sager er fulgt i hele "
                     "perioden, eller over halvdelen venter stadig.")
    return Chart(fig, " ".join(n for n in notes if n))


# --- regions -------------------------------------------------------------------------------------


def regions(table: ProtectedTable, measure: str = "share_over", threshold_days: int | None = None) -> Chart:
    """Regions' share still waiting after the threshold with 95 % intervals (or their medians),
    beside the whole country; hidden regions left out."""
    _require(table, ProtectedTable)
    if measure not in ("share_over", "median"):
        raise ValueError(f"measure must be 'share_over' or 'median', got {measure!r}")
    regions = table.frame.filter(pl.col("region_code") != "000")
    shown = regions.filter(pl.col(measure).is_not_null())
    values = shown[measure].to_list()
    if measure == "share_over":
        error = dict(type="data", symmetric=False, array=(shown["share_over_upper"] - shown["share_over"]).to_list(),
                     arrayminus=(shown["share_over"] - shown["share_over_lower"]).to_list())
        text, meta = [fmt.percent(v) for v in values], "andel"
        title = f"Andel over {_weeks(threshold_days)}" if threshold_days is not None else "Andel over grænsen"
    else:
        error, text, meta, title = None, [_days(v) for v in values], "dage", "Median (dage)"
    fig = go.Figure(go.Bar(x=list(map(plain.chart, shown["name"].to_list())), y=values, marker_color=COLOURS["main"], meta=meta, name=title,
                           error_y=error, customdata=text, hovertemplate="%{x}: %{customdata}<extra></extra>"))
    national = table.frame.filter(pl.col("region_code") == "000")[measure].to_list()
    if national and national[0] is not None:
        label = fmt.percent(national[0]) if measure == "share_over" else _days(national[0])
        fig.add_hline(y=national[0], line=dict(color=COLOURS["event"], dash="dash"),
                      annotation_text=f"Hele landet: {label}", annotation_position="top left")
    _base_layout(fig, title)
    fig.update_yaxes(tickformat=".0%" if measure == "share_over" else ",d")
    mask = table.is_hidden(measure).filter((table.frame["region_code"] != "000").to_list())
    hidden = int(mask.sum())
    empty = regions.height - shown.height - hidden
    notes = [_left_out(hidden, table.k, "region", "regioner")]
    if empty:
        notes.append(f"{empty} region{'er' if empty != 1 else ''} uden tal: ingen sager, eller ingen fulgt så længe.")
    return Chart(fig, " ".join(n for n in notes if n))


# --- funnel ----------------------------------------------------------------------------------------


def funnel(funnel: StageFunnel) -> Chart:
    """Municipalities' share of cases not closed within the threshold against their cases, with
    exact binomial 95 % and 99.8 % limits around the country's share."""
    _require(funnel, StageFunnel)
    _require(funnel.points, ProtectedTable)
    frame, limits = funnel.points.frame, funnel.limits
    fig = go.Figure()
    for upper, lower, name, dash in ((limits.upper_998, limits.lower_998, "99,8 %-grænser", "dot"),
                                     (limits.upper_95, limits.lower_95, "95 %-grænser", "dash")):
        for i, line in enumerate((upper, lower)):
            fig.add_scatter(x=limits.exposure, y=line, mode="lines", name=name, showlegend=i == 0, meta="grænse",
                            legendgroup=name, line=dict(color="#7f7f7f", dash=dash, width=1), hoverinfo="skip")
    if funnel.national_share is not None:
        fig.add_hline(y=funnel.national_share, line=dict(color=COLOURS["event"], width=1),
                      annotation_text=f"Hele landet: {fmt.percent(funnel.national_share)}",
                      annotation_position="bottom right")
    outside = frame["position"].is_in(["above_998", "below_998"]).to_list()
    # Names beside the few outliers; with many, names would cover each other (hover names them all).
    named = outside if sum(outside) <= 10 else [False] * len(outside)
    fig.add_scatter(
        x=frame["cases"].to_list(), y=frame["share"].to_list(), mode="markers+text", name="Kommuner", meta="andel",
        text=[plain.chart(n) if o else "" for n, o in zip(frame["name"].to_list(), named)], textposition="top center",
        marker=dict(color=[OUTSIDE if o else COLOURS["main"] for o in outside], size=7,
                    symbol=["diamond" if o else "circle" for o in outside]),
        customdata=[f"{plain.chart(n)}: {fmt.percent(s)} af {fmt.number(c)} sager" for n, s, c in zip(
            frame["name"].to_list(), frame["share"].to_list(), frame["cases"].to_list())],
        hovertemplate="%{customdata}<extra></extra>",
    )
    _base_layout(fig, f"Andel ikke afsluttet inden for {_weeks(funnel.days)}")
    fig.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.2), hovermode="closest")
    fig.update_xaxes(title_text="Sager i hele perioden (log-skala)", type="log")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    note = ""
    if funnel.left_out:
        note = (f"{funnel.left_out} kommune{'r' if funnel.left_out != 1 else ''} er udeladt, fordi tallene bygger på "
                f"færre end {K} personer eller skjules for at beskytte andre tal (diskretionering).")
    return Chart(fig, note)


# --- distribution -----------------------------------------------------------------------------------


def histogram(dist: Bins) -> Chart:
    """Closed durations in the released bins (uneven where a hidden day pooled two), the last
    bin open-ended; shown as cases per day of the bin so uneven bins compare."""
    _require(dist, Bins)
    frame = dist.bins
    labels = [f"{fmt.number(a)}–{fmt.number(b)}" if b is not None else f"{fmt.number(a)}+"
              for a, b in zip(frame["from_day"].to_list(), frame["to_day"].to_list())]
    counts = frame["closed"].to_list()
    fig = go.Figure(go.Bar(
        x=labels, y=counts, marker_color=COLOURS["main"], meta="antal", name="Afsluttede sager",
        customdata=[fmt.number(c) for c in counts], hovertemplate="%{x} dage: %{customdata} sager<extra></extra>",
    ))
    _base_layout(fig, "Afsluttede sager")
    fig.update_xaxes(title_text=f"Dage efter {dist.since} (grupper efter kurvens faste dage)", type="category")
    fig.update_layout(bargap=0.05)
    notes = ["Grupperne følger kurvens faste dage; hvor en dag er skjult, er to grupper lagt sammen, så ingen "
             f"gruppe har færre end {K} sager (eller ingen)."]
    if frame.height and frame["to_day"][-1] is None:
        notes.append(f"Den sidste søjle samler alle forløb på {fmt.number(frame['from_day'][-1])} dage eller mere.")
    notes.append(f"Fordelingen viser kun afsluttede sager; {fmt.protected(dist.open)} sager venter stadig og er "
                 "ikke med.")
    return Chart(fig, " ".join(notes))
