"""Before and after the events: fixed windows of referral quarters around each event, and the
change in the share still waiting after a threshold from one window to the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from release.context import Context
from release.periods import Catalogue, Period, label_quarters, quarter_dates, quarter_id, quarter_start
from stats.survival import Survival, survival_difference

WINDOW_QUARTERS = 4
EVENTS = ("guidance_letter", "initiative_package", "pilot_start", "law_change_2018", "pilot_end")
POOL_START = "pool_start"


@dataclass(frozen=True)
class Window:
    """An event and the released periods of referral quarters before and after it."""

    event: str
    label_da: str
    event_date: date
    before: Period
    after: Period


def boundary(d: date) -> date:
    """The first quarter start on or after a day: both windows are whole quarters."""
    start = quarter_start(d)
    return start if start == d else quarter_start(start + timedelta(days=100))


def windows(ctx: Context) -> list[Window]:
    """The windows of the events the data cover (each window whole, inside the data)."""
    events = ctx.con.execute(
        "SELECT event_id, label_da, event_date FROM ref_events WHERE event_id IN (SELECT unnest($ids)) "
        "ORDER BY event_date", {"ids": list(EVENTS)}).fetchall()
    first_grant = ctx.con.execute("SELECT min(period_start) FROM fct_pool_grants").fetchall()[0][0]
    if first_grant is not None:
        events.append((POOL_START, "Første bevilling fra puljen Bedre ressourceforløb starter", first_grant))
    known = [p.id for p in ctx.periods.of_kind("quarter")]
    out = []
    for event, label, day in sorted(events, key=lambda e: e[2]):
        cut = quarter_id(boundary(day))
        if cut not in known:
            continue
        i = known.index(cut)
        if i < WINDOW_QUARTERS or i + WINDOW_QUARTERS > len(known):
            continue
        before = _window(ctx.periods, tuple(known[i - WINDOW_QUARTERS:i]))
        after = _window(ctx.periods, tuple(known[i:i + WINDOW_QUARTERS]))
        out.append(Window(event, label, day, before, after))
    return out


def _window(cat: Catalogue, quarters: tuple[str, ...]) -> Period:
    start, end = quarter_dates(quarters[0])[0], quarter_dates(quarters[-1])[1]
    return cat.add(start, end, label_quarters(quarters[0], quarters[-1]), "window", quarters, (quarters,))


def difference_row(window: Window, area: str, grp: str, stage: str, days: int, before: Survival | None,
                   after: Survival | None, shown: bool) -> tuple:
    """The change in the share still waiting after `days` (after minus before) with its 95 %
    interval (Greenwood), shown only where both windows' shares are."""
    base = (window.event, window.before.id, window.after.id, area, grp, stage, days)
    if not shown or before is None or after is None:
        return (*base, None, None, None, True)
    diff = survival_difference(before, after, days)
    return (*base, diff.estimate, diff.lower, diff.upper, diff.estimate is None)


DIFFERENCE_SCHEMA = {"event_id": pl.String, "before": pl.String, "after": pl.String, "area": pl.String,
                     "grp": pl.String, "stage": pl.String, "days": pl.Int64, "estimate": pl.Float64,
                     "lower": pl.Float64, "upper": pl.Float64, "hidden": pl.Boolean}
WINDOW_SCHEMA = {"event_id": pl.String, "label_da": pl.String, "event_date": pl.Date, "before": pl.String,
                 "after": pl.String}


def window_table(found: list[Window]) -> pl.DataFrame:
    """The events with their windows, for the page's «before and after»."""
    return pl.DataFrame([(w.event, w.label_da, w.event_date, w.before.id, w.after.id) for w in found],
                        schema=WINDOW_SCHEMA, orient="row")
