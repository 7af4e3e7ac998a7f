"""Running a page headless and reading the database independently, for the page tests."""

from __future__ import annotations

from pathlib import Path


def open_page(db: Path, monkeypatch, page: str, params: dict | None = None):
    """Run one page of the app on `db` headless, with query parameters as a link would carry them."""
    monkeypatch.setenv("RF_DB", str(db))
    return run_page(page, params or {})


def run_page(page: str, params: dict):
    """Run one page of the app on the database RF_DB names, with these query parameters."""
    from streamlit.testing.v1 import AppTest

    import settings

    at = AppTest.from_file(str(settings.ROOT / "app.py"), default_timeout=240)
    for key, value in params.items():
        at.query_params[key] = value
    # Straight to the page, as a visitor following a link (the page's url path is its file name).
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    return at


def query(db: Path, sql: str) -> list[tuple]:
    """An independent read of what was published (not through the app's code): the served file,
    with the load's database behind it for case-level truth."""
    from tests.fixtures import open_published

    con = open_published(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
