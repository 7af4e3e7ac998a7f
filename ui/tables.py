"""Protected tables as Danish display frames and downloads ('..' for hidden cells)."""

from __future__ import annotations

import io
from collections.abc import Callable

import polars as pl

from analysis.protected import HIDDEN_MARK, ProtectedTable, note
from ui import format as fmt

Formatter = Callable[[object], str]


def display_frame(table: ProtectedTable, columns: dict[str, str], formats: dict[str, Formatter] | None = None) -> pl.DataFrame:
    """The chosen columns, renamed to Danish labels, formatted as text, hidden cells as '..'."""
    if not isinstance(table, ProtectedTable):
        raise TypeError("kun tabeller, der har passeret diskretioneringen, kan vises")
    formats = formats or {}
    out = {}
    for col, label in columns.items():
        values = table.frame[col].to_list()
        hidden = table.is_hidden(col).to_list()
        render = formats.get(col, _default(table.frame.schema[col]))
        out[label] = [HIDDEN_MARK if h else render(v) for v, h in zip(values, hidden)]
    return pl.DataFrame(out, schema={label: pl.String for label in out})


def _default(dtype) -> Formatter:
    if dtype.is_integer():
        return fmt.number
    if dtype.is_float():
        return lambda v: fmt.number(v, 1)
    if dtype == pl.Date:
        return fmt.day
    return lambda v: fmt.MISSING if v is None else str(v)


def csv_bytes(table: ProtectedTable, columns: dict[str, str], formats: dict[str, Formatter] | None = None,
              source: str = "", synthetic: bool = False, about: list[str] | None = None) -> bytes:
    """Danish Excel CSV: ';', decimal comma, UTF-8 with BOM; '..' and the note kept, then the
    source and `about` lines (data version, filters, the link back)."""
    frame = display_frame(table, columns, formats)
    buffer = io.StringIO()
    frame.write_csv(buffer, separator=";")
    lines = [buffer.getvalue().rstrip("\n"), ""]
    if table.any_hidden:
        lines.append(note(table.k))
    if synthetic:
        lines.append("Syntetiske data: tallene er genereret til afprøvning og er ikke virkelige.")
    if source:
        lines.append(f"Kilde: {source}")
    lines.extend(about or [])
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
