"""A page's view: its filters as the URL carries them and in Danish, and the link that reopens it."""

from __future__ import annotations

from dataclasses import dataclass
import re
from urllib.parse import urlencode, urlsplit

import streamlit as st

LOCAL_BASE = "http://localhost:8501/"  # when the browser has not told us where the app lives
# The pages' url paths (app.py names them): st.context.url ends with the page being shown.
PAGE_PATHS = ("overview", "pilot", "processing", "pool", "briefing")
# Parameters of the pilot's links made before the release (free ranges, municipality sets).
LEGACY_KEYS = ("fra", "til", "kommune", "koen", "alder", "afgoerelse")
_PLAIN_PATH = re.compile(r"/(?:[A-Za-z0-9._~-]+/)*")  # a reverse proxy's prefix, such as /rf/


@dataclass(frozen=True)
class View:
    """What a user is looking at: the page, its query parameters and its filters in words."""

    page: str  # the page's url path, e.g. "processing" ("" for the start page)
    params: tuple[tuple[str, str], ...] = ()  # as the URL carries them; a list repeats its key
    filters: tuple[tuple[str, str], ...] = ()  # Danish label and the choice as shown

    def query(self) -> str:
        """The query string (without '?'), Danish letters percent-encoded."""
        return urlencode(self.params)

    def link(self, base: str | None = None) -> str:
        """The address that reopens this view."""
        root = (base or app_base()).split("?")[0].rstrip("/")
        path = f"{root}/{self.page}" if self.page else f"{root}/"
        return f"{path}?{self.query()}" if self.params else path

    def filter_text(self) -> str:
        """The filters as one Danish line ('Periode: 2017K3–2019K2 · Område: Hele landet')."""
        return " · ".join(f"{label}: {value}" for label, value in self.filters)


def view(page: str, params: dict[str, str | list[str] | None], filters: dict[str, str]) -> View:
    """A view from the page's chosen parameters (None and empty lists are left out of the URL)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if isinstance(value, list):
            pairs.extend((key, str(v)) for v in value)
        elif value is not None:
            pairs.append((key, str(value)))
    return View(page, tuple(pairs), tuple(filters.items()))


def accepted(query_params, key: str, choices) -> str | None:
    """The URL's value for `key` when it is one of the labels the page offers, else None: a link
    is made only of values the page accepted, never of what an address happened to carry."""
    value = query_params.get(key)
    return value if value in set(choices) else None


def app_base() -> str:
    """The app's address as the user's browser sees it, without page or query."""
    try:
        url = st.context.url
    except Exception:  # outside a running app (tests, the briefing builder in a script)
        url = None
    return strip_page(url or LOCAL_BASE)


def strip_page(url: str) -> str:
    """The app's root from a page's address ('http://h/app/pool' -> 'http://h/app/').

    A root path of anything but plain path characters is not the app's (an address made up to
    carry text into the links of downloads): the host's root is used instead.
    """
    root = url.split("?")[0].split("#")[0].rstrip("/")
    head, _, last = root.rpartition("/")
    root = head if last in PAGE_PATHS else root
    parts = urlsplit(root + "/")
    if parts.scheme not in ("http", "https") or not _PLAIN_PATH.fullmatch(parts.path):
        return f"{parts.scheme if parts.scheme in ('http', 'https') else 'http'}://{parts.netloc or 'localhost:8501'}/"
    return root + "/"


def upgrade_link(query_params, translate, labels: dict) -> list[str]:
    """Open a link made before the release on the nearest released view.

    `translate(old)` gets the link's old parameters and returns the widget values to set (key ->
    value) and Danish notes on what changed; `labels` gives each widget's format function (key ->
    value -> the label the widget shows). The old keys are taken out of the address and the values
    set before the widgets are drawn, so the widgets show the released view. The address gets the
    labels too: Streamlit writes a widget's value set in code into the address only when the
    widget was drawn in an earlier run, and a reload or a copied address must open the same view.
    """
    old = {key: query_params.get_all(key) for key in LEGACY_KEYS if key in query_params}
    if not old:
        return []
    values, notes = translate({k: v if len(v) > 1 else v[0] for k, v in old.items()})
    for key in old:
        del query_params[key]
    for key, value in values.items():
        st.session_state[key] = value
        query_params[key] = labels[key](value)
    return notes
