"""The overview and the pilot page read nothing but the release: on a copy of the published file
with every case-level table and mart dropped, they show exactly what they show on the full file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.load import load
from etl.publish import Store
from tests.fixtures import write_dataset
from tests.pilot_fixture import write_pilot_dataset
from tests.pages.runner import run_page


def _release_only(pointer: Path, target: Path) -> Path:
    """A pointer to a copy of the current version holding only the release and its metadata."""
    _, path = Store(pointer).current()
    versions = target.with_name(target.stem + ".versions")
    versions.mkdir(parents=True)
    copy = versions / "v0001.duckdb"
    shutil.copy(path, copy)
    con = duckdb.connect(str(copy))
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
                  if not t.startswith(("rel_", "meta_"))]
        assert {"fct_cases", "fct_pilot_requests"} <= set(tables)
        for table in tables:
            con.execute(f"DROP TABLE {table}")
    finally:
        con.close()
    os.symlink(os.path.relpath(copy, target.parent), target)
    return target


@pytest.mark.parametrize("dataset,page,params", [
    (write_dataset, "overview.py", {}),
    (write_pilot_dataset, "overview.py", {"region": "Region Hovedstaden"}),
    (write_pilot_dataset, "pilot.py", {}),
    (write_dataset, "pilot.py", {"periode": "2018", "gruppe": "Kvinder"}),
], ids=["overview", "overview-region", "pilot", "pilot-view"])
def test_pages_show_the_same_from_the_release_alone(tmp_path, monkeypatch, dataset, page, params):
    full = tmp_path / "full" / "rf.duckdb"
    full.parent.mkdir()
    load([dataset(tmp_path / "in")], full)
    alone = _release_only(full, tmp_path / "alone" / "rf.duckdb")
    shown = {}
    for name, pointer in (("full", full), ("alone", alone)):
        monkeypatch.setenv("RF_DB", str(pointer))
        at = run_page(page, params)
        shown[name] = ([(m.label, m.value) for m in at.metric], [f.value.to_dict("records") for f in at.dataframe])
    assert shown["alone"] == shown["full"]
    assert shown["full"][0], "the page should show key figures"
