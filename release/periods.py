"""The fixed periods of the release: quarters, calendar years, the pilot window and its parts,
running totals within the window, the whole period, and single days (stock counts).

A period is identified by its span: the quarters 2018K1-2018K4 are the period "2018" whatever
role it plays (a calendar year, a part of the pilot window), so one count is one cell however
many tables show it. Pages choose among these periods; nothing else is released.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """A released period: its span, its label, and what it is made of."""

    id: str
    start: date
    end: date
    label_da: str
    kinds: frozenset[str]  # quarter, year, pilot_window, pilot_part, running_total, whole, day
    quarters: tuple[str, ...] = ()  # the quarter ids it spans (empty for a day)
    # Ways to cut the period into other periods of the catalogue: for counts of events (requests,
    # course starts) the period's count is the sum of the parts' counts.
    decompositions: tuple[tuple[str, ...], ...] = field(default=(), compare=False)

    def contains(self, other: "Period") -> bool:
        """Whether every day of `other` lies in this period."""
        return self.start <= other.start and other.end <= self.end


def quarter_start(d: date) -> date:
    """The first day of the quarter holding `d`."""
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarter_end(d: date) -> date:
    """The last day of the quarter holding `d`."""
    first = quarter_start(d)
    month = first.month + 3
    return date(first.year + (month > 12), (month - 1) % 12 + 1, 1) - timedelta(days=1)


def quarter_id(d: date) -> str:
    """Statistics Denmark's quarter code of the quarter holding `d`: '2018K1'."""
    return f"{d.year}K{(d.month - 1) // 3 + 1}"


def quarter_dates(qid: str) -> tuple[date, date]:
    """First and last day of the quarter '2018K1'."""
    year, q = qid.split("K")
    first = date(int(year), 3 * (int(q) - 1) + 1, 1)
    return first, quarter_end(first)


def range_id(first: str, last: str) -> str:
    """The id of the quarters first..last: a quarter, a calendar year, or 'first-last'."""
    if first == last:
        return first
    if first.endswith("K1") and last.endswith("K4") and first[:4] == last[:4]:
        return first[:4]
    return f"{first}-{last}"


def day_id(d: date) -> str:
    """The id of a single day (a stock count): '2015-09-30'."""
    return d.isoformat()


def quarter_ids(first: date, last: date) -> list[str]:
    """Quarter ids from the quarter holding `first` to the one holding `last`."""
    out, d = [], quarter_start(first)
    while d <= last:
        out.append(quarter_id(d))
        d = quarter_end(d) + timedelta(days=1)
    return out


class Catalogue:
    """Every period of the release, by id."""

    def __init__(self) -> None:
        self.periods: dict[str, Period] = {}

    def __getitem__(self, pid: str) -> Period:
        return self.periods[pid]

    def __contains__(self, pid: str) -> bool:
        return pid in self.periods

    def __iter__(self):
        return iter(self.periods.values())

    def add(self, start: date, end: date, label: str, kind: str, quarters: tuple[str, ...] = (),
            decompositions: tuple[tuple[str, ...], ...] = (), pid: str | None = None) -> Period:
        """Add a period, or give an existing one of the same span another role."""
        pid = pid or (range_id(quarters[0], quarters[-1]) if quarters else day_id(start))
        old = self.periods.get(pid)
        if old is not None:
            if (old.start, old.end) != (start, end):
                raise ValueError(f"period {pid} has two spans: {old.start}..{old.end} and {start}..{end}")
            merged = tuple(dict.fromkeys(old.decompositions + decompositions))
            self.periods[pid] = Period(pid, start, end, old.label_da, old.kinds | {kind}, old.quarters, merged)
        else:
            self.periods[pid] = Period(pid, start, end, label, frozenset({kind}), quarters, decompositions)
        return self.periods[pid]

    def of_kind(self, kind: str) -> list[Period]:
        """Periods with this role, in time order."""
        return sorted((p for p in self if kind in p.kinds), key=lambda p: (p.start, p.end))


def label_quarters(first: str, last: str) -> str:
    """'2017K3–2019K2'; a single quarter by itself."""
    return first if first == last else f"{first}–{last}"


def build(first_day: date, data_end: date, pilot_start: date, pilot_end: date) -> Catalogue:
    """The catalogue of a dataset running from `first_day` to `data_end` with this pilot window."""
    cat = Catalogue()
    quarters = quarter_ids(first_day, data_end)
    for qid in quarters:
        start, end = quarter_dates(qid)
        cat.add(start, end, qid, "quarter", (qid,))
    years = [cat.add(quarter_dates(qs[0])[0], quarter_dates(qs[-1])[1], label, "year", qs, _cuts(qs)).id
             for qs, label in _by_year(quarters)]
    cat.add(quarter_dates(quarters[0])[0], quarter_dates(quarters[-1])[1],
            f"Hele perioden ({label_quarters(quarters[0], quarters[-1])})", "whole", tuple(quarters),
            _cuts(tuple(quarters), tuple(years)))
    _pilot(cat, pilot_start, pilot_end)
    return cat


def _by_year(quarters) -> list[tuple[tuple[str, ...], str]]:
    """The quarters grouped by calendar year, each with its label ('2018', or '2017 (2017K3–2017K4)'
    for a year the quarters do not cover whole)."""
    out = []
    for year in sorted({q[:4] for q in quarters}):
        qs = tuple(q for q in quarters if q.startswith(year))
        out.append((qs, year if len(qs) == 4 else f"{year} ({label_quarters(qs[0], qs[-1])})"))
    return out


def _cuts(*decompositions: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The decompositions that cut a period into more than one part."""
    return tuple(d for d in decompositions if len(d) > 1)


def _pilot(cat: Catalogue, pilot_start: date, pilot_end: date) -> None:
    """The pilot window, its parts by calendar year, its quarters and its running totals.

    A window that does not begin or end on a quarter's edge keeps its exact dates, and its first
    or last quarter is the whole calendar quarter (requests lie inside the window in any case).
    """
    qs = tuple(quarter_ids(pilot_start, pilot_end))
    for qid in qs:
        start, end = quarter_dates(qid)
        cat.add(start, end, qid, "pilot_quarter", (qid,))
    parts = []
    for part, label in _by_year(qs):
        start, end = max(quarter_dates(part[0])[0], pilot_start), min(quarter_dates(part[-1])[1], pilot_end)
        parts.append(cat.add(start, end, label, "pilot_part", part, _cuts(part)).id)
    cat.add(pilot_start, pilot_end, f"Hele forsøget ({label_quarters(qs[0], qs[-1])})", "pilot_window", qs,
            _cuts(qs, tuple(parts)))
    for i in range(1, len(qs)):
        running = qs[: i + 1]
        cat.add(pilot_start, min(quarter_dates(qs[i])[1], pilot_end), f"{label_quarters(qs[0], qs[i])} i alt",
                "running_total", running, _cuts(running, (range_id(qs[0], qs[i - 1]), qs[i])))
