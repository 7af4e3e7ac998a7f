"""Quarters as the pages' period filters name them (dates, no figures)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl


def quarter_start(d: date) -> date:
    """The first day of the quarter holding `d`."""
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def quarters(start: date, end: date) -> list[date]:
    """First days of the quarters from the one holding `start` to the one holding `end`."""
    return pl.date_range(quarter_start(start), quarter_start(end), "1q", eager=True).to_list()


def quarter_end(first_day: date) -> date:
    """The last day of the quarter that starts on `first_day`."""
    month = first_day.month + 3
    year = first_day.year + (month > 12)
    return date(year, (month - 1) % 12 + 1, 1) - timedelta(days=1)


def quarter_label(d: date) -> str:
    """Statistics Denmark's code of the quarter holding `d`: '2018K1'."""
    return f"{d.year}K{(d.month - 1) // 3 + 1}"
