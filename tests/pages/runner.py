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


def every_part(at):
    """The page run again for each part a visitor can open, yielded after each run: every expander
    opened (nested ones too), then each further tab of a tab set. The pages send a closed
    expander's content and a tab's chart only once they are opened (ui.widgets.unfolded)."""
    yield at
    opened: set[str] = set()
    while closed := [e.key for e in at.expander if e.key and e.key not in opened]:
        for key in closed:
            at.session_state[key] = True
            opened.add(key)
        at.run()
        assert not at.exception, at.exception
    yield at
    labels = [tab.label for tab in at.tabs]
    for key in list(at.session_state.keys()):
        try:
            shown = at.session_state[key]
        except KeyError:  # a widget of an earlier run
            continue
        if not (isinstance(shown, str) and shown in labels):
            continue  # not a tab set's choice
        for label in labels:
            if label != shown:
                at.session_state[key] = label
                at.run()
                assert not at.exception, at.exception
                yield at


def query(db: Path, sql: str) -> list[tuple]:
    """An independent read of what was published (not through the app's code): the served file,
    with the load's database behind it for case-level truth."""
    from tests.fixtures import open_published

    con = open_published(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
