"""The dashboard's database handles and cached analysis calls: one data version per script run."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from collections.abc import Callable
from typing import Any

# Imported before any page draws a chart: plotly's JSON encoder takes pandas from sys.modules without
# the import lock, and with several first visitors at once it got a half-imported module.
import pandas  # noqa: F401
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

import settings
from analysis.database import DatasetInfo, LiveDatabase, Snapshot

# The version this session's script run reads, bound by the app's entry at the start of each run.
_RUN_KEY = "_rf_run_version"


@st.cache_resource(show_spinner=False)
def _database(pointer: str) -> LiveDatabase:
    return LiveDatabase(Path(pointer))


def dataset(page: bool = True) -> DatasetInfo | None:
    """The data version this script run shows; None when no data is loaded.

    The app's entry (app.py, `page=False`, the first thing every run does) follows the pointer to
    the newest version and binds the run to it; the page it then runs gets that same version, so
    the footer, the figures and their cached results all come from one version even when a new
    one is published while the page renders. A page first makes sure it runs inside the
    navigation.
    """
    if page:
        use_navigation()
        bound = _bound()
        if bound is not None:
            return bound.info
    snapshot = _database(str(settings.db_path())).snapshot()
    if snapshot is not None:
        st.session_state[_RUN_KEY] = (str(settings.db_path()), snapshot)
    return None if snapshot is None else snapshot.info


def database() -> Snapshot:
    """The handle on the version this script run reads (see `dataset`)."""
    bound = _bound()
    if bound is not None:
        return bound
    snapshot = _database(str(settings.db_path())).snapshot()
    if snapshot is None:
        raise RuntimeError("ingen database er tilknyttet")
    return snapshot


def _bound() -> Snapshot | None:
    pointer, snapshot = st.session_state.get(_RUN_KEY, (None, None))
    return snapshot if pointer == str(settings.db_path()) else None


def use_navigation() -> None:
    """Run every page through app.py's navigation, never as a bare file of pages/.

    Streamlit starts out in its old multipage mode when a folder named pages/ exists, until a
    script calls st.navigation. A first visitor who opens a deep link such as /briefing would then
    get the bare page file, without page settings, banner or footer (and every visitor after
    them until someone opens the start page). Switch the old mode off and run again: app.py then
    runs and shows the page asked for. The mode is one flag for the whole server: when several
    first visitors arrive at once, the others' runs are already bare when the first switches it
    off, so a run checks its own navigation too (the old mode lists app.py itself as a page).
    """
    if PagesManager.uses_pages_directory or _bare_run():
        PagesManager.uses_pages_directory = False
        st.rerun()


def _bare_run() -> bool:
    """This run's navigation is the old mode's list of files (app.py among the pages)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    main = Path(ctx.pages_manager.main_script_path).resolve()
    return any(Path(page.get("script_path", "")).resolve() == main for page in ctx.pages_manager.get_pages().values())


# The handle is not part of the key (a leading underscore): the key's version is the handle's.
@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _call(module: str, name: str, pointer: str, version: int, args: tuple, _db: Snapshot) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(_db, *args)


def cached(function: Callable, *args) -> Any:
    """An analysis function's result for scalar arguments, cached per data version and computed
    on this run's version from its first query to its last."""
    db = database()
    return _call(function.__module__, function.__qualname__, str(settings.db_path()), db.version, args, db)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _chart(builder: tuple[str, str], calls: tuple, pointer: str, version: int, options: tuple, _db: Snapshot) -> Any:
    build = getattr(importlib.import_module(builder[0]), builder[1])
    results = [getattr(importlib.import_module(m), n)(_db, *args) for m, n, args in calls]
    chart = build(*results, *options)
    # A plain dict: Streamlit draws it as is, and unpickling it does not re-validate a Figure.
    return replace(chart, figure=chart.figure.to_dict())


def cached_chart(builder: Callable, *calls: tuple, options: tuple = ()) -> Any:
    """A ui.charts figure built from analysis results, `(function, *args)` each, and plain
    `options` after them (a threshold, a title), cached per version and built on this run's."""
    db = database()
    keys = tuple((f.__module__, f.__qualname__, tuple(args)) for f, *args in calls)
    return _chart((builder.__module__, builder.__qualname__), keys, str(settings.db_path()), db.version, options, db)


def pinned(version: int) -> Snapshot | None:
    """A handle that stays on one data version (a briefing made again as briefed); None when gone."""
    return _database(str(settings.db_path())).at(version)
