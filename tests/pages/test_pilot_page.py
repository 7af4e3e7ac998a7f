"""The pilot page headless (AppTest) on the hand-worked pilot dataset and on the default data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest


import settings
from analysis.disclosure import HIDDEN_MARK
from etl.load import load
from tests.pilot_fixture import write_pilot_dataset
from tests.pages.runner import open_page


@pytest.fixture(scope="module")
def pilot_db(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("pilot-page")
    db = base / "rf.duckdb"
    load([write_pilot_dataset(base / "in")], db)
    return db


def run(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    return open_page(db, monkeypatch, "pilot.py", params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_equals_an_independent_query(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch)
    shown = metrics(at)
    con = duckdb.connect(str(pilot_db), read_only=True)
    [(n,)] = con.execute("SELECT count(*) FROM fct_pilot_requests WHERE request_date BETWEEN '2017-07-01' AND '2019-06-30'").fetchall()
    [(courses,)] = con.execute("SELECT count(*) FROM fct_cases WHERE course_start_date <= '2019-06-30' AND "
                               "(course_end_date IS NULL OR course_end_date >= '2017-07-01')").fetchall()
    [(early,)] = con.execute("SELECT count(*) FROM fct_pilot_requests WHERE request_context = 'early_clarification'").fetchall()
    con.close()
    assert shown["Anmodninger"] == str(n) == "12"
    assert shown["Pr. 1.000 forløb"] == f"{n / courses * 1000:.2f}".replace(".", ",") == "387,10"
    assert shown["Tidlig afklaring"] == "58,3 %" and early == 7
    assert shown["Kommuner med anmodninger"] == HIDDEN_MARK  # two: a small count
    assert "95 %-konfidensintervaller" in " ".join(c.value for c in at.caption)
    assert shown["Åbne (censurerede)"] == HIDDEN_MARK


def test_filters_live_in_the_url(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch, {"koen": "Kvinder", "fra": "2017K3", "til": "2018K2"})
    assert at.selectbox(key="koen").value == "F"
    assert str(at.selectbox(key="fra").value) == "2017-07-01" and str(at.selectbox(key="til").value) == "2018-04-01"
    # Women in the first year: 5, next to 6 women in the whole window: differ by 1, so hidden.
    assert metrics(at)["Anmodninger"] == HIDDEN_MARK
    at = run(pilot_db, monkeypatch, {"koen": "Kvinder"})
    assert metrics(at)["Anmodninger"] == "6"


def test_period_in_the_wrong_order_gives_a_clear_message(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch, {"fra": "2019K1", "til": "2017K3"})
    assert "«Til kvartal» ligger før «Fra kvartal»" in at.error[0].value


def test_missing_channels_table_is_explained(pilot_db, monkeypatch):
    at = run(pilot_db, monkeypatch)
    assert any("health_advice_channels er ikke indlæst" in i.value for i in at.info)


def test_default_data_matches_the_published_figures(monkeypatch, tmp_path_factory):
    from etl.generate import generate

    base = tmp_path_factory.mktemp("default")
    generate(base / "in", scale=1, seed=settings.DEFAULT_SEED)
    db = base / "rf.duckdb"
    load([base / "in"], db)
    at = run(db, monkeypatch)
    shown = metrics(at)
    assert shown["Anmodninger"] == "78" and shown["Kommuner med anmodninger"] == "34"
    published = " ".join(e.label for e in at.expander)
    assert "Publicerede tal med kilder" in published
    assert not any("ikke indlæst" in i.value for i in at.info)
