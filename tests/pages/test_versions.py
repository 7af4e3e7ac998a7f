"""One data version per computation: a computation started on version N reads N to its end even
when N+1 is published meanwhile and another session follows the pointer, and its result is cached
under N; a handle on an old version keeps reading it after its host is retired."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import overview
from analysis.database import LiveDatabase
from etl.load import load
from etl.publish import Store
from tests.fixtures import CASES, write_dataset

CALLS: list[int] = []  # the version each real (not cached) run of the probe started on


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory) -> Path:
    """Version 1 (the tiny dataset) and version 2 (its cases repeated: other key figures), with
    the pointer back on version 1 as before version 2 was published."""
    base = tmp_path_factory.mktemp("versions")
    db = base / "rf.duckdb"
    load([write_dataset(base / "small")], db)
    bigger = write_dataset(base / "bigger")
    with open(bigger / "cases.csv", "a", encoding="utf-8") as f:
        for i in range(2):
            for row in CASES:
                f.write(",".join([f"X{i:04d}{row[0]}", *row[1:]]) + "\n")
    load([bigger], db)
    point(db, 1)
    return db


def point(db: Path, version: int) -> None:
    """Switch the pointer to version N: the atomic last step of a publish (etl.publish.Store)."""
    link = db.with_name(f".{db.name}.test.tmp")
    os.symlink(os.path.relpath(Store(db).version_path(version), db.parent), link)
    os.replace(link, db)


def reads_across_a_publish(db, pointer: str):
    """An analysis computation during which version 2 is published and another session's visit
    follows the pointer (as app.py does at the start of every run)."""
    from ui import session

    started = db.query("SELECT version FROM meta_dataset")["version"][0]
    CALLS.append(started)
    point(Path(pointer), 2)
    session._database(pointer).refresh()
    figures = overview.key_figures(db, None)
    ended = db.query("SELECT version FROM meta_dataset")["version"][0]
    return started, figures, ended


def _script():
    import streamlit as st

    import settings
    from tests.pages.test_versions import reads_across_a_publish
    from ui import session

    info = session.dataset(page=False)
    st.session_state["shown"] = info.version
    st.session_state["result"] = session.cached(reads_across_a_publish, str(settings.db_path()))
    st.session_state["run_version"] = session.database().version


def _run(db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("RF_DB", str(db))
    at = AppTest.from_function(_script, default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def test_a_computation_reads_one_version_and_is_cached_under_it(two_versions, monkeypatch):
    truth = {v: overview.key_figures(LiveDatabase(two_versions, pin=v), None) for v in (1, 2)}
    assert truth[1] != truth[2], "the two versions must differ in their key figures"
    CALLS.clear()

    # Started on version 1; version 2 is published and followed by another session midway.
    at = _run(two_versions, monkeypatch)
    assert Store(two_versions).current()[0] == 2
    started, figures, ended = at.session_state["result"]
    assert (started, ended) == (1, 1) and figures == truth[1]
    assert at.session_state["shown"] == at.session_state["run_version"] == 1

    # The next visit shows version 2, computed afresh on version 2.
    at = _run(two_versions, monkeypatch)
    started, figures, ended = at.session_state["result"]
    assert (started, ended) == (2, 2) and figures == truth[2] and CALLS == [1, 2]
    assert at.session_state["shown"] == 2

    # Back on version 1 (as if a load were undone): the cached result of version 1, unchanged.
    point(two_versions, 1)
    at = _run(two_versions, monkeypatch)
    started, figures, ended = at.session_state["result"]
    assert (started, ended) == (1, 1) and figures == truth[1] and CALLS == [1, 2]
    point(two_versions, 2)


def test_a_handle_keeps_its_version_after_newer_ones_retire_its_host(two_versions, monkeypatch):
    point(two_versions, 1)
    live = LiveDatabase(two_versions)
    monkeypatch.setattr(live, "KEEP_HOSTS", 1)
    old = live.snapshot()
    figures = overview.key_figures(old, None)
    point(two_versions, 2)
    assert live.refresh().version == 2  # version 1's host retired and, idle, closed
    assert old.version == 1 and old.refresh().version == 1
    assert overview.key_figures(old, None) == figures  # attached again, still version 1
    assert live.query("SELECT version FROM meta_dataset")["version"][0] == 2
    # A pinned handle on a version whose file is gone: None, not an error.
    assert live.at(9) is None
