"""Rules for the statistics of the release: quantiles, funnel grids, counts of units, costs."""

import polars as pl
import pytest
from lifelines import KaplanMeierFitter

from release.disclosure import rules


def test_a_quantile_needs_k_persons_on_each_side():
    # 12 ended at 1..12 days, 3 still open at 30: the KM median is 8 (8 ended by then, 7 after).
    days = [*range(1, 13), 30, 30, 30]
    ended = [True] * 12 + [False] * 3
    stats = rules.duration_statistics(days, ended, k=5)
    fitter = KaplanMeierFitter().fit(days, ended)
    assert stats["median"] == (fitter.median_survival_time_, "shown") == (8.0, "shown")
    # The 25th percentile (day 4) has 4 persons at or before it: hidden. The 90th is never reached.
    assert stats["q1"] == (None, "hidden") and stats["p90"] == (None, "missing")
    # Closed only: median 6,5 of twelve, six either side.
    assert stats["naive_median"] == (6.5, "shown")
    assert set(rules.duration_statistics(days, ended, k=5, hidden=True).values()) == {(None, "hidden")}
    assert set(rules.duration_statistics([], [], k=5).values()) == {(None, "missing")}


@pytest.mark.parametrize("exposures,span", [
    ([37, 412, 9_935], (20, 10_000)), ([5, 6], (5, 10)), ([1_000, 1_000], (1_000, 1_000)), ([0.3, 2.4], (0.2, 5)),
])
def test_the_funnel_grid_has_round_ends_around_the_shown_units(exposures, span):
    assert rules.funnel_span(exposures) == pytest.approx(span)


def test_a_count_of_units_beside_a_list():
    listed = [(0, False), (7, False), (None, True), (None, True)]  # two hidden municipalities
    assert not rules.units_shown(3, None, None)  # its count of persons is hidden
    assert rules.units_shown(3, 12, None)
    assert not rules.units_shown(1, 12, listed)  # says both hidden are zero: pins them
    assert rules.units_shown(2, 12, listed) and not rules.units_bound(2, listed)  # one of two
    assert rules.units_shown(3, 12, listed) and rules.units_bound(3, listed)  # both >= 1: a claim


def test_what_hiding_costs():
    window, quarter = frozenset({"pilot_window"}), frozenset({"quarter"})
    assert rules.importance(window, "country", "") == 3
    assert rules.importance(quarter, "region", "") == 2
    assert rules.importance(window, "country", "sex=F") == 1 == rules.importance(window, "municipality", "")
    assert rules.importance(window, "country", "context=early_clarification") == 0
    assert rules.importance(window, "country", "age=30-39|context=early_clarification") == 0


def test_shares_and_what_a_table_may_carry():
    assert rules.share_shown(3, 9) and not rules.share_shown(None, 9) and not rules.share_shown(0, 0)
    assert rules.may_carry(pl.Series([0, 7, 12, 3]), 5)
    assert not rules.may_carry(pl.Series([0, 7, 2, 3]), 5) and not rules.may_carry(pl.Series([0, 0]), 5)
    assert not rules.may_carry(pl.Series([0, 7, 12, 3]), 5, ratio=0.1)  # one small for two big: too many
    assert rules.may_carry(pl.Series([3, *range(5, 15)]), 5, ratio=0.1)  # one small for ten big
