"""The overview page run headless (AppTest) against a real DuckDB built from fixtures."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import settings
from analysis.protected import HIDDEN_MARK
from tests.fixtures import open_published
from tests.pages.runner import every_part

APP = str(settings.ROOT / "app.py")


def run(query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def sql(db, query: str, params: dict | None = None):
    con = open_published(db)
    try:
        return con.execute(query, params or {}).fetchall()
    finally:
        con.close()


def test_overview_shows_key_figures_equal_to_an_independent_query(app_env):
    at = run()
    assert not at.exception
    shown = metrics(at)
    # Independent SQL over the published tables (not the analysis layer's files).
    [(end,)] = sql(app_env, "SELECT data_end_date FROM meta_dataset")
    [(persons,)] = sql(app_env, "SELECT count(*) FROM fct_cases WHERE course_start_date <= $d AND "
                                "(course_end_date IS NULL OR course_end_date >= $d)", {"d": end})
    [(window,)] = sql(app_env, "SELECT count(*) FROM fct_cases WHERE course_start_date <= '2019-06-30' AND "
                               "(course_end_date IS NULL OR course_end_date >= '2017-07-01')")
    persons_label = next(k for k in shown if k.startswith("Personer i ressourceforløb"))
    assert shown[persons_label] == f"{persons:,}".replace(",", ".")
    assert shown["Forløb i forsøgsperioden"] == f"{window:,}".replace(",", ".")
    # Three pilot requests in three municipalities: below k = 5, so hidden. Grants are public
    # decisions about municipalities (docs/disclosure.md): 2.000.000 + 1.250.000 kr. shown.
    assert shown["Anmodninger om sundhedskoordinator"] == HIDDEN_MARK
    assert shown["Puljebevillinger i alt"] == "3,3 mio. kr."
    captions = " ".join(c.value for c in at.caption)
    assert "færre end 5 personer" in captions


def test_every_page_shows_version_and_load_time_and_no_synthetic_banner_for_real_data(app_env):
    at = run()
    footer = at.caption[-1].value
    assert footer.startswith("Dataversion 1 (indlæste data)") and "indlæst" in footer
    assert not [w for w in at.warning if "Syntetiske data" in w.value]


def test_synthetic_data_carries_the_banner(tmp_path, monkeypatch, tiny_dataset):
    import json

    from etl.load import load

    (tiny_dataset / "dataset.json").write_text(json.dumps({"synthetic": True}))
    db = tmp_path / "syn.duckdb"
    load([tiny_dataset], db)
    monkeypatch.setenv("RF_DB", str(db))
    at = run()
    assert any("Syntetiske data" in w.value for w in at.warning)
    assert "syntetiske data" in at.caption[-1].value


def test_region_filter_lives_in_the_url_and_changes_the_figures(app_env):
    national = metrics(run())
    # The URL carries the region's name (readable in a shared link); Midtjylland holds only
    # Aarhus (751) with the copies of C05 and C06.
    at = run({"region": "Region Midtjylland"})
    assert at.selectbox(key="region").value == "082"
    regional = metrics(at)
    [(active,)] = sql(app_env, "SELECT count(*) FROM fct_cases WHERE region_code = '082' AND "
                               "course_start_date <= '2019-06-30' AND (course_end_date IS NULL OR course_end_date >= '2017-07-01')")
    assert regional["Forløb i forsøgsperioden"] == f"{active:,}".replace(",", ".")
    assert regional != national
    assert any("Midtjylland" in h.value for h in at.subheader)

    # An unknown value in a link falls back to the whole country instead of failing.
    assert run({"region": "Atlantis"}).selectbox(key="region").value == "alle"
    # (That choosing a region writes it to the URL happens in the browser: tests/pages/test_browser.py.)


def test_tables_show_danish_numbers_and_hidden_cells(app_env):
    at = run()
    frames = [d.value for d in at.dataframe]
    by_year = next(f for f in frames if "År" in f.columns)
    assert "Nye ressourceforløb" in by_year.columns
    # 41 copies of two courses started in 2016 -> 82; Danish thousands separators would show at 1.000.
    row_2016 = by_year[by_year["År"] == "2016"].iloc[0]
    assert row_2016["Nye ressourceforløb"] == "82"
    comparison = next(f for f in frames if "Indlæste data" in f.columns)
    assert set(comparison["Indlæste data"]) >= {HIDDEN_MARK}
    assert comparison["Kilde"].str.len().min() > 10


def test_no_data_gives_a_clear_danish_message(tmp_path, monkeypatch):
    monkeypatch.setenv("RF_DB", str(tmp_path / "none.duckdb"))
    at = run()
    assert not at.exception
    assert "Der er ikke indlæst nogen data" in at.error[0].value


def test_every_table_offers_csv_and_xlsx_and_the_chart_png_and_svg(app_env):
    *_, at = every_part(run())  # the quarterly table's expander opened
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV til Excel") == 3 and labels.count("Excel (XLSX)") == 3
    assert labels.count("Figur (PNG)") == 1 and labels.count("Figur (SVG)") == 1
