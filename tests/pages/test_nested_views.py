"""Views one filter apart, on the overview, the pilot, the case-processing page and the pool: for every pair of views where one
lies inside the other (a quarter inside its year, a region inside the country, women inside
everyone), no count both pages show may differ by 1..k-1, since the two views together would
show that small group. Every view the pages offer is read the way the pages read it; a sample
runs through the pages themselves to check they show exactly that. The survival curve's steps
are checked too: each covers at least k requests, and the curve ends with at least k waiting."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import duckdb
import pytest

import settings
from analysis import overview, pilot, pool_figures, release, stage_times
from analysis.database import LiveDatabase
from analysis.protected import ProtectedValue
from tests.pages.runner import run_page

K = settings.K_ANONYMITY


@pytest.fixture(scope="module", params=[0.5, 0.1, pytest.param(1.0, marks=pytest.mark.slow)],
                ids=["half", "sparse-0.1", "default"])
def db(request, synthetic_db) -> Path:
    return synthetic_db(request.param)


@pytest.fixture(scope="module")
def live(db) -> LiveDatabase:
    handle = LiveDatabase(db)
    handle.refresh()
    return handle


def _inside(inner, outer) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and (inner.start, inner.end) != (outer.start, outer.end)


def _small_differences(views: dict, pairs) -> list:
    found = []
    for inner, outer in pairs:
        for name, value in views[inner].items():
            other = views[outer].get(name)
            if isinstance(value, ProtectedValue) and isinstance(other, ProtectedValue):
                if value.value is not None and other.value is not None and 1 <= other.value - value.value <= K - 1:
                    found.append((name, inner, outer, value.value, other.value))
    return found


def test_pilot_views_one_filter_apart_never_differ_by_a_small_count(live):
    periods = {p.id: p for p in pilot.periods(live)}
    regions = list(overview.regions(live)["region_code"])
    groups = list(pilot.groups())
    views = {}
    for period, (area, group) in product(periods, [("000", g) for g in groups] + [(r, "") for r in regions]):
        head = pilot.headline(live, pilot.PilotView(period, area, group))
        views[(period, area, group)] = {"requests": head.requests, "courses": head.courses,
                                        "open": head.open_requests}
    pairs = []
    for (p, a, g), (q, b, h) in product(views, views):
        if (a, g) == (b, h) and _inside(periods[p], periods[q]):
            pairs.append(((p, a, g), (q, b, h)))  # a period inside another
        elif p == q and g == h == "" and a != "000" and b == "000":
            pairs.append(((p, a, g), (q, b, h)))  # a region inside the country
        elif p == q and a == b and g and not h:
            pairs.append(((p, a, g), (q, b, h)))  # a group inside everyone
    assert len(pairs) > 300
    assert not _small_differences(views, pairs)


def test_processing_views_one_filter_apart_never_differ_by_a_small_count(live):
    periods = {p.id: p for p in release.periods(live)}  # windows around the events too
    parent = {code: region for code, _, region in stage_times.municipalities(live).iter_rows()}
    views = {}
    for period, area, group in stage_times._views(live):
        table = stage_times.stage_table(live, stage_times.StageView(period, area, group), 91)
        views[(period, area, group)] = {
            (stage, column): ProtectedValue(None if table.is_hidden(column)[i] else table.frame[column][i],
                                            bool(table.is_hidden(column)[i]))
            for i, stage in enumerate(table.frame["stage"]) for column in ("cases", "closed", "open")}
    pairs = []
    for (p, a, g), (q, b, h) in product(views, views):
        if (a, g) == (b, h) and _inside(periods[p], periods[q]):
            pairs.append(((p, a, g), (q, b, h)))  # a period inside another
        elif p == q and g == h == "" and (b == "000" != a or parent.get(a) == b):
            pairs.append(((p, a, g), (q, b, h)))  # a region inside the country, a municipality in its region
        elif p == q and a == b and g and not h:
            pairs.append(((p, a, g), (q, b, h)))  # a group inside everyone
    assert len(pairs) > 100
    assert not _small_differences(views, pairs)


def test_pool_views_one_filter_apart_never_differ_by_a_small_count(live):
    # A region's grant municipalities inside the country's; the grant municipalities (and the
    # others) inside all referred cases of the quarter, as the processing page shows them.
    info = live.refresh()
    views, pairs = {}, []
    for region in [None, *overview.regions(live)["region_code"]]:
        f = pool_figures.PoolFilter(info.first_referral_date, info.data_end_date, region)
        if pool_figures.choose(live, f).quarters_area != f.area:
            continue  # the region's counts are not released: the page shows the country's
        table = pool_figures.outcomes_by_quarter(live, f)
        for i, (q, group) in enumerate(zip(table.frame["quarter_start"].to_list(), table.frame["group"].to_list())):
            views[(f.area, group, q)] = {
                column: ProtectedValue(None if table.is_hidden(column)[i] else table.frame[column][i],
                                       bool(table.is_hidden(column)[i]))
                for column in ("cases", "involved_base", "involved")}
    quarters = {p.start: p.id for p in release.periods(live, "quarter")}
    for (area, group, q) in list(views):
        if area != "000":
            pairs.append(((area, group, q), ("000", group, q)))
        row = stage_times.stage_table(live, stage_times.StageView(quarters[q], area, ""), 91)
        if row.frame.height:
            i = row.frame["stage"].to_list().index("referral_to_decision")
            views[(area, "all", q)] = {"cases": ProtectedValue(
                None if row.is_hidden("cases")[i] else row.frame["cases"][i], bool(row.is_hidden("cases")[i]))}
            pairs.append(((area, group, q), (area, "all", q)))
    assert len(pairs) > 50 or not views
    assert not _small_differences(views, pairs)


def test_overview_regions_and_the_country_never_differ_by_a_small_count(live):
    views = {}
    for region in [None, *overview.regions(live)["region_code"]]:
        key = overview.key_figures(live, region)
        figures = {"persons": key.persons_in_course, "window": key.courses_in_pilot_window,
                   "requests": key.pilot_requests}
        by_quarter = overview.persons_by_quarter(live, region)
        for i, q in enumerate(by_quarter.frame["quarter_end"].to_list()):
            for column in ("persons_in_course", "courses_started"):
                hidden = bool(by_quarter.is_hidden(column)[i])
                figures[(column, q)] = ProtectedValue(None if hidden else by_quarter.frame[column][i], hidden)
        views[region] = figures
    pairs = [(r, None) for r in views if r is not None]
    assert not _small_differences(views, pairs)


def test_every_step_of_the_curve_covers_at_least_k_requests(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        curves = con.execute("SELECT period, area, grp, list(days ORDER BY days), list(waiting ORDER BY days) "
                             "FROM rel_curves GROUP BY ALL").fetchall()
        cells = {(p, a, g): v for p, a, g, v in con.execute(
            "SELECT period, area, grp, value FROM rel_cells WHERE released AND measure = 'requests'").fetchall()}
    finally:
        con.close()
    for period, area, grp, days, waiting in curves:
        n = cells[(period, area, grp)]
        assert days[0] == 0 and waiting[0] == 1.0
        within = [0] + [cells[(period, area, "|".join(sorted(filter(None, [grp, f"within={t}"]))))] for t in days[1:]]
        assert all(w is not None for w in within), "every point is a shown cell"
        steps = [b - a for a, b in zip(within, within[1:])]
        assert all(s == 0 or s >= K for s in steps), (period, area, grp, within)
        assert n - within[-1] >= K, "the curve ends with at least k still waiting"
        # No censoring before the curve's end here: each point is 1 - within / n.
        assert waiting[1:] == pytest.approx([1 - w / n for w in within[1:]])


@pytest.mark.parametrize("params", [{}, {"periode": "2018"}, {"gruppe": "Kvinder"},
                                    {"region": "Region Hovedstaden"}, {"periode": "2019K1", "gruppe": "60+ år"}])
def test_the_page_shows_what_the_release_holds(db, live, monkeypatch, params):
    monkeypatch.setenv("RF_DB", str(db))
    at = run_page("pilot.py", params)
    period = at.selectbox(key="periode").value
    region = at.selectbox(key="region").value
    group = at.selectbox(key="gruppe").value
    view = pilot.PilotView(period, "000" if region == "alle" else region, group)
    shown_view, _ = pilot.section_view(live, view, "headline")
    head = pilot.headline(live, shown_view)
    metrics = {m.label: m.value for m in at.metric}
    expected = ".." if head.requests.hidden else f"{head.requests.value:,}".replace(",", ".")
    assert metrics["Anmodninger"] == expected
