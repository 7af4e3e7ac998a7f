"""The disclosure sweep: every page, over a grid of filters, shows no small count and no
hidden value, and what the views show together cannot be solved for a hidden cell.

A new page is covered as soon as it is in pages/: it runs over the area grid below, and
PAGE_FILTERS adds the page's own filters (as URL query parameters).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import settings
from release.disclosure import suppression
from analysis.protected import HIDDEN_MARK
from tests.fixtures import open_published
from tests.pages.runner import every_part, run_page
from ui.widgets import PUBLIC_NOTE

K = settings.K_ANONYMITY
REGIONS = {
    "081": "Region Nordjylland", "082": "Region Midtjylland", "083": "Region Syddanmark",
    "084": "Region Hovedstaden", "085": "Region Sjælland",
}
AREA_GRID = [{}] + [{"region": name} for name in REGIONS.values()]
# page file -> extra query-parameter combinations (values as the URL carries them)
PAGE_FILTERS: dict[str, list[dict]] = {
    "pilot.py": [
        {"gruppe": "Kvinder"}, {"gruppe": "Mænd"}, {"gruppe": "30-39 år"}, {"gruppe": "60+ år"},
        {"periode": "2018"}, {"periode": "2019K2"}, {"periode": "2018", "gruppe": "Kvinder"},
        {"region": "Region Hovedstaden", "periode": "2018"},
        # links made before the release: free ranges, municipality sets, sex with age band
        {"fra": "2018K1", "til": "2018K4"}, {"fra": "2019K2", "til": "2019K2"},
        {"region": "Region Midtjylland", "kommune": ["Aarhus"], "koen": "Kvinder"},
        {"kommune": ["Aarhus", "Odense", "Aalborg"]},
        {"region": "Region Syddanmark", "alder": "40-49", "fra": "2017K3", "til": "2018K2"},
    ],
    "processing.py": [
        {"gruppe": "Kvinder"}, {"gruppe": "60+ år"}, {"gruppe": "Afgørelse: fleksjob"}, {"periode": "2019"},
        {"periode": "2018K2"}, {"region": "Region Sjælland", "periode": "2018"},
        {"region": "Region Midtjylland", "kommunen": "Aarhus", "fase": "Forløbsstart → første virksomhedspraktik"},
        # links made before the release: free ranges, municipality sets, crossed filters
        {"koen": "Kvinder"}, {"alder": "60+"}, {"afgoerelse": "Fleksjob"}, {"fra": "2019K1", "til": "2019K4"},
        {"region": "Region Hovedstaden", "kommune": ["København", "Frederiksberg"]},
        {"region": "Region Midtjylland", "kommune": ["Aarhus"], "koen": "Kvinder", "afgoerelse": "Førtidspension"},
        {"kommune": ["Aarhus", "Odense", "Aalborg"], "fase": "Forløbsstart → første virksomhedspraktik"},
        {"region": "Region Syddanmark", "alder": "40-49", "fra": "2017K1", "til": "2017K2", "uger": "4 uger"},
    ],
    "pool.py": [
        {"fokus": "Borgerinddragelse"}, {"fokus": "Virksomhedspraktik", "region": "Region Sjælland"},
        {"fokus": "Sagsbehandlingstid", "maaneder": "12 måneder"}, {"fra": "2016K1", "til": "2019K4"},
        {"region": "Region Nordjylland", "udfald": "Dage fra visitation til afgørelse"},
    ],
}
PAGES = sorted(p.name for p in (settings.ROOT / "pages").glob("*.py"))
# Columns whose cells are labels, years or dates, not counts of persons.
# counts of persons, rates, shares, control limits; kroner (public amounts), days, model estimates
TRACE_KINDS = {"antal", "rate", "andel", "grænse", "kr", "dage", "estimat"}
NOT_COUNTS = {"År", "Kvartalets udgang", "Tal", "Periode", "Publiceret", "Kilde", "Udgiver",
              "Bevilget (kr.)", "Brugt (kr.)",  # kroner granted and spent: public decisions
              # durations in days, not counts of persons
              "Median (dage)", "25 % (dage)", "75 % (dage)", "90 % (dage)", "Median, kun afsluttede",
              "Median, 95 % nedre (dage)", "Median, 95 % øvre (dage)", "Mediandage", "Fra", "Til"}


@pytest.fixture(scope="module", params=[pytest.param(0.004, marks=pytest.mark.slow), 0.1],
                ids=["scale-0.004", "scale-0.1"])
def sweep_db(request, synthetic_db) -> Path:
    """Synthetic data so small that many region-by-period cells hold 1 to 4 persons."""
    return synthetic_db(request.param)


@pytest.fixture(scope="module")
def diff_db(synthetic_db) -> Path:
    """Eight pilot requests nationally, one to four in most regions: the differencing case."""
    return synthetic_db(0.1)


def _run(page: str, params: dict) -> AppTest:
    return run_page(page, params)


def _count(text: str) -> int | None:
    """A shown integer count ('1.234' -> 1234), or None for anything else."""
    text = str(text).strip()
    return int(text.replace(".", "")) if re.fullmatch(r"\d{1,3}(\.\d{3})*", text) else None


def _shown_counts(at: AppTest) -> list[tuple[str, int]]:
    found = []
    for m in at.metric:
        if PUBLIC_NOTE in (m.help or ""):
            continue  # grants: public decisions about municipalities (docs/disclosure.md)
        if (n := _count(m.value)) is not None:
            found.append((f"metric {m.label}", n))
    for frame in at.dataframe:
        df = frame.value
        for column in df.columns:
            if column in NOT_COUNTS:
                continue
            for cell in df[column]:
                if (n := _count(cell)) is not None:
                    found.append((f"table {column}", n))
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec["data"]:
            # Every trace says what it carries, so a chart cannot slip counts past the sweep.
            assert trace.get("meta") in TRACE_KINDS, f"trace {trace.get('name')!r} does not declare meta"
            if trace["meta"] != "antal":
                continue
            values = trace.get("x") if trace.get("type") == "funnel" else trace.get("y")
            for y in values or []:
                if isinstance(y, (int, float)):
                    found.append((f"chart {trace.get('name')}", int(y)))
            for text in (trace.get("text") or []) + (trace.get("hovertext") or []):
                for n in re.findall(r"\d[\d.]*", str(text)):
                    if (c := _count(n)) is not None:
                        found.append((f"chart text {trace.get('name')}", c))
    return found


def _grid():
    for page in PAGES:
        for params in AREA_GRID + PAGE_FILTERS.get(page, []):
            yield page, params


@pytest.mark.parametrize("page,params", list(_grid()), ids=[f"{p}-{q or 'hele landet'}" for p, q in _grid()])
def test_no_small_count_and_every_hidden_cell_marked(sweep_db, monkeypatch, page, params):
    monkeypatch.setenv("RF_DB", str(sweep_db))
    parts = 0
    for at in every_part(_run(page, params)):  # what opens on a click is shown too
        parts += 1
        small = [(where, n) for where, n in _shown_counts(at) if 1 <= n <= K - 1]
        assert not small, f"small counts shown: {small[:10]}"
        captions = " ".join(c.value for c in at.caption)
        shows_hidden = any(HIDDEN_MARK in m.value for m in at.metric) or any(
            (frame.value == HIDDEN_MARK).any().any() for frame in at.dataframe)
        if shows_hidden:
            assert f"færre end {K} personer" in captions
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            missing = sum(1 for t in spec["data"] if t.get("meta") == "antal" for y in (t.get("y") or []) if y is None)
            if missing:
                assert re.search(rf"\b{missing} (punkt|søjle)", captions), \
                    "hidden chart points must be named under the chart"
    assert parts >= 2


def _views(db: Path, monkeypatch) -> dict[str | None, AppTest]:
    monkeypatch.setenv("RF_DB", str(db))
    return {code: _run("overview.py", {"region": name} if name else {})
            for code, name in [(None, None), *REGIONS.items()]}


def _sql(db: Path, query: str) -> list[tuple]:
    con = open_published(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_regions_and_the_whole_country_cannot_be_subtracted(diff_db, monkeypatch):
    views = _views(diff_db, monkeypatch)
    codes = list(REGIONS)
    layout = suppression.hierarchy_layout({len(codes): list(range(len(codes)))}, len(codes) + 1)
    checked = 0
    for label in [m.label for m in views[None].metric]:
        shown = [next(m.value for m in views[c].metric if m.label == label) for c in [*codes, None]]
        values = [_count(v) for v in shown]
        if any(v is None and s != HIDDEN_MARK for v, s in zip(values, shown)):
            continue  # amounts in kroner are not counts of persons
        hidden = [s == HIDDEN_MARK for s in shown]
        if not any(hidden) or hidden[-1]:
            continue
        # The intruder knows the shown cells; give the hidden ones any consistent values.
        rest = values[-1] - sum(v for v, h in zip(values[:-1], hidden[:-1]) if not h)
        filled = [v if not h else 0 for v, h in zip(values, hidden)]
        filled[hidden.index(True)] = rest
        for cell, (lo, hi) in suppression.attack(filled, layout, hidden).items():
            assert hi - lo >= K, f"{label}: {REGIONS[codes[cell]]} can be narrowed to [{lo}, {hi}]"
            checked += 1
    assert checked > 0, "the fixture should hide some regions while showing the national figure"


@pytest.fixture(scope="module")
def year_db(synthetic_db) -> Path:
    """About six decisions per region, year and type: a mix of shown and hidden cells."""
    return synthetic_db(0.01)


def test_decisions_by_year_cannot_be_solved_across_views(year_db, monkeypatch):
    views = _views(year_db, monkeypatch)
    codes = [*REGIONS, None]
    types = ["Afgørelser: ressourceforløb", "Afgørelser: fleksjob", "Afgørelser: førtidspension",
             "Afgørelser: andet", "Afgørelser i alt"]
    tables = {c: next(f.value for f in views[c].dataframe if "Afgørelser i alt" in f.value.columns) for c in codes}
    truth = {(r, int(y), d): n for r, y, d, n in _sql(
        year_db, "SELECT region_code, year(decision_date), decision, count(*) FROM fct_cases "
                  "WHERE decision_date IS NOT NULL GROUP BY ALL")}
    order = ["resource_course", "flex_job", "disability_pension", "other"]
    layout = suppression.two_way_layout(len(REGIONS), 4)
    attacked = 0
    for year in tables[None]["År"]:
        shown, values = [], []
        for c in codes:
            row = tables[c][tables[c]["År"] == year].iloc[0]
            for t, column in enumerate(types):
                shown.append(row[column] == HIDDEN_MARK)
                if t < 4:
                    keys = [(r, int(year), order[t]) for r in (REGIONS if c is None else [c])]
                    values.append(sum(truth.get(key, 0) for key in keys))
                else:
                    values.append(sum(values[-4:]))
        for cell, (lo, hi) in suppression.attack(values, layout, shown).items():
            assert lo <= values[cell] <= hi
            # Small cells must keep a wide interval; large ones hidden to protect them may not.
            assert hi - lo >= K or values[cell] >= K, f"{year}: cell {cell} narrowed to [{lo}, {hi}]"
            attacked += 1
    assert attacked > 0, "the fixture should hold hidden cells to attack"
