"""A database big enough that most overview figures are shown, and the app pointed at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.load import load
from tests.fixtures import CASES, write_dataset

COPIES = 40  # the tiny dataset's cases repeated: 8 * 41 = 328 cases


@pytest.fixture(scope="session")
def page_db(tmp_path_factory) -> Path:
    """A published database of the tiny dataset with its cases repeated under new ids."""
    folder = write_dataset(tmp_path_factory.mktemp("pages") / "in")
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        for i in range(COPIES):
            for row in CASES:
                f.write(",".join([f"X{i:04d}{row[0]}", *row[1:]]) + "\n")
    db = folder.parent / "rf.duckdb"
    load([folder], db)
    return db


@pytest.fixture
def app_env(page_db: Path, monkeypatch) -> Path:
    """Point the dashboard at the page database."""
    monkeypatch.setenv("RF_DB", str(page_db))
    return page_db



@pytest.fixture(autouse=True)
def app_navigation(monkeypatch):
    """Run pages inside app.py's navigation, as a served app does once app.py has run.

    AppTest starts every run afresh in Streamlit's old multipage mode (a pages/ folder exists),
    where a page file runs bare; the app's own guard (ui.session.use_navigation) would then rerun
    and lose a button's click. The first-visitor case itself is tested in a real browser
    (test_browser.py).
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
