"""Find the tables of a dataset and read each file into a raw text table in DuckDB."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

import settings
from etl import contract
from etl.contract import Table
from etl.problems import InvalidInput, Problem, dk

DATA_SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
MANIFEST_NAME = "dataset.json"


@dataclass(frozen=True)
class Source:
    """Where one contract table comes from: a file, or a sheet of a workbook."""

    table: str
    path: Path
    kind: str
    sheet: str | None = None

    @property
    def label(self) -> str:
        """The file (and sheet) as named in reports."""
        return f"{self.path.name} [ark {self.sheet}]" if self.sheet else self.path.name


@dataclass
class Dataset:
    """The sources of one load, and the manifest if the folder had one."""

    sources: dict[str, Source]
    manifest: dict = field(default_factory=dict)


@dataclass
class RawTable:
    """A source read into a temporary all-text table with canonical column names."""

    source: Source
    relation: str
    rows: int
    headers: dict[str, str]  # canonical name -> header as written in the file
    extra_columns: list[str]  # headers outside the contract
    sha256: str
    details: dict
    locate: Callable[[list[int]], dict[int, str]]  # record index (0-based) -> location
    ignore_extra: bool = False  # extras are dropped on purpose (--ignore-extra-columns)
    # No value can hold a control character (known from the file's bytes): validation leaves
    # its per-cell check out. False whenever the bytes cannot tell (XLSX, Parquet, other encodings).
    control_free: bool = False


def discover(paths: list[Path]) -> Dataset:
    """Map each contract table to its source among the given files, folders and workbooks."""
    problems: list[Problem] = []
    found: list[Source] = []
    manifest: dict = {}
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), "", "", None, "file.missing"))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name == MANIFEST_NAME:
                    manifest = _read_manifest(child, problems)
                elif child.suffix.lower() in DATA_SUFFIXES and not child.name.startswith((".", "~$")):
                    files.append(child)
        elif path.name == MANIFEST_NAME:
            manifest = _read_manifest(path, problems)
        else:
            files.append(path)
    for path in files:
        kind = DATA_SUFFIXES.get(path.suffix.lower())
        table = contract.table_for_name(path.stem)
        if kind is None:
            problems.append(Problem(path.name, "", "", None, "file.format"))
        elif kind == "xlsx" and table is None:
            found.extend(_workbook_sources(path, problems))
        elif table is None:
            problems.append(Problem(path.name, "", "", None, "file.unknown_table"))
        else:
            found.append(Source(table.name, path, kind))
    sources: dict[str, Source] = {}
    for source in found:
        if source.table in sources:
            other = sources[source.table].label
            problems.append(
                Problem(source.label, "", "", None, "file.duplicate_table", f"{source.table}, også i {other}")
            )
        else:
            sources[source.table] = source
    for table in contract.TABLES.values():
        if table.required and table.name not in sources and not any(
            p.rule == "file.missing" for p in problems
        ):
            problems.append(Problem(table.name, "", "", None, "table.missing"))
    if problems:
        raise InvalidInput(problems)
    return Dataset(sources, manifest)


def _read_manifest(path: Path, problems: list[Problem]) -> dict:
    """The manifest as a JSON object; every way it can be wrong is a problem, never a crash."""
    label = path.name
    try:
        size = path.stat().st_size
        if size > settings.MAX_MANIFEST_BYTES:
            problems.append(Problem(label, "", "", None, "file.size",
                                    f"{dk(size)} bytes, grænsen er {dk(settings.MAX_MANIFEST_BYTES)}"))
            return {}
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(label, "", "", None, "file.unreadable", exc.strerror or str(exc)))
        return {}
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 is a ValueError too
        problems.append(Problem(label, "", "", None, "manifest.invalid", str(exc)[:200]))
        return {}
    if not isinstance(manifest, dict):
        problems.append(Problem(label, "", "", None, "manifest.invalid", f"fandt {type(manifest).__name__}"))
        return {}
    for text in _manifest_texts(manifest):
        if contract.is_cpr(text):
            problems.append(Problem(label, "", "", text, "value.cpr"))
    declared = manifest.get("data_end_date")
    if declared is not None and not _is_iso_date(declared):
        problems.append(Problem(label, "", "data_end_date", str(declared), "manifest.data_end_date"))
    return manifest


def _manifest_texts(value) -> Iterator[str]:
    """Every key and scalar of a JSON value as text (numbers too: a CPR number may be one)."""
    stack = [value]
    while stack:  # not recursive: a deeply nested manifest must not exhaust the stack
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None:
            yield item if isinstance(item, str) else json.dumps(item)


def _is_iso_date(value) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _workbook_sources(path: Path, problems: list[Problem]) -> list[Source]:
    """Sheets of a workbook named after contract tables; other sheets (notes) are left alone."""
    import openpyxl

    try:
        _check_size(path, path.name)
        workbook = openpyxl.load_workbook(path, read_only=True)
    except InvalidInput as exc:
        problems.extend(exc.problems)
        return []
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        problems.append(Problem(path.name, "", "", None, "file.unreadable", _first_line(exc)))
        return []
    sheets = list(workbook.sheetnames)
    workbook.close()
    sources = []
    for sheet in sheets:
        table = contract.table_for_name(sheet)
        if table is not None:
            sources.append(Source(table.name, path, "xlsx", sheet))
    if not sources:
        problems.append(
            Problem(path.name, "", "", None, "file.unknown_table", "ingen ark er opkaldt efter en tabel")
        )
    return sources


def map_headers(
    source: Source, table: Table, headers: list[str], ignore_extra: bool
) -> tuple[list[str], dict[str, str], list[str]]:
    """Raw column names for the file's headers, canonical -> header, and dropped extras."""
    lookup = contract.header_lookup(table)
    names: list[str] = []
    mapped: dict[str, str] = {}
    extras: list[str] = []
    problems: list[Problem] = []
    where = _header_location(source)
    if len(headers) > settings.MAX_COLUMNS:
        raise InvalidInput([Problem(source.label, where, "", None, "file.columns",
                                    f"{dk(len(headers))} kolonner, grænsen er {dk(settings.MAX_COLUMNS)}")])
    for header in headers:
        if header and _CONTROL.search(header):
            problems.append(Problem(source.label, where, header, None, "value.control"))
        if header and contract.is_cpr(header):
            problems.append(Problem(source.label, where, header, None, "column.cpr"))
    for i, header in enumerate(headers):
        canonical = lookup.get(contract.fold(header or ""))
        if canonical is None:
            names.append(f"_extra_{i}")
            extras.append(header)
        elif canonical in mapped:
            names.append(f"_dup_{i}")
            problems.append(Problem(source.label, where, header, None, "column.duplicate", canonical))
        else:
            names.append(canonical)
            mapped[canonical] = header
    for col in table.columns:
        if col.required and col.name not in mapped:
            problems.append(Problem(source.label, where, col.name, None, "column.missing"))
    if problems:
        raise InvalidInput(problems)
    labels = dict(zip(names, headers))  # raw name -> header as written, extras included
    return names, labels, extras


# The control characters rf_has_control (sql/macros.sql) refuses in values, and their bytes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
# Encodings (codecs names) that write each of those characters as that one byte and use the
# byte for nothing else: a file in one of them without such a byte has no such character.
CONTROL_AS_OWN_BYTE = frozenset({"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "ascii"})


def _first_line(exc: BaseException) -> str:
    """An exception's message as a short detail for a report."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _check_size(path: Path, label: str) -> None:
    """Refuse a file over the size limit before reading it; an XLSX counts unpacked, since a
    few kilobytes of zip can unpack to gigabytes of XML."""
    size = path.stat().st_size
    if path.suffix.lower() == ".xlsx":
        try:
            with zipfile.ZipFile(path) as z:
                size = max(size, sum(i.file_size for i in z.infolist()))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidInput([Problem(label, "", "", None, "file.unreadable", _first_line(exc))])
    if size > settings.MAX_FILE_BYTES:
        raise InvalidInput([Problem(label, "", "", None, "file.size",
                                    f"{dk(size)} bytes, grænsen er {dk(settings.MAX_FILE_BYTES)}")])


@contextmanager
def literal_path(path: Path) -> Iterator[str]:
    """A path DuckDB reads as exactly this one file: its readers expand *, ? and [..] as globs,
    so a folder named `*` would read its siblings' files. A link with a plain name in a fresh
    temporary folder points at the file."""
    with tempfile.TemporaryDirectory(prefix="rf-etl-") as tmp:
        link = Path(tmp) / ("input" + path.suffix.lower())
        link.symlink_to(path.resolve())
        yield str(link)


def unknown_column_problems(raw: "RawTable") -> list[Problem]:
    """Columns outside the contract, unless they were dropped on purpose."""
    if raw.ignore_extra:
        return []
    where = _header_location(raw.source)
    return [
        Problem(raw.source.label, where, header, None, "column.unknown")
        for name, header in raw.headers.items()
        if name.startswith("_extra_")
    ]


def _header_location(source: Source) -> str:
    if source.kind == "xlsx":
        return "række 1"
    return "linje 1" if source.kind == "csv" else "kolonneoverskrifter"


def _select_list(table: Table, names: list[str]) -> str:
    """Canonical columns in contract order (absent optional ones as NULL), then extras."""
    present = set(names)
    cols = [
        f'"{c.name}"' if c.name in present else f'CAST(NULL AS VARCHAR) AS "{c.name}"'
        for c in table.columns
    ]
    cols += [f'"{n}"' for n in names if n.startswith("_extra_")]
    return ", ".join(cols)


class _FileScan(threading.Thread):
    """sha256 of a file and whether it has a control byte, computed beside the read (hashlib
    releases the GIL; the byte test is one C pass per piece)."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.digest = ""
        self.control = False

    def run(self) -> None:
        h = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 22):
                h.update(chunk)
                if not self.control:
                    self.control = len(chunk.translate(None, CONTROL_BYTES)) != len(chunk)
        self.digest = h.hexdigest()


def read_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    ignore_extra: bool = False,
    encoding: str | None = None,
) -> RawTable:
    """Read one source into the temp table raw_<table>; all values stay text."""
    table = contract.TABLES[source.table]
    _check_size(source.path, source.label)
    scan = _FileScan(source.path)
    scan.start()
    try:
        if source.kind == "csv":
            raw = _read_csv(con, source, table, ignore_extra, encoding, scan)
        elif source.kind == "xlsx":
            raw = _read_xlsx(con, source, table, ignore_extra)
        else:
            raw = _read_parquet(con, source, table, ignore_extra)
    finally:
        scan.join()
    _check_rows(source, raw.rows)
    raw.sha256 = scan.digest
    return raw


def _check_rows(source: Source, rows: int) -> None:
    if rows > settings.MAX_ROWS:
        raise InvalidInput([Problem(source.label, "", "", None, "file.rows",
                                    f"{dk(rows)} rækker, grænsen er {dk(settings.MAX_ROWS)}")])


# --- CSV -----------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


# A character of two to four bytes as UTF-8 writes it; cp1252 text practically never holds one
# (it would read as "Ã¸" and the like), so a file with one is UTF-8, at least in part.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _encoding_lines(path: Path) -> tuple[int | None, int | None]:
    """The first line that is not valid UTF-8, and the first line holding a non-ASCII UTF-8
    character; read in bounded pieces, stopping once both are known."""
    bad = utf8 = None
    line = 1
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        while piece := f.readline(1 << 20):
            if not piece.isascii():
                try:
                    if not decoder.decode(piece).isascii():
                        utf8 = utf8 or line
                except UnicodeDecodeError:
                    bad = bad or line
                    decoder = codecs.getincrementaldecoder("utf-8")()
                    if _UTF8_MULTIBYTE.search(piece):
                        utf8 = utf8 or line
            if bad and utf8:
                break
            if piece.endswith(b"\n"):
                line += 1
    return bad, utf8


def _single_encoding(path: Path, source: Source, declared: str | None) -> str:
    """The one encoding of a file that is not valid UTF-8: cp1252 (latin-1 if it has bytes cp1252
    leaves undefined), or the declared one; a file that mixes in UTF-8 text is refused."""
    bad, utf8 = _encoding_lines(path)
    if declared is not None and declared.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        raise InvalidInput([Problem(source.label, f"linje {bad or 1}", "", None, "csv.encoding",
                                    f"linjen er ikke {declared}")])
    if utf8 is not None and bad is not None:
        where, other = (bad, utf8) if declared is None else (utf8, bad)
        raise InvalidInput([Problem(source.label, f"linje {where}", "", None, "csv.encoding_mixed",
                                    f"{'UTF-8' if declared is None else declared} i linje {other}")])
    if utf8 is not None and declared is not None:
        raise InvalidInput([Problem(source.label, f"linje {utf8}", "", None, "csv.encoding",
                                    f"linjen har UTF-8-tegn; filen er ikke {declared}")])
    return declared or "cp1252"


def _read_csv(con, source: Source, table: Table, ignore_extra: bool, encoding: str | None,
              scan: _FileScan) -> RawTable:
    path = source.path
    with open(path, "rb") as f:
        first = f.readline(settings.MAX_LINE_BYTES + 1)
    if not first.strip():
        raise InvalidInput([Problem(source.label, "", "", None, "file.empty")])
    if len(first) > settings.MAX_LINE_BYTES:
        raise InvalidInput([Problem(source.label, "linje 1", "", None, "csv.line_size",
                                    f"grænsen er {dk(settings.MAX_LINE_BYTES)} bytes")])
    # Checking the whole file's encoding costs a pass; DuckDB itself rejects bad UTF-8, so only
    # a file that is not valid UTF-8 (or declared otherwise) pays for the Python pass.
    enc = encoding or ("utf-8-sig" if first.startswith(BOM) else "utf-8")
    header_text = _decode_head(first, enc, source)
    first_line = header_text.lstrip("\ufeff").splitlines()[0] if header_text.strip() else ""
    delimiter = ";" if _count_outside_quotes(first_line, ";") > _count_outside_quotes(first_line, ",") else ","
    headers = next(csv.reader([first_line], delimiter=delimiter, quotechar='"'), [])
    if not any(h.strip() for h in headers):
        raise InvalidInput([Problem(source.label, "linje 1", "", None, "file.empty")])
    names, mapped, extras = map_headers(source, table, headers, ignore_extra)

    relation = f"raw_{table.name}"
    tmp_dir = None
    try:
        if enc.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
            enc = _single_encoding(path, source, enc)
            tmp_dir, read_path, enc = _utf8_copy(path, enc, source)
        else:
            read_path = path
        try:
            _csv_into(con, relation, read_path, table, names, delimiter)
        except duckdb.InvalidInputException as exc:
            message = str(exc)
            if "unicode" in message.lower() and tmp_dir is None:
                enc = _single_encoding(path, source, encoding)
                tmp_dir, read_path, enc = _utf8_copy(path, enc, source)
                try:
                    _csv_into(con, relation, read_path, table, names, delimiter)
                except duckdb.InvalidInputException as again:
                    raise InvalidInput(_csv_problems(str(again), read_path, "utf-8", delimiter, len(names), source))
            else:
                read_enc = "utf-8" if tmp_dir is not None else "utf-8-sig"
                raise InvalidInput(_csv_problems(message, read_path, read_enc, delimiter, len(names), source))
        rows = con.sql(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
    finally:
        if tmp_dir is not None:
            tmp_dir.cleanup()

    def locate(records: list[int]) -> dict[int, str]:
        lines = _csv_record_lines(path, enc, delimiter)
        return {r: f"linje {lines[r] if r < len(lines) else r + 2}" for r in records}

    # The scan read the file as written; the text DuckDB read is that file decoded (or its UTF-8
    # copy), which holds the same control characters when the encoding writes each as its byte.
    scan.join()
    control_free = not scan.control and codecs.lookup(enc).name in CONTROL_AS_OWN_BYTE
    return RawTable(
        source, relation, rows, mapped, extras, "",
        {"format": "csv", "encoding": enc.replace("-sig", " med BOM"), "delimiter": delimiter}, locate, ignore_extra,
        control_free,
    )


def _decode_head(head: bytes, enc: str, source: Source) -> str:
    try:
        return head.decode(enc)
    except UnicodeDecodeError:
        # Not UTF-8 after all: the header is read as cp1252 here, the file's encoding is
        # decided on the whole file.
        return head.decode("cp1252", errors="replace")
    except LookupError:
        raise InvalidInput([Problem(source.label, "", "", None, "csv.encoding", f"ukendt tegnkodning {enc}")])


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _utf8_copy(path: Path, enc: str, source: Source) -> tuple[tempfile.TemporaryDirectory, Path, str]:
    """A UTF-8 copy of a cp1252/latin-1 file, because DuckDB reads only UTF-8 without extensions;
    written in pieces, so memory stays bounded. cp1252 leaves five bytes undefined: a file with
    one of them is latin-1."""
    tmp = tempfile.TemporaryDirectory(prefix="rf-etl-")
    target = Path(tmp.name) / "utf8.csv"
    for attempt in (enc, "latin-1") if enc == "cp1252" else (enc,):
        try:
            with open(path, encoding=attempt, newline="") as src, open(target, "w", encoding="utf-8", newline="") as dst:
                while piece := src.read(1 << 22):
                    dst.write(piece)
            return tmp, target, attempt
        except UnicodeDecodeError as exc:
            error = exc
        except LookupError as exc:
            tmp.cleanup()
            raise InvalidInput([Problem(source.label, "", "", None, "csv.encoding", f"ukendt tegnkodning {enc}")])
    tmp.cleanup()
    raise InvalidInput([Problem(source.label, "", "", None, "csv.encoding", str(error)[:200])])


def _csv_into(con, relation: str, path: Path, table: Table, names: list[str], delimiter: str) -> None:
    columns = {name: "VARCHAR" for name in names}
    with literal_path(path) as literal:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {_select_list(table, names)} "
            "FROM read_csv($path, delim=$delim, quote='\"', escape='\"', header=true, "
            "auto_detect=false, columns=$columns, strict_mode=true, null_padding=false, "
            "encoding='utf-8', max_line_size=$max_line)",
            {"path": literal, "delim": delimiter, "columns": columns, "max_line": settings.MAX_LINE_BYTES},
        )


def _csv_problems(message: str, path: Path, enc: str, delimiter: str, width: int, source: Source) -> list[Problem]:
    """What DuckDB refused in a CSV file, located: a line over the size limit, or the records
    whose field count differs from the header's."""
    if "maximum line size" in message.lower():
        line = re.search(r"CSV Error on Line: ([0-9]+)", message)
        return [Problem(source.label, f"linje {line.group(1)}" if line else "", "", None, "csv.line_size",
                        f"grænsen er {dk(settings.MAX_LINE_BYTES)} bytes")]
    return _csv_structure_problems(path, enc, delimiter, width, source)


def _csv_rows(path: Path, enc: str, delimiter: str):
    """(start line, fields) of every non-blank record, the way DuckDB reads the file."""
    # A field is bounded by the line limit, so an unclosed quote cannot swallow the file.
    csv.field_size_limit(max(settings.MAX_LINE_BYTES, 131072))
    with open(path, encoding=enc, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', strict=True)
        previous = 0
        while True:
            start = previous + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            previous = reader.line_num
            if fields:
                yield start, fields


def _csv_record_lines(path: Path, enc: str, delimiter: str) -> list[int]:
    """Start line of each data record (header excluded); only computed for a report."""
    try:
        return [line for line, _ in _csv_rows(path, enc, delimiter)][1:]
    except (csv.Error, UnicodeDecodeError):
        return []


def _csv_structure_problems(path: Path, enc: str, delimiter: str, width: int, source: Source) -> list[Problem]:
    """Every record whose field count differs from the header's, or an unclosed quote; the first
    ones kept as problems, the rest only counted (a file of ragged lines must not fill memory)."""
    problems: list[Problem] = []
    total = 0
    line = 1
    try:
        for line, fields in _csv_rows(path, enc, delimiter):
            if len(fields) != width:
                total += 1
                if len(problems) < settings.MAX_PROBLEMS_LISTED:
                    value = delimiter.join(fields)
                    problems.append(
                        Problem(source.label, f"linje {line}", "", value, "csv.structure",
                                f"{len(fields)} felter, overskriften har {width}")
                    )
    except csv.Error as exc:
        total += 1
        problems.append(Problem(source.label, f"linje {line + 1}", "", None, "csv.structure", str(exc)))
    if not problems:
        total = 1
        problems.append(Problem(source.label, "", "", None, "csv.structure"))
    if total > len(problems):
        raise InvalidInput(problems, total)
    return problems


# --- XLSX ----------------------------------------------------------------------------------


def _cell_text(value) -> str | None:
    """An Excel cell as contract text: real dates as ISO, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # A float with a fraction is not an integer; written with a decimal comma it is
        # reported as such instead of being read as a thousands separator.
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value)


def _read_xlsx(con, source: Source, table: Table, ignore_extra: bool) -> RawTable:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", _first_line(exc))])
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        label = sheet.title
        names, mapped, extras, columns, row_numbers = _xlsx_columns(sheet, source, table, ignore_extra)
    except InvalidInput:
        raise
    except Exception as exc:  # a sheet that breaks partway (bad XML, a bad cell)
        raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", _first_line(exc))])
    finally:
        workbook.close()
    arrow = pa.table({name: pa.array(col, type=pa.string()) for name, col in zip(names, columns)})
    relation = f"raw_{table.name}"
    con.register("_xlsx_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {_select_list(table, names)} FROM _xlsx_arrow")
    con.unregister("_xlsx_arrow")

    def locate(records: list[int]) -> dict[int, str]:
        return {r: f"ark {label}, række {row_numbers[r]}" for r in records}

    return RawTable(
        source, relation, len(row_numbers), mapped, extras, "",
        {"format": "xlsx", "sheet": label}, locate, ignore_extra,
    )


def _xlsx_columns(sheet, source: Source, table: Table, ignore_extra: bool):
    """The sheet's header mapping and its values column by column, with the sheet row of each
    record; the work is bounded by the limits, whatever size the sheet declares."""
    rows_declared, columns_declared = sheet.max_row, sheet.max_column  # from <dimension>, if any
    if (rows_declared or 0) > settings.MAX_ROWS + 1 or (columns_declared or 0) > settings.MAX_COLUMNS:
        raise InvalidInput([Problem(
            source.label, "", "", None, "xlsx.dimension",
            f"arket erklærer {sheet.calculate_dimension()}: {dk(rows_declared or 0)} rækker og "
            f"{dk(columns_declared or 0)} kolonner")])
    # openpyxl pads every row to the declared width and adds the declared rows: forget them, and
    # read no further right than the header reaches.
    sheet.reset_dimensions()
    header_row = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    if header_row is None or not any(v is not None for v in header_row):
        raise InvalidInput([Problem(source.label, "række 1", "", None, "file.empty")])
    headers = [str(v) if v is not None else "" for v in header_row]
    while headers and not headers[-1]:
        headers.pop()
    names, mapped, extras = map_headers(source, table, headers, ignore_extra)
    width = len(names)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if number > settings.MAX_ROWS + 1:
            raise InvalidInput([Problem(source.label, f"ark {sheet.title}, række {number}", "", None, "file.rows",
                                        f"grænsen er {dk(settings.MAX_ROWS)} rækker")])
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank rows are formatting, not records
        values = list(values[:width]) + [None] * max(0, width - len(values))
        for i in range(width):
            columns[i].append(_cell_text(values[i]))
        row_numbers.append(number)
    return names, mapped, extras, columns, row_numbers


# --- Parquet -------------------------------------------------------------------------------


def _read_parquet(con, source: Source, table: Table, ignore_extra: bool) -> RawTable:
    import pyarrow.parquet as pq

    # The footer gives rows and columns without reading any data.
    try:
        meta = pq.ParquetFile(source.path).metadata
        width, height = len(meta.schema.to_arrow_schema()), meta.num_rows
    except Exception as exc:  # pyarrow raises several kinds for a broken file
        raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", _first_line(exc))])
    if width > settings.MAX_COLUMNS:
        raise InvalidInput([Problem(source.label, "kolonneoverskrifter", "", None, "file.columns",
                                    f"{dk(width)} kolonner, grænsen er {dk(settings.MAX_COLUMNS)}")])
    _check_rows(source, height)
    relation = f"raw_{table.name}"
    with literal_path(source.path) as literal:
        try:
            columns = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": literal}).fetchall()
        except duckdb.Error as exc:
            raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", _first_line(exc))])
        headers = [c[0] for c in columns]
        types = {c[0]: c[1] for c in columns}
        names, mapped, extras = map_headers(source, table, headers, ignore_extra)
        exprs = [f'{_parquet_text(header, types[header])} AS "{name}"' for header, name in zip(headers, names)]
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {_select_list(table, names)} "
                f"FROM (SELECT {', '.join(exprs)} FROM read_parquet($p))",
                {"p": literal},
            )
        except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
            # Values the file's own types cannot hold (bad UTF-8 in a string column, ...).
            raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", _first_line(exc))])
    rows = con.sql(f"SELECT count(*) FROM {relation}").fetchall()[0][0]

    def locate(records: list[int]) -> dict[int, str]:
        return {r: f"række {r + 1}" for r in records}

    return RawTable(
        source, relation, rows, mapped, extras, "", {"format": "parquet"}, locate, ignore_extra,
    )


def _parquet_text(header: str, kind: str) -> str:
    """A typed Parquet column as contract text: dates as ISO, booleans as true/false, whole
    numbers as digits, and anything else in a form that fails its rule instead of the load
    (fractions with a decimal comma, inf and NaN as words, nested values as their text)."""
    q = '"' + header.replace('"', '""') + '"'
    kind = kind.upper()
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        return f"coalesce(strftime(TRY_CAST({q} AS DATE), '%Y-%m-%d'), CAST({q} AS VARCHAR))"
    if kind in ("FLOAT", "DOUBLE"):
        return (f"CASE WHEN isfinite({q}) AND {q} = trunc({q}) AND abs({q}) < 1e18 "
                f"THEN CAST(CAST({q} AS BIGINT) AS VARCHAR) ELSE replace(CAST({q} AS VARCHAR), '.', ',') END")
    if kind.startswith("DECIMAL"):
        return (f"CASE WHEN {q} = trunc({q}) THEN CAST(CAST(trunc({q}) AS HUGEINT) AS VARCHAR) "
                f"ELSE replace(CAST({q} AS VARCHAR), '.', ',') END")
    return f"CAST({q} AS VARCHAR)"
