"""A chart's text alternative and data table: read from the figure's released numbers, hidden
points marked as such, Danish number formats."""

from __future__ import annotations

from datetime import date

import polars as pl

from analysis.protected import ProtectedTable
from ui import chart_text, charts
from ui import pool_charts as pc
from tests.ui.test_pool_charts import _effect, _outcomes


def _quarters(hidden_second: bool) -> ProtectedTable:
    frame = pl.DataFrame({
        "quarter_start": [date(2018, 1, 1), date(2018, 4, 1), date(2018, 7, 1)],
        "requests": [12, None if hidden_second else 3, 30],
        "cumulative": [12, None if hidden_second else 15, 45],
    })
    hidden = pl.Series([False, hidden_second, False])
    return ProtectedTable(frame, {"requests": hidden.alias("requests"), "cumulative": hidden.alias("cumulative")}, 5)


def test_the_text_names_the_measure_the_span_and_the_main_reading():
    chart = charts.pilot_requests_by_quarter(_quarters(False))
    text = chart_text.describe(chart.figure, chart.note)
    assert text.startswith("Figur (")
    assert "anmodninger i kvartalet" in text
    assert "fra 2018K1 til 2018K3" in text
    assert "højest 30 (2018K3)" in text and "lavest 3 (2018K2)" in text
    assert "sidst 45 (2018K3)" in text


def test_hidden_points_read_skjult_in_the_text_and_in_the_table():
    chart = charts.pilot_requests_by_quarter(_quarters(True))
    text = chart_text.describe(chart.figure, chart.note)
    assert "2 værdier er skjult (diskretionering)" in text
    table = chart_text.data_table(chart.figure)
    second = table.filter(pl.col("Serie") == "Anmodninger i kvartalet")
    assert second.columns[1].startswith("Kvartal for anmodningen")
    assert second.row(1) == ("Anmodninger i kvartalet", "2018K2", "skjult (diskretionering)")
    assert second.row(0)[2] == "12"
    assert table.height == 6  # two series, three quarters each: nothing left out of the table


def test_shares_are_percentages_with_their_intervals_and_hidden_quarters_marked():
    chart = pc.outcome_chart(_outcomes(), "involved_share")
    table = chart_text.data_table(chart.figure)
    assert "skjult (diskretionering)" in table.to_series(2).to_list()
    assert table.row(0) == ("Kommuner med bevilling", "2018K1", "40 %")
    assert table.row(1) == ("Kommuner med bevilling", "2018K2", "skjult (diskretionering)")


def test_effects_are_read_with_their_intervals():
    chart = pc.effects_chart([_effect("citizen_involved", 14.4, 12.5, 16.4),
                              _effect("days_referral_to_decision", -13.2, -15.2, -11.3, "dage")])
    text = chart_text.describe(chart.figure, chart.note)
    assert "14,4 (95 %: 12,5 til 16,4)" in text
    table = chart_text.data_table(chart.figure)
    assert {"Nedre grænse (95 %)", "Øvre grænse (95 %)"} <= set(table.columns)
    assert table.row(0)[2:] == ("14,4", "12,5", "16,4")


def test_a_cached_figure_dict_reads_as_the_figure_does():
    chart = charts.pilot_requests_by_quarter(_quarters(True))
    assert chart_text.describe(chart.figure.to_dict()) == chart_text.describe(chart.figure)
    assert chart_text.data_table(chart.figure.to_dict()).equals(chart_text.data_table(chart.figure))


def test_an_empty_figure_says_so():
    assert chart_text.describe({"data": [], "layout": {}}) == "Figuren har intet at vise i dette udvalg."
    assert chart_text.data_table({"data": [], "layout": {}}).height == 0


def test_funnel_outliers_are_told_by_shape_and_name_not_colour_alone():
    from analysis.pilot import Funnel
    from stats.funnel import FunnelLimits

    frame = pl.DataFrame({"name": ["Aarhus", "Lejre", "Odense"], "courses": [3000, 400, 2500],
                          "requests": [30, 6, 5], "rate": [10.0, 15.0, 2.0],
                          "position": ["above_998", "inside", "inside"]})
    limits = FunnelLimits([100.0, 5000.0], [0.0, 1.0], [9.0, 4.0], [0.0, 0.5], [12.0, 5.0])
    chart = charts.pilot_funnel(Funnel(ProtectedTable(frame, {}, 5), limits, 2.5, 0))
    points = [t for t in chart.figure.data if t.name == "Kommuner"][0]
    assert list(points.marker.symbol) == ["diamond", "circle", "circle"]
    assert list(points.text) == ["Aarhus", "", ""]
    assert "ruder med navn" in chart.note


def test_an_unreported_amount_reads_as_unreported_not_hidden():
    frame = pl.DataFrame({
        "municipality_name": ["Aarhus", "Aalborg"], "focus_area": ["processing_times", "citizen_involvement"],
        "granted_dkk": [1_250_000, 2_000_000], "spent_dkk": [None, 1_500_000],
    })
    chart = pc.grants_chart(ProtectedTable(frame, {}, 5))
    text = chart_text.describe(chart.figure, gap=chart.gap)
    assert "1 værdi er ikke indberettet" in text and "skjult" not in text
    table = chart_text.data_table(chart.figure, chart.gap)
    assert "ikke indberettet" in table.to_series(2).to_list()
    assert "skjult (diskretionering)" not in table.to_series(2).to_list()
