"""A briefing record that was damaged or edited is refused with a Danish message that quotes
nothing from it; a sound record, also one written before records had a layout number, reads back."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import pytest

from ui import briefings
from ui.briefings import BriefedFigure, CorruptRecord, Record

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
PARAMS = [["fra", "2017K3"], ["region", "Region Sjælland"]]
ID = briefings.new_id(3, PARAMS, WHEN)
RECORD = Record(ID, WHEN.isoformat(), 3, [*PARAMS, ["briefing", ID]], f"http://x/briefing?fra=2017K3&briefing={ID}",
                [BriefedFigure("pilot_requests", "Forsøget", "Anmodninger", "78")])


def _stored(tmp_path) -> dict:
    briefings.save(RECORD, tmp_path)
    return json.loads((tmp_path / f"{ID}.json").read_text(encoding="utf-8"))


def _write(tmp_path, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    (tmp_path / f"{ID}.json").write_text(text, encoding="utf-8")


def test_a_saved_record_carries_its_layout_and_checksum_and_reads_back(tmp_path):
    stored = _stored(tmp_path)
    assert stored["format"] == briefings.FORMAT and len(stored["digest"]) == 64
    assert briefings.load(ID, tmp_path) == RECORD


def test_a_record_from_before_the_layout_number_still_reads(tmp_path):
    _write(tmp_path, asdict(RECORD))
    assert briefings.load(ID, tmp_path) == RECORD


def _edit(change):
    def edited(stored):
        change(stored)
        return stored
    return edited


CORRUPT = {
    "not json": lambda s: '{"briefing_id": "' + ID + '", ',
    "not an object": lambda s: [1, 2, 3],
    "unknown layout": _edit(lambda s: s.update(format=99)),
    "layout as text": _edit(lambda s: s.update(format="1")),
    "version as text": _edit(lambda s: s.update(version="3")),
    "version as float": _edit(lambda s: s.update(version=3.0)),
    "figures not a list": _edit(lambda s: s.update(figures={"a": 1})),
    "figure with markup": _edit(lambda s: s["figures"][0].update(label=["![x](https://evil.example/p.png)"])),
    "extra field": _edit(lambda s: s.update(extra="x")),
    "missing field": _edit(lambda s: s.pop("link")),
    "time without zone": _edit(lambda s: s.update(generated_at="2026-11-23T10:00:00")),
    "time not a time": _edit(lambda s: s.update(generated_at="i går")),
    "another version": _edit(lambda s: s.update(version=2)),
    "another view": _edit(lambda s: s["params"].__setitem__(1, ["region", "Region Hovedstaden"])),
    "edited figure": _edit(lambda s: s["figures"][0].update(text="![x](https://evil.example/p.png)")),
    "edited link": _edit(lambda s: s.update(link="https://evil.example")),
    "checksum removed": _edit(lambda s: s.pop("digest")),
    "another id inside": _edit(lambda s: s.update(briefing_id="0" * 12)),
}


@pytest.mark.parametrize("damage", CORRUPT, ids=list(CORRUPT))
def test_a_damaged_or_edited_record_is_refused_in_danish(tmp_path, damage):
    _write(tmp_path, CORRUPT[damage](_stored(tmp_path)))
    with pytest.raises(CorruptRecord) as refused:
        briefings.load(ID, tmp_path)
    message = str(refused.value)
    assert message.startswith(f"Briefingen «{ID}» kan ikke genskabes") and "dan en ny briefing" in message
    assert "evil" not in message and "Hovedstaden" not in message


def test_a_file_too_large_to_be_a_record_is_refused(tmp_path):
    _write(tmp_path, " " * (briefings.MAX_BYTES + 1))
    with pytest.raises(CorruptRecord):
        briefings.load(ID, tmp_path)
