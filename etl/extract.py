"""Find the tables of a dataset and read each file into a raw text table in DuckDB."""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import contract
from etl.contract import Table
from etl.problems import InvalidInput, Problem

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
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(Problem(path.name, "", "", None, "file.unreadable", str(exc)))
        return {}


def _workbook_sources(path: Path, problems: list[Problem]) -> list[Source]:
    """Sheets of a workbook named after contract tables; other sheets (notes) are left alone."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        problems.append(Problem(path.name, "", "", None, "file.unreadable", str(exc)))
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


class _Hasher(threading.Thread):
    """sha256 of a file, computed beside the read (hashlib releases the GIL)."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.digest = ""

    def run(self) -> None:
        h = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 22):
                h.update(chunk)
        self.digest = h.hexdigest()


def read_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    ignore_extra: bool = False,
    encoding: str | None = None,
) -> RawTable:
    """Read one source into the temp table raw_<table>; all values stay text."""
    table = contract.TABLES[source.table]
    hasher = _Hasher(source.path)
    hasher.start()
    try:
        if source.kind == "csv":
            raw = _read_csv(con, source, table, ignore_extra, encoding)
        elif source.kind == "xlsx":
            raw = _read_xlsx(con, source, table, ignore_extra)
        else:
            raw = _read_parquet(con, source, table, ignore_extra)
    finally:
        hasher.join()
    raw.sha256 = hasher.digest
    return raw


# --- CSV -----------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def _detect_encoding(head: bytes, whole: Callable[[], bytes]) -> str:
    if head.startswith(BOM):
        return "utf-8-sig"
    try:
        whole().decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        whole().decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"  # every byte is a latin-1 character


def _read_csv(con, source: Source, table: Table, ignore_extra: bool, encoding: str | None) -> RawTable:
    path = source.path
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if not head.strip():
        raise InvalidInput([Problem(source.label, "", "", None, "file.empty")])
    # Reading the whole file to test its encoding costs time; DuckDB itself rejects bad UTF-8,
    # so only a file that is not valid UTF-8 pays for the Python pass (see _utf8_copy).
    enc = encoding or ("utf-8-sig" if head.startswith(BOM) else "utf-8")
    header_text = _decode_head(head, enc, source)
    first_line = header_text.lstrip("\ufeff").splitlines()[0] if header_text.strip() else ""
    delimiter = ";" if _count_outside_quotes(first_line, ";") > _count_outside_quotes(first_line, ",") else ","
    headers = next(csv.reader([first_line], delimiter=delimiter, quotechar='"'), [])
    if not any(h.strip() for h in headers):
        raise InvalidInput([Problem(source.label, "linje 1", "", None, "file.empty")])
    names, mapped, extras = map_headers(source, table, headers, ignore_extra)

    read_path = path
    tmp_dir = None
    if enc not in ("utf-8", "utf-8-sig"):
        tmp_dir, read_path = _utf8_copy(path, enc, source)
    relation = f"raw_{table.name}"
    try:
        try:
            _csv_into(con, relation, read_path, table, names, delimiter)
        except duckdb.InvalidInputException as exc:
            if "unicode" in str(exc).lower() and encoding is None:
                enc = _detect_encoding(head, path.read_bytes)
                tmp_dir, read_path = _utf8_copy(path, enc, source)
                try:
                    _csv_into(con, relation, read_path, table, names, delimiter)
                except duckdb.InvalidInputException:
                    raise InvalidInput(_csv_structure_problems(read_path, "utf-8", delimiter, len(names), source))
            else:
                raise InvalidInput(_csv_structure_problems(read_path, "utf-8-sig", delimiter, len(names), source))
        rows = con.sql(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
    finally:
        if tmp_dir is not None:
            tmp_dir.cleanup()

    def locate(records: list[int]) -> dict[int, str]:
        lines = _csv_record_lines(path, enc, delimiter)
        return {r: f"linje {lines[r] if r < len(lines) else r + 2}" for r in records}

    return RawTable(
        source, relation, rows, mapped, extras, "",
        {"format": "csv", "encoding": enc.replace("-sig", " med BOM"), "delimiter": delimiter}, locate, ignore_extra,
    )


def _decode_head(head: bytes, enc: str, source: Source) -> str:
    try:
        return head.decode(enc)
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample, or not UTF-8 at all.
        try:
            return head[:-4].decode(enc)
        except UnicodeDecodeError:
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


def _utf8_copy(path: Path, enc: str, source: Source) -> tuple[tempfile.TemporaryDirectory, Path]:
    """A UTF-8 copy of a cp1252/latin-1 file, because DuckDB reads only UTF-8 without extensions."""
    try:
        text = path.read_bytes().decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InvalidInput([Problem(source.label, "", "", None, "csv.encoding", str(exc))])
    tmp = tempfile.TemporaryDirectory(prefix="rf-etl-")
    target = Path(tmp.name) / "utf8.csv"
    target.write_text(text, encoding="utf-8")
    return tmp, target


def _csv_into(con, relation: str, path: Path, table: Table, names: list[str], delimiter: str) -> None:
    columns = {name: "VARCHAR" for name in names}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {_select_list(table, names)} "
        "FROM read_csv($path, delim=$delim, quote='\"', escape='\"', header=true, "
        "auto_detect=false, columns=$columns, strict_mode=true, null_padding=false, "
        "encoding='utf-8', max_line_size=10000000)",
        {"path": str(path), "delim": delimiter, "columns": columns},
    )


def _csv_rows(path: Path, enc: str, delimiter: str):
    """(start line, fields) of every non-blank record, the way DuckDB reads the file."""
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
    """Every record whose field count differs from the header's, or an unclosed quote."""
    problems: list[Problem] = []
    line = 1
    try:
        for line, fields in _csv_rows(path, enc, delimiter):
            if len(fields) != width:
                value = delimiter.join(fields)
                problems.append(
                    Problem(source.label, f"linje {line}", "", value, "csv.structure",
                            f"{len(fields)} felter, overskriften har {width}")
                )
    except csv.Error as exc:
        problems.append(Problem(source.label, f"linje {line + 1}", "", None, "csv.structure", str(exc)))
    if not problems:
        problems.append(Problem(source.label, "", "", None, "csv.structure"))
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
    except Exception as exc:
        raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", str(exc))])
    try:
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        label = sheet.title
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None or not any(v is not None for v in header_row):
            raise InvalidInput([Problem(source.label, "række 1", "", None, "file.empty")])
        headers = [str(v) if v is not None else "" for v in header_row]
        while headers and not headers[-1]:
            headers.pop()
        names, mapped, extras = map_headers(source, table, headers, ignore_extra)
        width = len(names)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        row_numbers: list[int] = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue  # blank rows are formatting, not records
            values = list(values[:width]) + [None] * max(0, width - len(values))
            for i in range(width):
                columns[i].append(_cell_text(values[i]))
            row_numbers.append(number)
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


# --- Parquet -------------------------------------------------------------------------------


def _read_parquet(con, source: Source, table: Table, ignore_extra: bool) -> RawTable:
    try:
        columns = con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(source.path)}).fetchall()
    except duckdb.Error as exc:
        raise InvalidInput([Problem(source.label, "", "", None, "file.unreadable", str(exc).splitlines()[0])])
    headers = [c[0] for c in columns]
    types = {c[0]: c[1] for c in columns}
    names, mapped, extras = map_headers(source, table, headers, ignore_extra)
    # Typed Parquet columns become contract text: dates as ISO, booleans as true/false,
    # fractions with a decimal comma (so they fail as integers rather than being misread).
    exprs = []
    for header, name in zip(headers, names):
        q = '"' + header.replace('"', '""') + '"'
        kind = types[header].upper()
        if kind.startswith("TIMESTAMP") or kind == "DATE":
            expr = f"strftime(CAST({q} AS DATE), '%Y-%m-%d')"
        elif kind in ("FLOAT", "DOUBLE") or kind.startswith("DECIMAL"):
            expr = (f"CASE WHEN {q} = trunc({q}) THEN CAST(CAST({q} AS HUGEINT) AS VARCHAR) "
                    f"ELSE replace(CAST({q} AS VARCHAR), '.', ',') END")
        else:
            expr = f"CAST({q} AS VARCHAR)"
        exprs.append(f'{expr} AS "{name}"')
    relation = f"raw_{table.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {relation} AS SELECT {_select_list(table, names)} "
        f"FROM (SELECT {', '.join(exprs)} FROM read_parquet($p))",
        {"p": str(source.path)},
    )
    rows = con.sql(f"SELECT count(*) FROM {relation}").fetchall()[0][0]

    def locate(records: list[int]) -> dict[int, str]:
        return {r: f"række {r + 1}" for r in records}

    return RawTable(
        source, relation, rows, mapped, extras, "", {"format": "parquet"}, locate, ignore_extra,
    )

