"""The dashboard's shared database handle and cached analysis calls."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

import settings
from analysis.database import DatasetInfo, LiveDatabase


@st.cache_resource(show_spinner=False)
def _database(pointer: str) -> LiveDatabase:
    return LiveDatabase(Path(pointer))


def database() -> LiveDatabase:
    """The live database of the configured pointer (one per process)."""
    return _database(str(settings.db_path()))


def dataset(page: bool = True) -> DatasetInfo | None:
    """Follow the pointer to the newest version; None when no data is loaded. A page (not app.py,
    which sets up the navigation itself) first makes sure it runs inside the navigation."""
    if page:
        use_navigation()
    return database().refresh()


def use_navigation() -> None:
    """Run every page through app.py's navigation, never as a bare file of pages/.

    Streamlit starts out in its old multipage mode when a folder named pages/ exists, until a
    script calls st.navigation. A first visitor who opens a deep link such as /briefing would then
    get the bare page file, without page settings, banner or footer (and every visitor after
    them until someone opens the start page). Switch the old mode off and run again: app.py then
    runs and shows the page asked for.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _call(module: str, name: str, pointer: str, version: int, args: tuple) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(_database(pointer), *args)


def cached(function: Callable, *args) -> Any:
    """An analysis function's result for scalar arguments, cached per data version."""
    db = database()
    info = db.refresh()
    return _call(function.__module__, function.__qualname__, str(settings.db_path()), info.version, args)


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _chart(builder: tuple[str, str], calls: tuple, pointer: str, version: int, options: tuple = ()) -> Any:
    build = getattr(importlib.import_module(builder[0]), builder[1])
    results = [getattr(importlib.import_module(m), n)(_database(pointer), *args) for m, n, args in calls]
    chart = build(*results, *options)
    # A plain dict: Streamlit draws it as is, and unpickling it does not re-validate a Figure.
    return replace(chart, figure=chart.figure.to_dict())


def cached_chart(builder: Callable, *calls: tuple, options: tuple = ()) -> Any:
    """A ui.charts figure built from analysis results, `(function, *args)` each, and plain
    `options` after them (a threshold, a title), cached per version."""
    info = database().refresh()
    keys = tuple((f.__module__, f.__qualname__, tuple(args)) for f, *args in calls)
    return _chart((builder.__module__, builder.__qualname__), keys, str(settings.db_path()), info.version, options)


@st.cache_resource(show_spinner=False, max_entries=8)
def _pinned(pointer: str, version: int) -> LiveDatabase:
    return LiveDatabase(Path(pointer), pin=version)


def pinned(version: int) -> LiveDatabase | None:
    """A handle that stays on one data version (a briefing made again as briefed); None when gone."""
    db = _pinned(str(settings.db_path()), version)
    return db if db.refresh() is not None else None
