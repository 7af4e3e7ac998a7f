"""The app pointed at the page database (tests/conftest.py: page_db)."""

from __future__ import annotations

from pathlib import Path

import pytest


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
