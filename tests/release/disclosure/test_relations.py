"""The relations between cells, written as an intruder would: areas, periods, breakdowns, nesting."""

from datetime import date

import polars as pl

from release import periods
from release.areas import Area, Areas
from release.disclosure.relations import relate

AREAS = Areas([
    Area("000", "Hele landet", "country", None),
    Area("084", "Region Hovedstaden", "region", "000"), Area("082", "Region Midtjylland", "region", "000"),
    Area("101", "København", "municipality", "084"), Area("751", "Aarhus", "municipality", "082"),
])
CAT = periods.build(date(2018, 1, 1), date(2018, 12, 31), date(2018, 1, 1), date(2018, 12, 31))
DAY = CAT.add(date(2018, 3, 31), date(2018, 3, 31), "31. mar. 2018", "day")


def frame(rows: list[tuple]) -> pl.DataFrame:
    cells = pl.DataFrame(rows, schema=["measure", "period", "area", "grp", "value"], orient="row").with_columns(
        pl.lit(True).alias("released"))
    return cells.with_row_index("cell")


def named(cells: pl.DataFrame, equations) -> set[tuple]:
    keys = list(zip(cells["measure"], cells["period"], cells["area"], cells["grp"]))
    return {(tuple(sorted(keys[p] for p in parts)), keys[total]) for parts, total in equations}


def test_areas_periods_and_breakdowns():
    cells = frame([
        ("requests", "2018", "000", "", 10), ("requests", "2018", "084", "", 7), ("requests", "2018", "082", "", 3),
        ("requests", "2018K1", "000", "", 4), ("requests", "2018K2", "000", "", 6), ("requests", "2018K3", "000", "", 0),
        ("requests", "2018K4", "000", "", 0),
        ("requests", "2018", "000", "sex=F", 8), ("requests", "2018", "000", "sex=M", 2),
    ])
    out, equations = relate(cells, CAT, AREAS)
    assert out.height == cells.height  # nothing nested: no difference cells
    found = named(out, equations)
    assert ((("requests", "2018", "082", ""), ("requests", "2018", "084", "")), ("requests", "2018", "000", "")) in found
    quarters = tuple(sorted(("requests", q, "000", "") for q in ("2018K1", "2018K2", "2018K3", "2018K4")))
    assert (quarters, ("requests", "2018", "000", "")) in found
    sexes = (("requests", "2018", "000", "sex=F"), ("requests", "2018", "000", "sex=M"))
    assert (sexes, ("requests", "2018", "000", "")) in found
    assert len(equations) == 3  # no relation with a missing member (the municipalities are not there)


def test_a_breakdown_tree_splits_the_advised_into_outcomes():
    outcomes = ["offer_adjusted", "offer_kept", "offer_replaced", "withdrawn"]
    cells = frame([("requests", "2018", "000", "", 9), ("requests", "2018", "000", "advice=open", 1),
                   ("requests", "2018", "000", "advice=advised", 8),
                   *(("requests", "2018", "000", f"advice={o}", 2) for o in outcomes)])
    found = named(*relate(cells, CAT, AREAS))
    assert ((("requests", "2018", "000", "advice=advised"), ("requests", "2018", "000", "advice=open")),
            ("requests", "2018", "000", "")) in found
    parts = tuple(sorted(("requests", "2018", "000", f"advice={o}") for o in outcomes))
    assert (parts, ("requests", "2018", "000", "advice=advised")) in found


def test_nested_stocks_and_thresholds_get_a_difference_cell():
    cells = frame([
        ("courses_active", DAY.id, "000", "", 100), ("courses_active", "2018K1", "000", "", 103),
        ("courses_active", "2018", "000", "", 150),
        ("requests", "2018", "000", "within=7", 2), ("requests", "2018", "000", "within=14", 6),
        ("requests", "2018", "000", "", 9),
    ])
    out, equations = relate(cells, CAT, AREAS)
    differences = out.filter(~pl.col("released"))
    # day < quarter < year, and within 7 < within 14 < all (no advised cell here): four
    # differences, each inner + d = outer
    assert sorted(differences["value"].to_list()) == [3, 3, 4, 47]
    keys = list(zip(out["measure"], out["period"], out["area"], out["grp"]))
    for parts, total in equations:
        inner, diff = parts
        assert out["value"][inner] + out["value"][diff] == out["value"][total]
        assert not out["released"][diff] and keys[inner][0] == keys[total][0]
