"""The case-processing page headless: its numbers equal an independent query, open cases count,
the filters choose among released views and live in the URL, old links open the nearest released
view with a note, and small groups are hidden."""

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


def notes(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


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


def test_filters_choose_released_views_from_the_url(app_env, monkeypatch):
    params = {"periode": "2016", "region": "Region Hovedstaden", "uger": "8 uger",
              "fase": "Afgørelse → start af ressourceforløb"}
    at = run(app_env, monkeypatch, params)
    assert at.selectbox(key="periode").value == "2016" and at.selectbox(key="region").value == "084"
    assert at.selectbox(key="uger").value == 8 and at.selectbox(key="fase").value == "decision_to_course_start"
    [(n, courses)] = query(app_env, """
        SELECT count(*), count(*) FILTER (WHERE decision = 'resource_course' AND decision_date IS NOT NULL)
        FROM fct_cases WHERE referral_date BETWEEN '2016-01-01' AND '2016-12-31' AND region_code = '084'""")
    table = stages_table(at)
    assert n > 0 and table.loc["Visitation → afgørelse", "Sager"] == str(n)
    assert table.loc["Afgørelse → start af ressourceforløb", "Sager"] == str(courses)
    assert "Over 8 uger" in table.columns
    assert {m.label for m in at.metric} >= {"Median", "Åbne (censurerede)"}
    # The release holds this view: only the curves (the whole period) say they show another.
    assert all("her vises Hele perioden" in i.value for i in at.info) and len(at.info) == 1


def test_an_old_link_opens_the_nearest_released_view_and_says_so(app_env, monkeypatch):
    # A link made before the release: a free range, a municipality set, decision crossed with sex.
    params = {"fra": "2016K1", "til": "2017K2", "region": "Region Hovedstaden", "kommune": ["København", "Frederiksberg"],
              "afgoerelse": "Ressourceforløb", "koen": "Kvinder"}
    at = run(app_env, monkeypatch, params)
    said = notes(at)
    assert at.selectbox(key="periode").value == "2016" and "Tallene udgives kun for faste perioder" in said
    assert at.selectbox(key="region").value == "084" and at.selectbox(key="kommunen").value == "alle"
    assert "Tallene udgives for én kommune ad gangen" in said
    assert at.selectbox(key="gruppe").value == "case_decision=resource_course"
    assert "Tallene udgives for én opdeling ad gangen" in said
    # Groups are released for the country only: the stage table says it shows the region without.
    assert "Dette afsnit udgives ikke for 2016, Region Hovedstaden, afgørelse: ressourceforløb" in said
    for key in ("fra", "til", "kommune", "afgoerelse", "koen"):
        assert key not in at.query_params


def test_one_municipality_from_an_old_link_opens_it_over_the_whole_period(app_env, monkeypatch):
    at = run(app_env, monkeypatch, {"kommune": "Aarhus", "fra": "2017K1", "til": "2017K4"})
    assert at.selectbox(key="kommunen").value == "751" and at.selectbox(key="region").value == "082"
    assert at.selectbox(key="periode").value.startswith("2016K1-")
    assert "Kommunerne udgives kun for hele perioden" in notes(at)
    [(n,)] = query(app_env, "SELECT count(*) FROM fct_cases WHERE municipality_code = '751'")
    assert stages_table(at).loc["Visitation → afgørelse", "Sager"] == str(n)


def test_reversed_quarters_in_an_old_link_are_turned_round_with_a_note(app_env, monkeypatch):
    at = run(app_env, monkeypatch, {"fra": "2016K4", "til": "2016K1"})
    assert at.selectbox(key="periode").value == "2016"
    assert "«Til kvartal» lå før «Fra kvartal»" in notes(at)


def test_every_section_renders_with_its_definition(app_env, monkeypatch):
    at = run(app_env, monkeypatch)
    headers = [h.value for h in at.subheader]
    assert headers[:1] == ["Faserne"] and {"Over tid", "Hvor", "Fordelingen"} <= set(headers)
    captions = " ".join(c.value for c in at.caption)
    for words in ("Kaplan–Meier", "visitationskvartal", "95 %-konfidensintervaller", "99,8"):
        assert words in captions
    regions = next(f.value for f in at.dataframe if "Område" in f.value.columns).set_index("Område")
    [(n,)] = query(app_env, "SELECT count(*) FROM fct_cases WHERE region_code = '082'")
    assert regions.loc["Region Midtjylland", "Sager"] == str(n)


def test_statistics_without_k_cases_on_each_side_are_hidden_and_marked(app_env, monkeypatch):
    # Every copy of the tiny dataset repeats the same durations: all 164 coordinators were named
    # five days after the decision, so no case lies after the median; and no case waited longer
    # than the 90th percentile of team meeting -> decision (19 days).
    at = run(app_env, monkeypatch)
    table = stages_table(at)
    assert table.loc["Afgørelse → koordinerende sagsbehandler", "Sager"] == "164"
    assert table.loc["Afgørelse → koordinerende sagsbehandler", "Median (dage)"] == HIDDEN_MARK
    assert table.loc["Rehabiliteringsteammøde → afgørelse", "90 % (dage)"] == HIDDEN_MARK
    assert table.loc["Rehabiliteringsteammøde → afgørelse", "Median (dage)"] != HIDDEN_MARK
    assert "færre end 5 personer" in " ".join(c.value for c in at.caption)


def test_data_too_sparse_for_any_view_say_so(tiny_db, monkeypatch):
    # Eight cases: every count of every block would be 1 to 4, so the release holds none of them.
    at = run(tiny_db, monkeypatch)
    assert "Data er for få til at udgive sagsbehandlingstider" in at.warning[0].value
    assert not at.dataframe
