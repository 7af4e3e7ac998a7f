"""A chart's text alternative and its data as a table, both read from the figure's own released
numbers: what it shows and its main reading, for readers who cannot see the chart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from ui import format as fmt

HIDDEN_TEXT = "skjult (diskretionering)"
MAX_SERIES_DESCRIBED = 4
QUARTER = re.compile(r"^\d{4}K[1-4]$")


@dataclass(frozen=True)
class Series:
    """One trace as positions (x labels, or y labels for horizontal charts) and values."""

    name: str
    kind: str  # "linje", "søjler", "punkter"
    positions: list[str]
    values: list[float | None]
    lower: list[float | None] | None
    upper: list[float | None] | None


def _spec(figure) -> dict:
    """The figure as a plain dict (a cached figure already is one)."""
    return figure if isinstance(figure, dict) else figure.to_plotly_json()


def _horizontal(trace: dict) -> bool:
    """Values along x (a horizontal bar, or points with intervals across)."""
    return trace.get("orientation") == "h" or "error_x" in trace


def _turned(spec: dict) -> bool:
    """Every trace horizontal: the value axis is x."""
    traces = spec.get("data", [])
    return bool(traces) and all(_horizontal(t) for t in traces)


def series(figure) -> list[Series]:
    """The figure's data traces (decoration such as bands' edges without hover left out)."""
    found = []
    for trace in _spec(figure).get("data", []):
        if trace.get("hoverinfo") == "skip" and trace.get("showlegend") is False:
            continue
        horizontal = _horizontal(trace)
        positions, values = (trace.get("y"), trace.get("x")) if horizontal else (trace.get("x"), trace.get("y"))
        values = _list(values)
        if not values:
            continue
        labels = _quarter_labels(_list(positions)) or [_position(p) for p in _list(positions)] or [
            str(i + 1) for i in range(len(values))]
        quarters = _list(trace.get("customdata"))
        dated = any(isinstance(p, (date, datetime)) or _is_iso_date(p) for p in _list(positions))
        if dated and len(quarters) == len(values) and all(isinstance(q, str) and QUARTER.match(q) for q in quarters):
            labels = quarters  # dates the builder labelled as quarters ("2024K4") read better
        if not any(labels):  # a single unlabelled point per trace: the trace's name says what it is
            labels = [trace.get("name") or ""] * len(values)
        error = trace.get("error_x" if horizontal else "error_y") or {}
        lower = upper = None
        if error.get("array") is not None:
            plus = _list(error.get("array"))
            minus = _list(error.get("arrayminus")) if error.get("arrayminus") is not None else plus
            upper = [None if v is None or p is None else v + p for v, p in zip(values, plus)]
            lower = [None if v is None or m is None else v - m for v, m in zip(values, minus)]
        mode = trace.get("mode") or ""
        kind = "søjler" if trace.get("type") == "bar" else ("linje" if "lines" in mode else "punkter")
        found.append(Series(str(trace.get("name") or ""), kind, labels, [_number(v) for v in values], lower, upper))
    return found


def axis_titles(figure) -> tuple[str, str]:
    """The position axis's and the value axis's titles (x and y, turned for horizontal charts)."""
    spec = _spec(figure)
    layout = spec.get("layout", {})
    x, y = _title(layout.get("xaxis")), _title(layout.get("yaxis"))
    return (y, x) if _turned(spec) else (x, y)


def render_value(figure, value: float | None, gap: str = HIDDEN_TEXT) -> str:
    """A value as the chart's value axis writes it (a share as a percentage); `gap` for none."""
    if value is None:
        return gap
    spec = _spec(figure)
    layout = spec.get("layout", {}).get("xaxis" if _turned(spec) else "yaxis") or {}
    if "%" in (layout.get("tickformat") or ""):
        return fmt.percent(value)
    suffix = layout.get("ticksuffix") or ""
    if float(value).is_integer():
        return fmt.number(value) + suffix
    return fmt.number(value, 2 if abs(value) < 0.1 else 1) + suffix


def describe(figure, note: str = "", gap: str = HIDDEN_TEXT) -> str:
    """A short Danish text alternative: the kind of chart, what it shows, and its main reading;
    `gap` says what a point without a value is (hidden, or not reported)."""
    figure = _spec(figure)  # once: every value below is rendered from it
    found = series(figure)
    if not found:
        return "Figuren har intet at vise i dette udvalg."
    position_title, value_title = axis_titles(figure)
    kinds = sorted({s.kind for s in found})
    what = value_title or found[0].name
    head = f"Figur ({' og '.join(kinds)}): {what.lower() if what else 'værdier'}"
    if position_title:
        head += f" efter {position_title[0].lower() + position_title[1:]}"
    parts = [head + "."]
    for s in found[:MAX_SERIES_DESCRIBED]:
        parts.append(_reading(figure, s, gap))
    if len(found) > MAX_SERIES_DESCRIBED:
        parts.append(f"Yderligere {len(found) - MAX_SERIES_DESCRIBED} serier står i tabellen.")
    hidden = sum(v is None for s in found for v in s.values)
    if hidden:
        parts.append(f"{fmt.number(hidden)} {'værdi er' if hidden == 1 else 'værdier er'} {gap}.")
    elif note:
        parts.append(note)
    return " ".join(p for p in parts if p)


def data_table(figure, gap: str = HIDDEN_TEXT) -> pl.DataFrame:
    """The figure's numbers as a table of text: one row per point, those without a value marked
    with `gap`."""
    figure = _spec(figure)  # once: every value below is rendered from it
    found = series(figure)
    position_title, value_title = axis_titles(figure)
    with_interval = any(s.lower is not None for s in found)
    rows = []
    for s in found:
        for i, (p, v) in enumerate(zip(s.positions, s.values)):
            row = {"Serie": s.name, position_title or "Punkt": p, value_title or "Værdi": render_value(figure, v, gap)}
            if with_interval:
                low = s.lower[i] if s.lower is not None else None
                high = s.upper[i] if s.upper is not None else None
                shown = v is not None and low is not None and high is not None
                row["Nedre grænse (95 %)"] = render_value(figure, low) if shown else ("" if v is not None else gap)
                row["Øvre grænse (95 %)"] = render_value(figure, high) if shown else ("" if v is not None else gap)
            rows.append(row)
    columns = ["Serie", position_title or "Punkt", value_title or "Værdi"]
    if with_interval:
        columns += ["Nedre grænse (95 %)", "Øvre grænse (95 %)"]
    return pl.DataFrame(rows, schema={c: pl.String for c in columns})


def _reading(figure, s: Series, gap: str) -> str:
    shown = [(p, v) for p, v in zip(s.positions, s.values) if v is not None]
    name = s.name or "Serien"
    if not shown:
        return f"{name}: alle værdier er {gap}."
    value = lambda v: render_value(figure, v)  # noqa: E731
    if len(s.values) == 1:
        text = f"{name}: {value(shown[0][1])}"
        if s.lower is not None and s.lower[0] is not None and s.upper[0] is not None:
            text += f" (95 %: {value(s.lower[0])} til {value(s.upper[0])})"
        return text + "."
    top = max(shown, key=lambda pv: pv[1])
    bottom = min(shown, key=lambda pv: pv[1])
    last = shown[-1]
    return (f"{name}: {len(s.values)} punkter fra {s.positions[0]} til {s.positions[-1]}; højest {value(top[1])} "
            f"({top[0]}), lavest {value(bottom[1])} ({bottom[0]}), sidst {value(last[1])} ({last[0]}).")


def _list(values) -> list:
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:  # plotly's packed arrays, as JSON writes them
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def _number(v) -> float | None:
    if v is None:
        return None
    try:
        number = float(v)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN is a gap, as None is


def _position(p) -> str:
    if isinstance(p, datetime):
        return fmt.day(p.date())
    if isinstance(p, date):
        return fmt.day(p)
    if isinstance(p, bool):
        return str(p)
    if isinstance(p, int):
        return fmt.number(p)
    if isinstance(p, float):
        return fmt.number(p, 0 if p.is_integer() else 1)
    if _is_iso_date(p):
        try:
            return fmt.day(date.fromisoformat(p[:10]))
        except ValueError:
            return p
    return "" if p is None else str(p)


def _quarter_labels(positions: list) -> list[str] | None:
    """Dates that are all quarter starts, or all quarter ends, read as quarters ('2024K4')."""
    days = [p.date() if isinstance(p, datetime) else p if isinstance(p, date) else
            date.fromisoformat(p[:10]) if _is_iso_date(p) else None for p in positions]
    if not days or any(d is None for d in days):
        return None
    starts = all(d.day == 1 and d.month in (1, 4, 7, 10) for d in days)
    ends = all((d + timedelta(days=1)).day == 1 and d.month in (3, 6, 9, 12) for d in days)
    # Points a quarter apart (a quarter's middle, say) read as their quarters too.
    quarterly = len(days) > 1 and all(80 <= (b - a).days <= 100 for a, b in zip(days, days[1:]))
    return [fmt.quarter(d) for d in days] if starts or ends or quarterly else None


def _is_iso_date(p) -> bool:
    return isinstance(p, str) and len(p) >= 10 and p[4] == "-" and p[7] == "-"


def _title(axis) -> str:
    if not axis:
        return ""
    title = axis.get("title")
    if isinstance(title, dict):
        return str(title.get("text") or "")
    return str(title or "")
