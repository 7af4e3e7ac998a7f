"""The pilot page headless (AppTest) on the hand-worked pilot dataset and on the default data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.protected import HIDDEN_MARK
from tests.fixtures import open_published
from tests.pages.runner import open_page


def run(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    return open_page(db, monkeypatch, "pilot.py", params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def test_headline_equals_an_independent_query(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch)
    shown = metrics(at)
    con = open_published(pilot_db)
    [(n,)] = con.execute("SELECT count(*) FROM fct_pilot_requests WHERE request_date BETWEEN '2017-07-01' AND '2019-06-30'").fetchall()
    [(courses,)] = con.execute("SELECT count(*) FROM fct_cases WHERE course_start_date <= '2019-06-30' AND "
                               "(course_end_date IS NULL OR course_end_date >= '2017-07-01')").fetchall()
    [(early,)] = con.execute("SELECT count(*) FROM fct_pilot_requests WHERE request_context = 'early_clarification'").fetchall()
    con.close()
    assert shown["Anmodninger"] == str(n) == "12"
    assert shown["Pr. 1.000 forløb"] == f"{n / courses * 1000:.2f}".replace(".", ",") == "387,10"
    # 7 early and 5 concrete: both shown, so the share is.
    assert shown["Tidlig afklaring"] == "58,3 %" and early == 7
    # Two municipalities: a count of municipalities, not persons; beside the municipality list it
    # would say that both hidden municipalities have requests, so a zero is hidden with them.
    assert shown["Kommuner med anmodninger"] == "2"
    assert "95 %-konfidensintervaller" in " ".join(c.value for c in at.caption)
    assert shown["Åbne (censurerede)"] == HIDDEN_MARK  # 2 open requests


def test_regions_hide_the_small_one_and_its_partner(pilot_db, monkeypatch):
    # Aarhus alone makes Midtjylland: 4 requests, hidden; Hovedstaden (8) then goes too, or the
    # country's 12 would give Midtjylland back.
    at = run(pilot_db, monkeypatch)
    regions = next(f.value for f in at.dataframe if "Område" in f.value.columns)
    by_name = dict(zip(regions["Område"], regions["Anmodninger"]))
    assert by_name["Region Midtjylland"] == HIDDEN_MARK and by_name["Region Hovedstaden"] == HIDDEN_MARK
    assert by_name["Hele landet"] == "12" and by_name["Region Nordjylland"] == "0"


def test_filters_live_in_the_url(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch, {"gruppe": "Kvinder", "periode": "2018"})
    assert at.selectbox(key="gruppe").value == "sex=F" and at.selectbox(key="periode").value == "2018"
    assert metrics(at)["Anmodninger"] in {HIDDEN_MARK, "3"} or "udgives ikke" in infos(at)
    at = run(pilot_db, monkeypatch, {"gruppe": "Kvinder"})
    assert metrics(at)["Anmodninger"] == "6"


def test_an_old_link_opens_the_nearest_released_view_and_says_so(pilot_db, monkeypatch):
    # Links made before the release carried a free range of quarters, municipalities, sex and age.
    at = run(pilot_db, monkeypatch, {"fra": "2017K4", "til": "2018K3", "koen": "Kvinder", "alder": "30-39",
                                     "kommune": ["København", "Frederiksberg"]})
    assert not at.exception
    notes = infos(at)
    assert "Tallene udgives kun for faste perioder" in notes
    assert "Tal for valgte kommuner udgives ikke" in notes and "Region Hovedstaden" in notes
    assert "Køn og alder udgives ikke sammen" in notes
    assert at.selectbox(key="periode").value == "2018"
    assert at.selectbox(key="region").value == "084" and at.selectbox(key="gruppe").value == "sex=F"


def test_a_view_the_release_does_not_hold_says_which_it_shows(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch, {"periode": "2018K1", "gruppe": "Kvinder"})
    assert "udgives ikke for 2018K1, Hele landet, kvinder" in infos(at)


def test_missing_channels_table_is_explained(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch)
    assert any("health_advice_channels er ikke indlæst" in i.value for i in at.info)


@pytest.mark.slow  # the default size takes two minutes to publish; tests/etl/test_generate.py checks the files
def test_default_data_matches_the_published_figures(monkeypatch, synthetic_db):
    at = run(synthetic_db(1.0), monkeypatch)
    shown = metrics(at)
    assert shown["Anmodninger"] == "78" and shown["Kommuner med anmodninger"] == "34"
    published = " ".join(e.label for e in at.expander)
    assert "Publicerede tal med kilder" in published
    assert not any("ikke indlæst" in i.value for i in at.info)
