"""The pool page's figures: protected data only, every trace declares its kind, hidden points are
gaps that the note counts, Danish labels and number formats."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from analysis.protected import ProtectedTable
from analysis.pool_figures import Effect
from ui import pool_charts as pc

KINDS = {"antal", "rate", "andel", "grænse"} | pc.POOL_TRACE_KINDS
Q1, Q2, Q3 = date(2018, 1, 1), date(2018, 4, 1), date(2018, 7, 1)


def _outcomes() -> ProtectedTable:
    """Three quarters for both groups; the grant group's 2018K2 share is hidden (small count)."""
    frame = pl.DataFrame({
        "quarter_start": [Q1, Q1, Q2, Q2, Q3, Q3],
        "group": ["grant", "other"] * 3,
        "involved_share": [0.40, 0.45, None, 0.47, 0.62, 0.48],
        "involved_share_lower": [0.30, 0.42, None, 0.44, 0.52, 0.45],
        "involved_share_upper": [0.50, 0.48, None, 0.50, 0.71, 0.51],
        "median_days": [150.0, 140.0, 149.0, 141.0, 130.0, 139.0],
    })
    hidden = pl.Series([False, False, True, False, False, False])
    masks = {c: hidden.alias(c) for c in ("involved_share", "involved_share_lower", "involved_share_upper")}
    return ProtectedTable(frame, masks, 5)


def _event_table() -> ProtectedTable:
    events = [-2, -1, 0, 1]
    frame = pl.DataFrame({
        "event": events, "label": ["−2", "−1", "0", "1"], "reference": [False, True, False, False],
        "estimate": [1.0, 0.0, 14.0, None], "lower": [-3.0, 0.0, 9.0, None], "upper": [5.0, 0.0, 19.0, None],
        "observed": [41.0, 40.0, 56.0, None], "counterfactual": [40.5, 40.5, 42.0, None],
        "counterfactual_lower": [37.0, 38.0, 37.0, None], "counterfactual_upper": [44.0, 43.0, 47.0, None],
    })
    hidden = pl.Series([False, False, False, True])
    return ProtectedTable(frame, {c: hidden.alias(c) for c in frame.columns[3:]}, 5)


def _effect(outcome: str, estimate, lower, upper, unit="procentpoint") -> Effect:
    return Effect(outcome, unit, 6, estimate, lower, upper, estimate, lower, upper, estimate is None, "DID2S", "TWFE",
                  "CRV3", 17, 81, 18, 22, 0.4, "")


def _traces(chart):
    return list(chart.figure.data)


@pytest.mark.parametrize("build", [
    lambda frame: pc.grants_chart(frame), lambda frame: pc.outcome_chart(frame, "involved_share"),
    lambda frame: pc.event_study_chart(frame, "citizen_involved"),
    lambda frame: pc.event_coefficients_chart(frame, "citizen_involved"),
])
def test_only_protected_tables_are_drawn(build):
    with pytest.raises(TypeError):
        build(pl.DataFrame({"a": [1]}))


def test_effects_chart_takes_only_estimates_from_the_analysis():
    with pytest.raises(TypeError):
        pc.effects_chart([{"estimate": 1.0}])


def test_grants_are_kroner_not_counts_of_persons():
    frame = pl.DataFrame({
        "municipality_name": ["Aarhus", "Aalborg"], "focus_area": ["processing_times", "citizen_involvement"],
        "granted_dkk": [1_250_000, 2_000_000], "spent_dkk": [None, 1_500_000],
    })
    chart = pc.grants_chart(ProtectedTable(frame, {}, 5))
    traces = _traces(chart)
    assert {t.meta for t in traces} == {"kr"}  # never "antal": the sweep treats those as persons
    spent = next(t for t in traces if t.name == "Brugt")
    # Sorted by the granted amount, the largest at the top of the horizontal bars.
    assert list(spent.y) == ["Aarhus – Sagsbehandlingstid", "Aalborg – Borgerinddragelse"]
    assert list(spent.customdata) == ["ikke indberettet", "1,5 mio. kr."]
    assert "1 bevilling har ikke indberettet forbrug" in chart.note
    assert chart.figure.layout.separators == ",."


def test_outcomes_leave_hidden_quarters_as_gaps_and_say_so():
    chart = pc.outcome_chart(_outcomes(), "involved_share", grant_start=date(2017, 7, 1))
    traces = _traces(chart)
    assert all(t.meta in KINDS for t in traces)
    grant = next(t for t in traces if t.name == "Kommuner med bevilling")
    assert grant.meta == "andel" and list(grant.y) == [40.0, None, 62.0]  # percent, with a gap
    assert grant.customdata[0][1] == "40,0 %" and grant.customdata[0][0] == "2018K1"
    bands = [t for t in traces if t.meta == "grænse"]
    assert len(bands) == 4 and all(t.hoverinfo == "skip" for t in bands)
    assert "1 punkt er udeladt" in chart.note and "95 %" in chart.note
    assert chart.figure.layout.yaxis.ticksuffix == " %"


def test_median_days_are_durations_not_counts():
    chart = pc.outcome_chart(_outcomes(), "median_days")
    assert {t.meta for t in _traces(chart)} == {"dage"}
    assert _traces(chart)[0].customdata[0][1] == "150 dage"
    assert chart.note == ""
    with pytest.raises(ValueError):
        pc.outcome_chart(_outcomes(), "cases")


def test_event_study_marks_the_start_and_the_counterfactual_band():
    chart = pc.event_study_chart(_event_table(), "citizen_involved")
    traces = _traces(chart)
    assert [t.meta for t in traces] == ["grænse", "grænse", "estimat", "andel"]
    observed = traces[-1]
    assert list(observed.y) == [41.0, 40.0, 56.0, None]
    assert observed.customdata[2][1] == "56,0 %"
    lines = [s for s in chart.figure.layout.shapes if s.type == "line"]
    assert any(s.x0 == -0.5 for s in lines)  # between the quarter before and the first quarter
    assert list(chart.figure.layout.xaxis.ticktext) == ["−2", "−1", "0", "1"]
    assert "1 punkt er udeladt" in chart.note


def test_event_coefficients_have_intervals_and_a_zero_line():
    chart = pc.event_coefficients_chart(_event_table(), "days_referral_to_decision")
    (points,) = _traces(chart)
    assert points.meta == "estimat"
    assert list(points.error_y.array) == [4.0, 0.0, 5.0, None]
    assert points.customdata[2][1] == "14,0 dage"
    assert any(s.y0 == 0 and s.y1 == 0 for s in chart.figure.layout.shapes)


def test_effects_each_on_their_own_axis_and_missing_ones_named():
    effects = [
        _effect("citizen_involved", 14.5, 12.7, 16.3),
        _effect("days_referral_to_decision", -13.2, -15.1, -11.4, unit="dage"),
        _effect("internship_within", None, None, None),
    ]
    chart = pc.effects_chart(effects)
    traces = _traces(chart)
    assert len(traces) == 2 and {t.meta for t in traces} == {"estimat"}
    assert traces[0].customdata[0] == "14,5 pct.-point (12,7 pct.-point til 16,3 pct.-point)"
    assert traces[1].xaxis == "x2"
    assert "forløb med virksomhedspraktik inden for 6 måneder" in chart.note
