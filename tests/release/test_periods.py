"""The fixed periods of the release: ids by span, roles, and how periods cut into each other."""

from datetime import date

import pytest

from release import periods


@pytest.fixture(scope="module")
def catalogue() -> periods.Catalogue:
    return periods.build(date(2016, 2, 1), date(2020, 5, 17), date(2017, 7, 1), date(2019, 6, 30))


def test_quarters_and_years_cover_the_data(catalogue):
    quarters = [p.id for p in catalogue.of_kind("quarter")]
    assert quarters[0] == "2016K1" and quarters[-1] == "2020K2" and len(quarters) == 18
    years = {p.id: p.label_da for p in catalogue.of_kind("year")}
    # A year the data cover only in part keeps its quarters in the id and the label.
    assert years == {"2016": "2016", "2017": "2017", "2018": "2018", "2019": "2019",
                     "2020K1-2020K2": "2020 (2020K1–2020K2)"}
    assert catalogue["2018"].decompositions == (("2018K1", "2018K2", "2018K3", "2018K4"),)


def test_one_span_is_one_period_whatever_its_roles(catalogue):
    # 2018 is a calendar year and a year of the pilot; 2017K3-2017K4 a part and a running total.
    assert catalogue["2018"].kinds >= {"year", "pilot_part"}
    assert catalogue["2017K3-2017K4"].kinds >= {"pilot_part", "running_total"}
    window = catalogue.of_kind("pilot_window")[0]
    assert window.id == "2017K3-2019K2" and window.label_da == "Hele forsøget (2017K3–2019K2)"
    assert "running_total" in window.kinds


def test_the_window_cuts_into_quarters_years_and_a_running_total(catalogue):
    window = catalogue["2017K3-2019K2"]
    assert window.decompositions == (
        ("2017K3", "2017K4", "2018K1", "2018K2", "2018K3", "2018K4", "2019K1", "2019K2"),
        ("2017K3-2017K4", "2018", "2019K1-2019K2"),
        ("2017K3-2019K1", "2019K2"),
    )
    running = catalogue["2017K3-2018K2"]
    assert running.label_da == "2017K3–2018K2 i alt"
    assert ("2017K3-2018K1", "2018K2") in running.decompositions


def test_containment_and_days(catalogue):
    day = catalogue.add(date(2018, 3, 31), date(2018, 3, 31), "31. mar. 2018", "day")
    assert day.id == "2018-03-31"
    assert catalogue["2018K1"].contains(day) and catalogue["2018"].contains(catalogue["2018K1"])
    assert not catalogue["2018K2"].contains(day)


def test_a_window_off_the_quarters_keeps_its_days(tmp_path):
    cat = periods.build(date(2016, 1, 1), date(2020, 12, 31), date(2017, 8, 15), date(2019, 5, 31))
    window = cat.of_kind("pilot_window")[0]
    assert (window.start, window.end) == (date(2017, 8, 15), date(2019, 5, 31))
    assert window.quarters[0] == "2017K3" and window.quarters[-1] == "2019K2"


def test_two_spans_for_one_id_are_refused():
    cat = periods.Catalogue()
    cat.add(date(2018, 1, 1), date(2018, 3, 31), "2018K1", "quarter", ("2018K1",))
    with pytest.raises(ValueError):
        cat.add(date(2018, 1, 1), date(2018, 3, 30), "2018K1", "quarter", ("2018K1",))
