"""The briefing page: a briefing is made as Word and PDF, recorded with its data version and link,
made again from that record as it was, and the figures that moved since are named."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import docx
import pytest
from streamlit.testing.v1 import AppTest


import settings
from analysis.database import LiveDatabase
from etl.generate import generate
from etl.load import load
from ui import briefing, briefings, views
from ui.briefing_document import docx_bytes
from tests.pages.runner import open_page

K = settings.K_ANONYMITY
PUBLIC = {"pool_municipalities"}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory) -> Path:
    """Version 1 and a later version 2 of small synthetic data (another seed: figures move)."""
    base = tmp_path_factory.mktemp("briefing")
    db = base / "rf.duckdb"
    for seed in (1, 2):
        folder = base / f"in{seed}"
        generate(folder, scale=0.05, seed=seed)
        load([folder], db)
    return db


def _page(db: Path, monkeypatch, params: dict | None = None) -> AppTest:
    return open_page(db, monkeypatch, "briefing.py", params)


def _make(at: AppTest) -> tuple[str, dict]:
    at.button[0].click().run()
    assert not at.exception, at.exception
    link = at.code[0].value
    params = dict(parse_qsl(urlsplit(link).query))
    return link, params


def test_a_briefing_is_made_recorded_and_offered_as_word_and_pdf(two_versions, monkeypatch):
    at = _page(two_versions, monkeypatch, {"fra": "2016K1", "til": "2019K4", "region": "Region Midtjylland"})
    link, params = _make(at)
    assert [b.label for b in at.get("download_button")][-2:] == ["Hent briefing (Word)", "Hent briefing (PDF)"]
    assert params["fra"] == "2016K1" and params["til"] == "2019K4" and params["region"] == "Region Midtjylland"
    record = briefings.load(params["briefing"], briefings.directory())
    assert record is not None and record.version == 2 and record.link == link
    themes = {f.theme for f in record.figures}
    assert themes == {"Overblik", "Forsøget med sundhedskoordinatoren", "Sagsbehandlingstider",
                      "Puljen Bedre ressourceforløb"}
    # The key messages the document leads with are on the page before it is made.
    assert "Hovedbudskaber" in [h.value for h in at.subheader]
    shown = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert 3 <= len(shown) <= 6
    assert any("Region Midtjylland" in m and "Forsøget med sundhedskoordinatoren" in m for m in shown)


def test_the_link_remakes_the_briefing_on_its_version_and_names_what_moved(two_versions, monkeypatch, tmp_path):
    # A briefing made on version 1 (pinned, as if made before version 2 was loaded).
    monkeypatch.setenv("RF_DB", str(two_versions))
    then = LiveDatabase(two_versions, pin=1)
    info = then.refresh()
    params = [["fra", "2017K1"], ["til", "2019K4"]]
    made_at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    briefing_id = briefings.new_id(1, params, made_at)
    view = views.View("briefing", tuple(map(tuple, [*params, ["briefing", briefing_id]])), (("Periode", "2017K1–2019K4"),))
    first = briefing.assemble(then, datetime(2017, 1, 1).date(), datetime(2019, 12, 31).date(), None, view, made_at)
    briefings.save(briefings.Record(briefing_id, made_at.isoformat(), 1, params, view.link(), first.figures))
    assert info.version == 1

    at = _page(two_versions, monkeypatch, {"fra": "2017K1", "til": "2019K4", "briefing": briefing_id})
    assert "dataversion 1" in at.info[0].value and "dataversion 2" in at.info[0].value
    moved = [w.value for w in at.warning if "flyttet sig" in w.value]
    assert moved, "version 2 comes from another seed: some headline figures must have moved"
    # Every line names a figure of the briefing with its value then and now.
    labels = {f.label for f in first.figures}
    for line in re.findall(r"\*\*(.+?)\*\*: (.+?) → (.+)", moved[0]):
        assert line[0] in labels and line[1] != line[2]

    # Made again from the link: on version 1, with the same figures as briefed.
    _, again = _make(at)
    remade = briefings.load(again["briefing"], briefings.directory())
    assert remade.version == 1
    assert remade.figure_texts() == {
        f.figure_id: f.text for f in first.figures}


def test_the_document_carries_the_figures_the_record_and_no_small_counts(two_versions):
    db = LiveDatabase(two_versions)
    made_at = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    view = views.View("briefing", (("region", "Region Nordjylland"),), (("Område", "Region Nordjylland"),))
    contents = briefing.assemble(db, datetime(2013, 1, 1).date(), datetime(2024, 12, 31).date(), "081", view, made_at)
    document = docx.Document(io.BytesIO(docx_bytes(contents.document)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    for figure in contents.figures:
        shown = figure.text.partition(" (95 %: ")[0]
        assert shown in cells, f"{figure.label}: {shown} not in the document"
        # Counts of persons are never 1..k-1 (amounts in kroner and statistics are not counts;
        # municipalities with a grant are public decisions, docs/disclosure.md section 4).
        if re.fullmatch(r"\d{1,3}(\.\d{3})*", shown) and figure.figure_id not in PUBLIC:
            assert not 1 <= int(shown.replace(".", "")) < K, figure
    record = json.loads(document.core_properties.comments)
    assert record["version"] == contents.document.version
