"""Danish number, date and period formats (30.000; 4,5 %; 7. nov. 2019; 2024K4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from analysis.protected import HIDDEN_MARK, ProtectedValue

MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MISSING = "–"


def number(x: float | int | None, decimals: int = 0) -> str:
    """30000 -> '30.000'; 4.5 with one decimal -> '4,5'."""
    if x is None:
        return MISSING
    # Half up, as readers round (3,25 -> 3,3), not Python's half to even.
    rounded = Decimal(str(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def percent(share: float | None, decimals: int = 1) -> str:
    """0.045 -> '4,5 %'."""
    return MISSING if share is None else f"{number(share * 100, decimals)} %"


def days(x: float | None) -> str:
    """A duration: 124 -> '124 dage'; missing -> '–' (never '– dage')."""
    return MISSING if x is None else f"{number(x)} dage"


def signed(x: float | None, decimals: int = 1) -> str:
    """A change with its sign: 3.25 -> '+3,3'; -14 -> '−14,0' (a true minus sign)."""
    if x is None:
        return MISSING
    text = number(abs(x), decimals)
    return text if text.strip("0,") == "" else ("+" if x > 0 else "\u2212") + text


def points(diff: float | None, decimals: int = 1) -> str:
    """A difference of two shares in percentage points: 0.032 -> '+3,2 procentpoint'."""
    return MISSING if diff is None else f"{signed(diff * 100, decimals)} procentpoint"


def kroner(amount: float | int | None) -> str:
    """40400000 -> '40,4 mio. kr.'; smaller amounts in whole kroner."""
    if amount is None:
        return MISSING
    if abs(amount) >= 1_000_000:
        return f"{number(amount / 1_000_000, 1)} mio. kr."
    return f"{number(amount)} kr."


def day(d: date | None) -> str:
    """date(2019, 11, 7) -> '7. nov. 2019'."""
    return MISSING if d is None else f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def timestamp(t: datetime) -> str:
    """A UTC time as Copenhagen time: '23. nov. 2026 kl. 02:26'."""
    local = t.astimezone(COPENHAGEN)
    return f"{day(local.date())} kl. {local:%H:%M}"


def quarter(d: date) -> str:
    """The quarter a date falls in, the way Statistics Denmark writes it: '2024K4'."""
    return f"{d.year}K{(d.month - 1) // 3 + 1}"


def protected(value: ProtectedValue, render=number) -> str:
    """A protected figure as text: '..' when hidden, '–' when missing."""
    if not isinstance(value, ProtectedValue):
        raise TypeError("kun tal, der har passeret diskretioneringen, kan vises")
    if value.hidden:
        return HIDDEN_MARK
    return render(value.value)
