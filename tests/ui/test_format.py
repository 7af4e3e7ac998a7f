"""Danish formats, table-driven."""

from datetime import date, datetime, timezone

import pytest

from tests.protect import protect_count
from ui import format as fmt


@pytest.mark.parametrize("value,decimals,expected", [
    (30000, 0, "30.000"), (0, 0, "0"), (1234567, 0, "1.234.567"), (4.5, 1, "4,5"),
    (1234.56, 2, "1.234,56"), (-1500, 0, "-1.500"), (None, 0, "–"), (3.25, 1, "3,3"), (0.5, 0, "1"),
])
def test_number(value, decimals, expected):
    assert fmt.number(value, decimals) == expected


@pytest.mark.parametrize("share,expected", [(0.045, "4,5 %"), (0.39, "39,0 %"), (1, "100,0 %"), (None, "–")])
def test_percent(share, expected):
    assert fmt.percent(share) == expected


@pytest.mark.parametrize("amount,expected", [(40_400_000, "40,4 mio. kr."), (27_000_000, "27,0 mio. kr."),
                                             (950_000, "950.000 kr."), (3_250_000, "3,3 mio. kr."), (None, "–")])
def test_kroner(amount, expected):
    assert fmt.kroner(amount) == expected


def test_dates_quarters_and_copenhagen_time():
    assert fmt.day(date(2019, 11, 7)) == "7. nov. 2019"
    assert fmt.quarter(date(2024, 12, 31)) == "2024K4"
    assert fmt.quarter(date(2017, 7, 1)) == "2017K3"
    # 23:30 UTC on 30 June is 01:30 the next day in Copenhagen (summer time).
    assert fmt.timestamp(datetime(2019, 6, 30, 23, 30, tzinfo=timezone.utc)) == "1. jul. 2019 kl. 01:30"


def test_protected_values_render_hidden_and_refuse_raw_numbers():
    assert fmt.protected(protect_count(3)) == ".."
    assert fmt.protected(protect_count(0)) == "0"
    assert fmt.protected(protect_count(None)) == "–"
    assert fmt.protected(protect_count(12345)) == "12.345"
    with pytest.raises(TypeError):
        fmt.protected(12345)


def test_changes_carry_their_sign_and_percentage_points_are_named():
    assert fmt.signed(3.25) == "+3,3"
    assert fmt.signed(-14) == "\u221214,0"
    assert fmt.signed(0.0) == "0,0"
    assert fmt.points(0.032) == "+3,2 procentpoint"
    assert fmt.points(-0.15, 0) == "\u221215 procentpoint"
    assert fmt.points(None) == fmt.MISSING
