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
FORMAT = 1  # the record's layout; a record of another layout is refused, not guessed at
FIGURE_FIELDS = ("figure_id", "theme", "label", "text")
MAX_BYTES = 1_000_000  # a record is a few kB; a larger file is not one of ours


class CorruptRecord(ValueError):
    """A record that cannot be trusted (unreadable, not the layout it should have, or changed
    since it was written); the message is Danish and quotes nothing from the record."""

    def __init__(self, briefing_id: str, reason: str):
        super().__init__(
            f"Briefingen «{briefing_id}» kan ikke genskabes: registrets oplysninger om den er beskadiget eller "
            f"ændret ({reason}). Intet fra den vises. Vælg periode og område, og dan en ny briefing.")
        self.reason = reason


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


def digest(fields: dict) -> str:
    """A checksum of a record's fields: a file edited or damaged since it was written is noticed
    (anyone who may write the register could compute it again: it is a check, not a seal)."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save(record: Record, folder: Path | None = None) -> Path:
    """Write the record atomically (a reader never sees half a file), with its layout and checksum."""
    folder = folder or directory()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record.briefing_id}.json"
    fields = asdict(record)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as f:
        json.dump({"format": FORMAT, **fields, "digest": digest(fields)}, f, ensure_ascii=False, indent=1)
        temporary = Path(f.name)
    os.replace(temporary, target)
    return target


def load(briefing_id: str, folder: Path | None = None) -> Record | None:
    """The record with this id, or None when there is none (or the id is not one of ours).

    Raises CorruptRecord when the file is there but cannot be trusted: not JSON, another layout,
    a field of the wrong type, or contents that no longer match the id or the checksum.
    """
    if len(briefing_id) != ID_LENGTH or not all(c in "0123456789abcdef" for c in briefing_id):
        return None
    path = (folder or directory()) / f"{briefing_id}.json"
    if not path.exists():
        return None
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CorruptRecord(briefing_id, "filen er for stor til at være en briefingpost")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise CorruptRecord(briefing_id, "filen kan ikke læses som JSON") from None
    return _checked(briefing_id, data)


def _checked(briefing_id: str, data) -> Record:
    """The record in `data` after every check, or CorruptRecord saying which failed."""
    if not isinstance(data, dict):
        raise CorruptRecord(briefing_id, "filen er ikke en briefingpost")
    data = dict(data)
    layout, stored_digest = data.pop("format", None), data.pop("digest", None)
    # Records written before the layout had a number carry neither; their id still checks them.
    if (layout, stored_digest) != (None, None) and (layout != FORMAT or isinstance(layout, bool)):
        raise CorruptRecord(briefing_id, "ukendt formatversion")
    expected = {"briefing_id": str, "generated_at": str, "version": int, "params": list, "link": str, "figures": list}
    if set(data) != set(expected):
        raise CorruptRecord(briefing_id, "felterne er ikke dem, en briefingpost har")
    for name, kind in expected.items():
        if not isinstance(data[name], kind) or isinstance(data[name], bool):
            raise CorruptRecord(briefing_id, f"feltet «{name}» har forkert type")
    if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in data["params"]):
        raise CorruptRecord(briefing_id, "feltet «params» har forkert type")
    if not all(isinstance(f, dict) and set(f) == set(FIGURE_FIELDS) and all(isinstance(f[k], str) for k in f)
               for f in data["figures"]):
        raise CorruptRecord(briefing_id, "feltet «figures» har forkert type")
    try:
        made = datetime.fromisoformat(data["generated_at"])
    except ValueError:
        raise CorruptRecord(briefing_id, "tidspunktet er ikke en dato") from None
    if made.tzinfo is None or data["version"] < 1:
        raise CorruptRecord(briefing_id, "tidspunkt eller dataversion er ugyldig")
    # The id is a hash of the version, the view and the time: none of them can change unseen.
    view = [p for p in data["params"] if p[0] != "briefing"]
    if data["briefing_id"] != briefing_id or new_id(data["version"], view, made) != briefing_id:
        raise CorruptRecord(briefing_id, "indholdet passer ikke til briefingens id")
    if stored_digest is not None and stored_digest != digest(data):
        raise CorruptRecord(briefing_id, "kontrolsummen passer ikke")
    if layout is not None and stored_digest is None:
        raise CorruptRecord(briefing_id, "kontrolsummen mangler")
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
