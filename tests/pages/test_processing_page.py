"""The case-processing page headless: its numbers equal an independent query, open cases count,
and the filters live in the URL."""

from __future__ import annotations

from pathlib import Path

from lifelines import KaplanMeierFitter
from streamlit.testing.v1 import AppTest

from analysis.protected import HIDDEN_MARK
from tests.pages.runner import open_page, query


def run(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    return open_page(db, monkeypatch, "processing.py", params)


def stages_table(at: AppTest):
    return next(f.value for f in at.dataframe if "Fase" in f.value.columns).set_index("Fase")


def test_referral_to_decision_equals_an_independent_query_with_open_cases_censored(app_env, monkeypatch):
    at = run(app_env, monkeypatch)
    row = stages_table(at).loc["Visitation → afgørelse"]
    rows = query(app_env, """
        SELECT coalesce(decision_date, (SELECT data_end_date FROM meta_dataset)) - referral_date AS days,
               decision_date IS NOT NULL AS decided
        FROM fct_cases""")
    days, decided = [r[0] for r in rows], [r[1] for r in rows]
    km = KaplanMeierFitter().fit(days, decided)
    assert row["Sager"] == f"{len(rows):,}".replace(",", ".") == "328"
    assert row["Åbne"] == str(decided.count(False)) == "41"
    assert row["Median (dage)"] == f"{km.median_survival_time_:.0f}"
    closed = sorted(d for d, e in zip(days, decided) if e)
    naive = (closed[len(closed) // 2 - 1] + closed[len(closed) // 2]) / 2 if len(closed) % 2 == 0 else closed[len(closed) // 2]
    assert row["Median, kun afsluttede"] == f"{naive:.0f}"
    share = float(km.survival_function_at_times(91).iloc[0])
    assert row["Over 13 uger"] == f"{100 * share:.1f} %".replace(".", ",")


def test_filters_live_in_the_url_and_change_the_numbers(app_env, monkeypatch):
    params = {"fra": "2016K1", "til": "2017K4", "region": "Region Hovedstaden", "afgoerelse": "Ressourceforløb",
              "koen": "Kvinder", "uger": "8 uger", "fase": "Afgørelse → start af ressourceforløb"}
    at = run(app_env, monkeypatch, params)
    assert str(at.selectbox(key="fra").value) == "2016-01-01" and str(at.selectbox(key="til").value) == "2017-10-01"
    assert at.selectbox(key="region").value == "084" and at.selectbox(key="afgoerelse").value == "resource_course"
    assert at.selectbox(key="koen").value == "F" and at.selectbox(key="uger").value == 8
    assert at.selectbox(key="fase").value == "decision_to_course_start"
    [(n,)] = query(app_env, """
        SELECT count(*) FROM fct_cases WHERE referral_date BETWEEN '2016-01-01' AND '2017-12-31'
        AND region_code = '084' AND decision = 'resource_course' AND sex = 'F'""")
    table = stages_table(at)
    assert n > 0 and table.loc["Visitation → afgørelse", "Sager"] == str(n)
    assert "Over 8 uger" in table.columns
    assert any(m.label == "Median" for m in at.metric)


def test_a_small_group_is_hidden_and_marked(tiny_db, monkeypatch):
    # Eight cases: one (C08) still waits for its team meeting and decision.
    at = run(tiny_db, monkeypatch)
    table = stages_table(at)
    assert table.loc["Visitation → afgørelse", "Sager"] == "8"
    assert table.loc["Visitation → afgørelse", "Åbne"] == HIDDEN_MARK  # one open case
    # Seven had a meeting: shown beside the eight, it would reveal the one without.
    assert table.loc["Rehabiliteringsteammøde → afgørelse", "Sager"] == HIDDEN_MARK
    assert (table.loc["Afgørelse → start af ressourceforløb"].drop("Åbne") == HIDDEN_MARK).all()  # four courses
    assert {m.label: m.value for m in at.metric}["Åbne (censurerede)"] == HIDDEN_MARK
    assert "færre end 5 personer" in " ".join(c.value for c in at.caption)


def test_period_in_the_wrong_order_gives_a_clear_message(app_env, monkeypatch):
    at = run(app_env, monkeypatch, {"fra": "2019K1", "til": "2017K3"})
    assert "«Til kvartal» ligger før «Fra kvartal»" in at.error[0].value
