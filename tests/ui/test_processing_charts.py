"""The case-processing charts: protected input only, every trace says what it carries, hidden
points left out and named, Danish labels and numbers (tests/processing_fixture.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analysis import overview, processing
from analysis.database import LiveDatabase
from analysis.processing import CaseFilter
from etl.load import load
from tests.processing_fixture import AARHUS, FREDERIKSBERG, VIEW, write_processing_dataset
from ui import processing_charts as charts

KINDS = {"antal", "rate", "andel", "grænse", "dage"}  # as tests/pages/test_disclosure_sweep.py
AARHUS_VIEW = CaseFilter(*VIEW, municipalities=(AARHUS,))
HIDDEN_VIEW = CaseFilter(*VIEW, municipalities=(FREDERIKSBERG,))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> LiveDatabase:
    base = tmp_path_factory.mktemp("processing-charts")
    pointer = base / "rf.duckdb"
    load([write_processing_dataset(base / "in")], pointer)
    live = LiveDatabase(pointer)
    live.refresh()
    return live


def metas(chart) -> list:
    return [trace.meta for trace in chart.figure.data]


def test_builders_refuse_unprotected_data(db):
    raw = processing.stage_summaries(db, AARHUS_VIEW, 56).frame
    for builder in (charts.medians_by_stage, charts.regions, charts.survival_curve,
                    charts.funnel, charts.histogram):
        with pytest.raises(TypeError):
            builder(raw)
    with pytest.raises(TypeError):
        charts.trend(raw, overview.events(db))


def test_km_chart_shows_both_curves_band_and_threshold(db):
    curve = processing.curve(db, AARHUS_VIEW, "referral_to_team_meeting")
    chart = charts.survival_curve(curve, 56)
    assert set(metas(chart)) == {"andel"}
    names = [t.name for t in chart.figure.data]
    assert "Alle sager (Kaplan–Meier, åbne sager med)" in names and "Kun afsluttede sager (naiv)" in names
    km = next(t for t in chart.figure.data if t.name.startswith("Alle sager"))
    assert list(km.x) == [t for t, _ in curve.steps] and list(km.y) == [s for _, s in curve.steps]
    assert "Dag 40: 50,0 % venter stadig" in km.customdata  # S(40) = 0.4997, Danish decimal comma
    assert chart.figure.layout.shapes[0].x0 == 56  # the threshold line
    assert "Grænse: 56 dage (8 uger)" in [a.text for a in chart.figure.layout.annotations]
    assert "stopper ved dag 300" in chart.note and "udelader de 20 åbne sager" in chart.note
    assert chart.figure.layout.xaxis.title.text == "Dage efter visitationen"


def test_km_chart_of_a_hidden_view_is_empty_and_says_why(db):
    chart = charts.survival_curve(processing.curve(db, HIDDEN_VIEW, "referral_to_team_meeting"), 56)
    assert len(chart.figure.data) == 0
    assert "1 kurve er udeladt" in chart.note and "færre end 5" in chart.note


def test_medians_chart_sets_km_beside_naive(db):
    table = processing.stage_summaries(db, AARHUS_VIEW, 56)
    chart = charts.medians_by_stage(table)
    km, naive = chart.figure.data
    assert set(metas(chart)) == {"dage"}
    assert list(km.x)[0] == 40 and list(naive.x)[0] == 30
    assert list(km.y) == table.frame["label"].to_list()
    # Aarhus decides flex jobs only: the three course stages have no cases, which is not "not reached".
    assert "ikke nået" not in chart.note


def test_trend_marks_events_periods_and_provisional_quarters(db):
    table = processing.trend(db, AARHUS_VIEW, "referral_to_team_meeting", 35)
    events = pl.DataFrame({
        "event_id": ["guidance_letter", "initiative_package", "pilot_start"],
        "event_date": [date(2019, 3, 14), date(2019, 3, 28), date(2019, 7, 1)],
        "label_da": ["Orienteringsskrivelse", "Initiativpakke", "Forsøg starter"],
        "date_precision": ["day"] * 3,
    })
    chart = charts.trend(table, events, (date(2019, 7, 1), date(2020, 6, 30)),
                                    (date(2019, 10, 1), date(2020, 12, 31)), "share_over", 35)
    assert set(metas(chart)) == {"andel"}
    texts = [a.text for a in chart.figure.layout.annotations]
    # The pilot window and the pool as bands, the two letters as lines (the pilot's own start is the band).
    assert "Forsøg med sundhedskoordinator" in texts and "Puljen Bedre ressourceforløb" in texts
    assert "Orienteringsskrivelse" in texts and "Initiativpakke" in texts and "Forsøg starter" not in texts
    line = chart.figure.data[-1]
    shown = table.frame["share_over"].to_list()
    assert list(line.y) == shown  # hidden quarters stay None: gaps
    hidden = int(table.is_hidden("share_over").sum())
    assert hidden and f"{hidden} punkter er udeladt" in chart.note
    assert "foreløbige" in chart.note
    provisional = table.frame["provisional"].to_list()
    assert [c == "white" for c in line.marker.color] == provisional
    assert any("2020K4" in h and "(foreløbig)" in h for h in line.customdata)
    median = charts.trend(table, events, None, None, "median", 35)
    assert set(metas(median)) == {"dage"}
    with pytest.raises(ValueError):
        charts.trend(table, events, measure="mean")


def test_regions_with_intervals_and_the_national_line(db):
    table = processing.by_region(db, CaseFilter(*VIEW), "referral_to_team_meeting", 35)
    chart = charts.regions(table, "share_over", 35)
    bars = chart.figure.data[0]
    assert bars.meta == "andel" and list(bars.x) == ["Region Midtjylland", "Region Syddanmark", "Region Hovedstaden"]
    assert bars.error_y.array is not None
    assert any(a.text.startswith("Hele landet: ") for a in chart.figure.layout.annotations)
    assert "udeladt" not in chart.note and "2 regioner uden tal" in chart.note  # no cases: not hidden
    assert charts.regions(table, "median").figure.data[0].meta == "dage"


def test_funnel_has_limits_points_and_names_left_out(db):
    funnel = processing.funnel(db, CaseFilter(*VIEW), "referral_to_team_meeting", 35, followup_days=35)
    chart = charts.funnel(funnel)
    kinds = metas(chart)
    assert kinds.count("grænse") == 4 and kinds[-1] == "andel"
    points = chart.figure.data[-1]
    assert list(points.x) == funnel.points.frame["cases"].to_list()
    assert any("Aarhus: 41,7 % (20 af 48 sager)" == c for c in points.customdata)
    assert "2 kommuner er udeladt" in chart.note
    assert chart.figure.layout.xaxis.type == "log"


def test_histogram_leaves_hidden_bins_out_and_counts_them(db):
    dist = processing.distribution(db, AARHUS_VIEW, "referral_to_team_meeting", 14)
    chart = charts.histogram(dist)
    bars = chart.figure.data[0]
    assert bars.meta == "antal"
    assert list(bars.x) == ["0–13", "14–27", "28–41", "42–55", "56–69", "70+"]
    assert all(y is None or y == 0 or y >= 5 for y in bars.y)
    hidden = int(dist.bins.is_hidden("closed").sum())
    assert hidden and f"{hidden} søjler er udeladt" in chart.note
    assert "70 dage eller mere" in chart.note and "20 sager venter stadig" in chart.note


def test_every_trace_declares_what_it_carries(db):
    built = [
        charts.survival_curve(processing.curve(db, AARHUS_VIEW, "referral_to_decision"), 91),
        charts.medians_by_stage(processing.stage_summaries(db, AARHUS_VIEW, 91)),
        charts.trend(processing.trend(db, CaseFilter(*VIEW), "referral_to_decision", 91), overview.events(db),
                                overview.pilot_window(db), processing.pool_period(db)),
        charts.regions(processing.by_region(db, AARHUS_VIEW, "referral_to_decision", 91)),
        charts.funnel(processing.funnel(db, AARHUS_VIEW, "referral_to_decision", 91)),
        charts.histogram(processing.distribution(db, AARHUS_VIEW, "referral_to_decision")),
    ]
    for chart in built:
        assert chart.figure.data and all(m in KINDS for m in metas(chart))
        assert chart.figure.layout.separators == ",."
