"""The register of generated briefings: what was briefed, on which data version, and the link back."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import settings

ID_LENGTH = 12


@dataclass(frozen=True)
class BriefedFigure:
    """One headline figure as it stood in the briefing (already disclosure-controlled)."""

    figure_id: str
    theme: str
    label: str
    text: str  # as printed: '1.234', '..', '–', '45,2 %'


@dataclass(frozen=True)
class Record:
    """A generated briefing: enough to regenerate it and to say what has moved since."""

    briefing_id: str
    generated_at: str  # ISO 8601 with offset
    version: int
    params: list[list[str]]  # the view's query parameters, in order
    link: str
    figures: list[BriefedFigure]

    def figure_texts(self) -> dict[str, str]:
        """Figure id -> printed text."""
        return {f.figure_id: f.text for f in self.figures}


def directory() -> Path:
    """Where records are kept: beside the database's versions, so they travel with the data."""
    pointer = settings.db_path().absolute()
    return pointer.with_name(pointer.stem + ".briefings")


def new_id(version: int, params: list[list[str]], generated_at: datetime) -> str:
    """A short id from what the briefing is made of and when."""
    key = json.dumps([version, params, generated_at.isoformat()], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:ID_LENGTH]


def save(record: Record, folder: Path | None = None) -> Path:
    """Write the record atomically (a reader never sees half a file)."""
    folder = folder or directory()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record.briefing_id}.json"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as f:
        json.dump(asdict(record), f, ensure_ascii=False, indent=1)
        temporary = Path(f.name)
    os.replace(temporary, target)
    return target


def load(briefing_id: str, folder: Path | None = None) -> Record | None:
    """The record with this id, or None when there is none (or the id is not one of ours)."""
    if len(briefing_id) != ID_LENGTH or not all(c in "0123456789abcdef" for c in briefing_id):
        return None
    path = (folder or directory()) / f"{briefing_id}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return Record(**{**data, "figures": [BriefedFigure(**f) for f in data["figures"]]})


@dataclass(frozen=True)
class Moved:
    """A headline figure whose printed value differs between the briefing and now."""

    label: str
    then: str
    now: str


def moved(record: Record, now: list[BriefedFigure]) -> list[Moved]:
    """The figures whose printed value changed (figures new or gone are listed too)."""
    then = record.figure_texts()
    current = {f.figure_id: f for f in now}
    changes = [Moved(f.label, f.text, current[f.figure_id].text if f.figure_id in current else "(findes ikke nu)")
               for f in record.figures if then[f.figure_id] != (current[f.figure_id].text if f.figure_id in current else None)]
    changes += [Moved(f.label, "(fandtes ikke)", f.text) for f in now if f.figure_id not in then]
    return changes
