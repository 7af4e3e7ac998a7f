"""The overview and the pilot page read nothing but the release: the served file holds no
case-level table or mart, and the pages show their figures from it."""

from __future__ import annotations

import duckdb
import pytest

from etl.load import load
from etl.publish import Store
from tests.fixtures import write_dataset
from tests.pilot_fixture import write_pilot_dataset
from tests.pages.runner import run_page


@pytest.mark.parametrize("dataset,page,params", [
    (write_dataset, "overview.py", {}),
    (write_pilot_dataset, "overview.py", {"region": "Region Hovedstaden"}),
    (write_pilot_dataset, "pilot.py", {}),
    (write_dataset, "pilot.py", {"periode": "2018", "gruppe": "Kvinder"}),
], ids=["overview", "overview-region", "pilot", "pilot-view"])
def test_pages_show_their_figures_from_the_release_alone(tmp_path, monkeypatch, dataset, page, params):
    db = tmp_path / "rf.duckdb"
    load([dataset(tmp_path / "in")], db)
    con = duckdb.connect(str(Store(db).current()[1]), read_only=True)
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "rel_cells" in tables and not [t for t in tables if t.startswith(("fct_", "agg_", "stg_"))]
    monkeypatch.setenv("RF_DB", str(db))
    at = run_page(page, params)
    assert [m.value for m in at.metric], "the page should show key figures"
    assert at.dataframe, "the page should show its tables"
