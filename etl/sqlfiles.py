"""The ETL's SQL files, read by layer and name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


@cache
def read(layer: str, name: str) -> str:
    """The text of sql/<layer>/<name>.sql."""
    return (SQL_DIR / layer / f"{name}.sql").read_text(encoding="utf-8")


def names(layer: str) -> list[str]:
    """Names of the SQL files of a layer, sorted."""
    return sorted(p.stem for p in (SQL_DIR / layer).glob("*.sql"))
