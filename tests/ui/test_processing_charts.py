"""The case-processing charts on released tables: protected input only, every trace says what it
carries, hidden points left out and named, Danish labels and numbers (the page database of
tests/conftest.py: the tiny dataset 41 times, 328 cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

import settings
from analysis import overview, stage_times
from analysis.database import LiveDatabase
from ui import processing_charts as charts

K = settings.K_ANONYMITY
KINDS = {"antal", "rate", "andel", "grænse", "dage"}  # as tests/pages/test_disclosure_sweep.py
STAGE = "referral_to_decision"


@pytest.fixture(scope="module")
def db(page_db: Path) -> LiveDatabase:
    live = LiveDatabase(page_db)
    live.refresh()
    return live


@pytest.fixture(scope="module")
def whole(db) -> stage_times.StageView:
    return stage_times.StageView(stage_times.whole(db).id)


def metas(chart) -> list:
    return [trace.meta for trace in chart.figure.data]


def test_builders_refuse_unprotected_data(db, whole):
    raw = stage_times.stage_table(db, whole, 91).frame
    for builder in (charts.medians_by_stage, charts.regions, charts.survival_curve, charts.funnel, charts.histogram):
        with pytest.raises(TypeError):
            builder(raw)


def test_the_curve_has_a_band_and_the_closed_only_curve_and_stops_where_few_wait(db, whole):
    curve = stage_times.curve(db, whole, STAGE)
    chart = charts.survival_curve(curve, 91)
    names = [t.name for t in chart.figure.data]
    assert "Alle sager (Kaplan–Meier, åbne sager med)" in names and "Kun afsluttede sager (naiv)" in names
    assert set(metas(chart)) == {"andel"}
    km = next(t for t in chart.figure.data if t.name.startswith("Alle sager"))
    shown = [y for y in km.y if y is not None]
    assert shown and shown == sorted(shown, reverse=True)  # waiting never grows
    assert "hvert trin samler mindst 5 afsluttede sager" in chart.note and "Kurven stopper ved dag" in chart.note


def test_trend_by_quarter_leaves_hidden_quarters_out_and_names_them(db, whole):
    table = stage_times.trend(db, whole, STAGE, 91)
    chart = charts.trend(table, overview.events(db), overview.pilot_window(db), overview.pool_period(db), "median", 91)
    assert set(metas(chart)) == {"dage"}
    hidden = int(table.is_hidden("median").sum())
    assert hidden and f"{hidden} punkter er udeladt" in chart.note
    with pytest.raises(ValueError):
        charts.trend(table, overview.events(db), measure="mean")


def test_regions_with_intervals_and_the_national_line(db, whole):
    table = stage_times.by_region(db, whole.period, STAGE, 91)
    chart = charts.regions(table, "share_over", 91)
    bars = chart.figure.data[0]
    assert bars.meta == "andel" and list(bars.x) == ["Region Midtjylland", "Region Hovedstaden"]
    assert bars.error_y.array is not None
    assert "Hele landet: 12,5 %" in [a.text for a in chart.figure.layout.annotations]  # 41 of 328 waited > 91 days
    assert "3 regioner uden tal" in chart.note and "udeladt" not in chart.note  # no cases: not hidden
    assert charts.regions(table, "median").figure.data[0].meta == "dage"


def test_funnel_has_limits_and_points_on_a_log_axis(db):
    funnel = stage_times.funnel(db, STAGE, 91)
    chart = charts.funnel(funnel)
    kinds = metas(chart)
    assert kinds.count("grænse") == 4 and kinds[-1] == "andel"
    points = chart.figure.data[-1]
    assert sorted(points.x) == sorted(funnel.points.frame["cases"].to_list()) == [82, 82, 164]
    assert chart.figure.layout.xaxis.type == "log"


def test_histogram_bins_are_zero_or_at_least_k_and_open_cases_are_named(db, whole):
    dist = stage_times.bins(db, whole, STAGE)
    chart = charts.histogram(dist)
    bars = chart.figure.data[0]
    assert bars.meta == "antal"
    assert all(y == 0 or y >= K for y in bars.y) and sum(bars.y) == 287  # every decided case
    assert bars.x[-1].endswith("+") and "41 sager venter stadig" in chart.note


def test_every_trace_declares_what_it_carries(db, whole):
    built = [
        charts.survival_curve(stage_times.curve(db, whole, STAGE), 91),
        charts.medians_by_stage(stage_times.stage_table(db, whole, 91)),
        charts.trend(stage_times.trend(db, whole, STAGE, 91), overview.events(db), overview.pilot_window(db),
                     overview.pool_period(db)),
        charts.regions(stage_times.by_region(db, whole.period, STAGE, 91)),
        charts.funnel(stage_times.funnel(db, STAGE, 91)),
        charts.histogram(stage_times.bins(db, whole, STAGE)),
    ]
    for chart in built:
        assert chart.figure.data and all(m in KINDS for m in metas(chart))
        assert chart.figure.layout.separators == ",."
