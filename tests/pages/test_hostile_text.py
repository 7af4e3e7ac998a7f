"""Hostile text on the pages: project titles and URL values that hold Markdown, HTML, LaTeX or
formulas are shown as typed, rejected URL values never reach a download's link, and a damaged
briefing record gets a Danish message and nothing from it."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from etl.load import load
from tests.fixtures import GRANTS, GRANT_COLUMNS, write_dataset
from tests.pages.runner import open_page
from ui import briefings
from ui.plain import shown

MARKUP = "![x](https://evil.example/p.png) [klik](https://evil.example) :red[rød] $x$ <b>fed</b> :material/home:"
FORMULA = '=HYPERLINK("https://evil.example";"klik")'
# What a Markdown element would render if the text were not escaped.
RENDERED = ("](https", "[klik]", ":red[", "$x$", "<b>", ":material/")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """The tiny dataset with hostile project titles: G2 (no spending reported, so named in the
    price's basis) holds Markdown, G1 a spreadsheet formula. Grants are public: shown at any size."""
    grants = [[*g] for g in GRANTS]
    grants[0][3], grants[1][3] = FORMULA, MARKUP
    folder = write_dataset(tmp_path_factory.mktemp("hostile") / "in", {"pool_grants": (GRANT_COLUMNS, grants)})
    db = folder.parent / "rf.duckdb"
    load([folder], db)
    return db


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """The downloads a page offers, by file name: made when asked, as a click would."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = {}
    original = MediaFileManager.add_deferred

    def add(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    return made


def _texts(at) -> list[str]:
    """Every Markdown element's source on the page."""
    kinds = ("title", "subheader", "caption", "markdown", "info", "warning", "error", "success")
    return [e.value for kind in kinds for e in at.get(kind)] + [m.label for m in at.metric]


def _unescaped(texts: list[str]) -> list[str]:
    """The Markup a Markdown source still holds: escaped characters (a backslash before one) blanked."""
    return [bit for t in texts for bit in RENDERED if bit in re.sub(r"\\[!-/:-@\[-`{-~]", "#", t)]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def _link(data: bytes) -> dict:
    [line] = [r[0] for r in _csv(data) if r and r[0].startswith("Link til visningen: ")]
    return dict(parse_qsl(urlsplit(line.removeprefix("Link til visningen: ")).query))


def test_project_titles_are_shown_as_typed_and_downloaded_as_text(hostile_db, monkeypatch, downloads):
    at = open_page(hostile_db, monkeypatch, "pool.py")
    texts = _texts(at)
    assert any(MARKUP in shown(t) for t in texts)  # the price's basis names the project, as typed
    assert _unescaped(texts) == []
    grants = next(f.value for f in at.dataframe if "Projekt" in f.value.columns)
    assert set(grants["Projekt"]) == {FORMULA, MARKUP}
    rows = _csv(downloads[next(n for n in downloads if n.startswith("puljen_bevillinger") and n.endswith(".csv"))]())
    titles = {r[rows[0].index("Projekt")] for r in rows[1:3]}
    assert titles == {"'" + FORMULA, MARKUP}


def test_values_of_an_old_link_are_quoted_as_typed(app_env, monkeypatch):
    params = {"fra": "2016K2", "til": ":red[$x$]", "kommune": ["[klik](https://evil.example)", "<b>Aarhus</b>"]}
    at = open_page(app_env, monkeypatch, "processing.py", params)
    said = [shown(i.value) for i in at.info]
    assert any("Linket bad om perioden 2016K2–:red[$x$]" in s for s in said)
    assert any("[klik](https://evil.example), <b>Aarhus</b>" in s for s in said)
    assert _unescaped(_texts(at)) == []


def test_rejected_url_values_never_reach_a_download(app_env, monkeypatch, downloads):
    params = {"maal": "[klik](https://evil.example)", "foer_efter": "=1+1", "uger": "99 uger", "ukendt": "x"}
    at = open_page(app_env, monkeypatch, "processing.py", params)
    link = _link(downloads[next(n for n in downloads if n.endswith(".csv"))]())
    assert set(link) == {"periode", "uger", "fase"} and link["uger"] == "13 uger"
    downloads.clear()
    accepted = {"maal": "Andel over grænsen", "foer_efter": at.selectbox(key="foer_efter").format_func(
        at.selectbox(key="foer_efter").value)}
    open_page(app_env, monkeypatch, "processing.py", accepted)
    link = _link(downloads[next(n for n in downloads if n.endswith(".csv"))]())
    assert link["maal"] == accepted["maal"] and link["foer_efter"] == accepted["foer_efter"]


def test_a_briefing_asked_for_by_a_crafted_link_is_named_as_typed(app_env, monkeypatch):
    at = open_page(app_env, monkeypatch, "briefing.py", {"briefing": MARKUP})
    assert f"Briefingen «{MARKUP}» findes ikke i registret" in shown(at.warning[0].value)
    assert _unescaped(_texts(at)) == []


def test_a_damaged_briefing_record_gets_a_danish_message_and_nothing_from_it(app_env, monkeypatch):
    briefing_id = "abcdef012345"
    folder = briefings.directory()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{briefing_id}.json").write_text(json.dumps({
        "briefing_id": briefing_id, "generated_at": "2026-01-05T09:00:00+00:00", "version": 1,
        "params": [["fra", "2016K1"]], "link": "https://evil.example",
        "figures": [{"figure_id": "x", "theme": "Overblik", "label": MARKUP, "text": "1"}]}), encoding="utf-8")
    at = open_page(app_env, monkeypatch, "briefing.py", {"briefing": briefing_id})
    [error] = at.error
    assert shown(error.value).startswith(f"Briefingen «{briefing_id}» kan ikke genskabes")
    assert "Intet fra den vises" in shown(error.value)
    everything = " ".join(shown(t) for t in _texts(at))
    assert "evil" not in everything and "dataversion 1" not in everything and not at.info
