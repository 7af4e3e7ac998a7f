"""Protected tables as Danish display frames and downloads ('..' for hidden cells)."""

from __future__ import annotations

import csv
import io
import re
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


# OWASP's CSV injection advice: a cell beginning with one of these is read by a spreadsheet as a
# formula (LibreOffice evaluated '=1+1' and made '=HYPERLINK(...)' a live link); a leading single
# quote makes it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What the Danish formatters write for a number ('-3,5', '1.234', '+3,3', '45,7 %'): Excel reads
# these as numbers, and none of them is a formula, so they are kept as they are.
_DANISH_NUMBER = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?: %)?|[-+]?\d+(?:,\d+)?(?: %)?")


def neutralised(cell: str, numeric: bool = False) -> str:
    """A CSV cell that no spreadsheet reads as a formula (a number of a numeric column stays one)."""
    if not cell.startswith(FORMULA_START) or (numeric and _DANISH_NUMBER.fullmatch(cell)):
        return cell
    return "'" + cell


def csv_bytes(table: ProtectedTable, columns: dict[str, str], formats: dict[str, Formatter] | None = None,
              source: str = "", synthetic: bool = False, about: list[str] | None = None) -> bytes:
    """Danish Excel CSV: ';', decimal comma, UTF-8 with BOM; '..' and the note kept, then the
    source and `about` lines (data version, filters, the link back). No cell starts a formula."""
    shown = display_frame(table, columns, formats)
    numeric = {label: table.frame.schema[col].is_numeric() for col, label in columns.items()}
    frame = pl.DataFrame(
        {neutralised(label): [neutralised(v, numeric[label]) for v in shown[label].to_list()] for label in shown.columns},
        schema={neutralised(label): pl.String for label in shown.columns},
    )
    buffer = io.StringIO()
    frame.write_csv(buffer, separator=";")
    lines = []
    if table.any_hidden:
        lines.append(note(table.k))
    if synthetic:
        lines.append("Syntetiske data: tallene er genereret til afprøvning og er ikke virkelige.")
    if source:
        lines.append(f"Kilde: {source}")
    lines.extend(about or [])
    # Each line below the table is one cell, quoted where it must be: a ';' or a line break in a
    # filter's value (a name from data) cannot start a cell of its own.
    below = io.StringIO()
    writer = csv.writer(below, delimiter=";", lineterminator="\n")
    for line in lines:
        writer.writerow([neutralised(line)])
    return ("\ufeff" + buffer.getvalue().rstrip("\n") + "\n\n" + below.getvalue()).encode("utf-8")
