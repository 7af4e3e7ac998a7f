"""The pool page headless: grants equal an independent query beside the published amounts, the
filters live in the URL, and a weak estimate says why in plain Danish."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import format as fmt
from tests.pages.runner import open_page, query


def run(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    return open_page(db, monkeypatch, "pool.py", params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_grants_equal_an_independent_query_beside_the_published_amounts(app_env, monkeypatch):
    at = run(app_env, monkeypatch)
    [(granted, spent, municipalities)] = query(
        app_env, "SELECT sum(granted_dkk), sum(spent_dkk), count(DISTINCT municipality_code) FROM fct_pool_grants")
    shown = metrics(at)
    assert shown["Bevilget"] == fmt.kroner(granted) == "3,3 mio. kr."
    assert shown["Brugt (indberettet)"] == fmt.kroner(spent) == "1,5 mio. kr."
    assert shown["Kommuner med bevilling"] == str(municipalities) == "2"
    captions = " ".join(c.value for c in at.caption)
    assert "40,4 mio. kr." in captions and "27 mio. kr." in captions  # both published amounts
    assert "1 af 2 bevillinger har ikke indberettet forbrug" in captions
    grants = next(f.value for f in at.dataframe if "Projekt" in f.value.columns)
    assert sorted(grants["Kommune"]) == ["Aarhus", "København"]


def test_filters_live_in_the_url(app_env, monkeypatch):
    at = run(app_env, monkeypatch, {"fokus": "Borgerinddragelse", "region": "Region Midtjylland",
                                    "maaneder": "12 måneder", "fra": "2016K1", "til": "2019K4"})
    assert at.selectbox(key="fokus").value == "citizen_involvement" and at.selectbox(key="region").value == "082"
    assert at.selectbox(key="maaneder").value == 12 and str(at.selectbox(key="fra").value) == "2016-01-01"
    grants = next(f.value for f in at.dataframe if "Projekt" in f.value.columns)
    assert list(grants["Kommune"]) == ["Aarhus"] and metrics(at)["Bevilget"] == "2,0 mio. kr."


def test_a_weak_estimate_says_why_in_danish(app_env, monkeypatch):
    at = run(app_env, monkeypatch)
    warnings = " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    # Every case copied 41 times: grant timing and quarters coincide, so no estimate can be made,
    # and the page says why instead of showing a number or an empty chart.
    assert "ingen sammenligningskommuner" in warnings and "Figuren har intet at vise" in warnings
    assert metrics(at)["Sager forberedt sammen med borgeren"] == fmt.MISSING


def test_a_region_shows_the_event_study_coefficients_and_says_why(synthetic_db, monkeypatch):
    # Half the default data: the release holds the observed path for the country only.
    db = synthetic_db(0.5)
    country = run(db, monkeypatch)
    assert not any("observerede forløb udgives kun" in i.value for i in country.info)
    region = run(db, monkeypatch, {"region": "Region Nordjylland", "fokus": "Borgerinddragelse"})
    notes = " ".join(i.value for i in region.info)
    assert "observerede forløb udgives kun for hele landet" in notes
    assert "regionens effekter for alle bevillinger" in notes
    assert not region.exception
