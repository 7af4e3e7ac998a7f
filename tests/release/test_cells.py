"""Counting cells: every combination of period, area and group, zeros included, one key one cell."""

from datetime import date

import polars as pl
import pytest

from release import periods
from release.areas import Area, Areas
from release.cells import CellSet, counted, group_key, merged, parse_group

AREAS = Areas([
    Area("000", "Hele landet", "country", None),
    Area("084", "Region Hovedstaden", "region", "000"), Area("082", "Region Midtjylland", "region", "000"),
    Area("101", "København", "municipality", "084"), Area("147", "Frederiksberg", "municipality", "084"),
    Area("751", "Aarhus", "municipality", "082"),
])
CAT = periods.build(date(2018, 1, 1), date(2018, 12, 31), date(2018, 1, 1), date(2018, 12, 31))
BASE = pl.DataFrame({
    "quarter": ["2018K1", "2018K1", "2018K2", "2018K4"], "municipality": ["101", "751", "101", "147"],
    "sex": ["F", "M", "F", "F"], "advice": ["offer_kept", "open", "withdrawn", "offer_kept"], "n": [2, 1, 3, 4],
})


def cell(frame: pl.DataFrame, period: str, area: str, grp: str = "") -> int:
    row = frame.filter((pl.col("period") == period) & (pl.col("area") == area) & (pl.col("grp") == grp)).unique()
    assert row.height == 1, (period, area, grp)
    return row["value"][0]


def test_events_sum_over_quarters_areas_and_groups_with_zeros():
    quarters = CAT.of_kind("quarter")
    cells = counted(BASE, "requests", [*quarters, CAT["2018"]], AREAS, ["country", "region"], [(), ("sex",)])
    assert cell(cells, "2018", "000") == 10 and cell(cells, "2018", "084") == 9 and cell(cells, "2018", "082") == 1
    assert cell(cells, "2018K3", "000") == 0  # a quarter without events is a true zero
    assert cell(cells, "2018", "082", group_key(sex="F")) == 0
    assert cell(cells, "2018K1", "000", group_key(sex="M")) == 1
    # every key once: 5 periods x 3 areas x (1 + 2 groups)
    assert cells.height == 5 * 3 * 3 and cells["released"].all()


def test_a_breakdown_at_its_top_level_and_unreleased_values():
    cells = counted(BASE, "requests", [CAT["2018"]], AREAS, ["country"], [("advice^",), ("advice",)],
                    unreleased={"advice": {"withdrawn"}})
    assert cell(cells, "2018", "000", group_key(advice="advised")) == 9
    assert cell(cells, "2018", "000", group_key(advice="open")) == 1
    assert cell(cells, "2018", "000", group_key(advice="offer_kept")) == 6
    withdrawn = cells.filter(pl.col("grp") == group_key(advice="withdrawn"))
    assert withdrawn["value"][0] == 3 and not withdrawn["released"][0]


def test_group_strings_are_canonical():
    assert group_key(sex="F", age="30-39") == group_key(age="30-39", sex="F") == "age=30-39|sex=F"
    assert parse_group("age=30-39|sex=F") == {"age": "30-39", "sex": "F"} and parse_group("") == {}


def test_one_key_is_one_cell_and_two_values_for_it_are_a_bug():
    a = counted(BASE, "requests", [CAT["2018"]], AREAS, ["country"], [()])
    b = a.with_columns(pl.lit(False).alias("released"))
    cells = merged([b, a])
    assert cells.height == 1 and cells["released"][0] and cells["cell"].to_list() == [0]
    with pytest.raises(ValueError, match="different values"):
        merged([a, a.with_columns(pl.col("value") + 1)])


def test_required_and_optional_tables_are_kept_apart():
    declared = CellSet()
    table = counted(BASE, "requests", [CAT["2018"]], AREAS, ["country"], [()])
    declared.add(table)
    declared.add(table, optional=True)
    assert len(declared.required()) == 1 and len(declared.optional()) == 1
