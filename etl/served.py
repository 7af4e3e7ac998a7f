"""The served file: the release and the few public facts the app reads, nothing case-level.

The load builds one database holding everything (the contract's tables, marts, the release) on
the load side. At publish it copies the tables of an explicit allow-list into a separate file, and
only that file goes behind the pointer the app reads. A check after writing refuses the file if
any other table, a view, or a column named like an identifier of a person, a case or a request
slipped in.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from etl.publish import Store

# Every table the release build writes (release/build.py): cells, statistics, certificate.
SERVED_PREFIXES = ("rel_",)
# The dataset's facts the app shows (version, load time, data end, pilot window; one row), and
# the public reference tables the app's SQL reads (analysis/sql/*.sql).
SERVED_TABLES = ("meta_dataset", "ref_municipality", "ref_region", "ref_published_figures")

# Column names that would mean a row per person, case or request (the contract's ids and the
# load's surrogate keys, CPR numbers, dates of birth), in English and Danish. Grants are public
# decisions about municipalities, not persons, and are not named here.
FORBIDDEN_COLUMN = re.compile(
    r"(^|_)(cpr\w*|personnummer|birth|dob|f(ø|oe)dsel\w*|"
    r"(person|persons|citizen|borger|case|sag|sags|request|anmodning)_?(id|key|nr|nummer))($|_)",
    re.IGNORECASE,
)


class ServedFileError(RuntimeError):
    """The served file would hold something outside the allow-list; nothing is published."""


def is_served(table: str) -> bool:
    """True for a table the served file may hold."""
    return table in SERVED_TABLES or table.startswith(SERVED_PREFIXES)


def write(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Copy the allow-listed tables of the load's database (`con`) into a new file at `path`."""
    names = [name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY table_name").fetchall() if is_served(name)]
    missing = [name for name in SERVED_TABLES if name not in names]
    if missing or not any(name.startswith(SERVED_PREFIXES) for name in names):
        raise ServedFileError(f"Indlæsningens database mangler tabeller til den udgivne fil: {missing or 'rel_*'}")
    con.execute("ATTACH $path AS served", {"path": str(path)})
    try:
        for name in names:
            _copy(con, name)
        con.execute("CHECKPOINT served")
    finally:
        con.execute("DETACH served")
    return names


def _copy(con: duckdb.DuckDBPyConnection, name: str) -> None:
    # The name comes from the allow-list filter above, never from input.
    con.execute(f'CREATE TABLE served.main."{name}" AS SELECT * FROM main."{name}"')


def check(path: Path) -> None:
    """Raise ServedFileError unless the file at `path` holds only allow-listed tables."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        problems = audit(con)
    finally:
        con.close()
    if problems:
        raise ServedFileError(f"Den udgivne fil {path} er afvist: " + "; ".join(problems))


def audit(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[str]:
    """What a served database (`database`, or the connection's own) holds outside the allow-list,
    in Danish; empty when it is clean."""
    where = {"db": database} if database else {}
    same = "database_name = $db" if database else "database_name = current_database()"
    tables = [name for (name,) in con.execute(
        f"SELECT table_name FROM duckdb_tables() WHERE {same} ORDER BY 1", where).fetchall()]
    problems = []
    outside = [name for name in tables if not is_served(name)]
    if outside:
        problems.append("tabeller uden for udgivelsen: " + ", ".join(outside))
    views = [name for (name,) in con.execute(
        f"SELECT view_name FROM duckdb_views() WHERE {same} AND NOT internal ORDER BY 1", where).fetchall()]
    if views:
        problems.append("views: " + ", ".join(views))
    columns = [f"{table}.{column}" for table, column in con.execute(
        f"SELECT table_name, column_name FROM duckdb_columns() WHERE {same} ORDER BY 1, 2", where).fetchall()
        if FORBIDDEN_COLUMN.search(column)]
    if columns:
        problems.append("kolonner med id'er for personer, sager eller anmodninger: " + ", ".join(columns))
    return problems


def retire_unserved(store: Store) -> list[Path]:
    """Delete older versions behind the app's pointer that hold more than the served tables
    (files published before the served file was split from the load's database), so no version
    the app could attach holds case-level data. The current version is never touched."""
    current = store.current()
    removed = []
    for version in store.versions():
        path = store.version_path(version)
        if current and path == current[1]:
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            continue  # held by a writer or unreadable: left for prune
        try:
            clean = not audit(con)
        finally:
            con.close()
        if not clean:
            for p in (path, path.with_name(path.name + ".wal")):
                if p.exists():
                    p.unlink()
                    removed.append(p)
    return removed
