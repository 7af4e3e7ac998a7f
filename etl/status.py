"""What is published: the served file the app shows, and the load's own database beside it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from etl import contract, served
from etl.problems import mask_json
from etl.publish import Store, work_pointer


def read_status(db: Path, work_db: Path | None = None) -> dict:
    """The served version (what the app shows: version, file, tables, certificate) with its load's
    input files, and the load's database (`load`: version and file), as a plain dict; version
    None before any load."""
    work = _work_status(Store(work_db if work_db is not None else work_pointer(db)))
    current = Store(db).current()
    if current is None:
        return {"version": None, "loaded_at": None, "synthetic": None, "tables": {}, "sources": [], "file": None,
                "served_tables": {}, "served_problems": [], "certificate": None, "load": work}
    version, path = current
    con = duckdb.connect(str(path), read_only=True)
    try:
        loaded_at, synthetic, contract_version = con.execute(
            "SELECT loaded_at, synthetic, contract_version FROM meta_dataset").fetchone()
        names = [n for (n,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]
        served_tables = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        problems = served.audit(con)
        certificate = None
        if "rel_certificate" in names:
            cursor = con.execute("SELECT * FROM rel_certificate")
            columns = [d[0] for d in cursor.description]
            certificate = dict(zip(columns, cursor.fetchone()))
            certificate["built_at"] = certificate["built_at"].isoformat()
        # A file published before the split holds its own load log.
        own_log = _log_entry(con, version) if "meta_load_log" in names else None
    finally:
        con.close()
    entry = (_log_entry_of(Path(work["file"]), version) if work else None) or own_log
    rows = json.loads(entry[0]) if entry else {}
    return {
        "version": version,
        "loaded_at": loaded_at.isoformat(),
        "synthetic": bool(synthetic),
        "contract_version": contract_version,
        "file": str(path),
        "served_tables": served_tables,
        "served_problems": problems,
        "certificate": certificate,
        # The input of the served version, from the load log.
        "tables": {name: rows.get(name, 0) for name in contract.TABLES} if entry else {},
        # Masked on the way out too: a log written before masking may still hold a CPR number.
        "sources": mask_json(json.loads(entry[1])) if entry else [],
        "load": work,
    }


def _work_status(work: Store) -> dict | None:
    """The load's database: its pointer, version and file; None before the first load."""
    current = work.current()
    if current is None:
        return None
    return {"pointer": str(work.pointer), "version": current[0], "file": str(current[1])}


def _log_entry_of(path: Path, version: int) -> tuple[str, str] | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _log_entry(con, version)
    finally:
        con.close()


def _log_entry(con: duckdb.DuckDBPyConnection, version: int) -> tuple[str, str] | None:
    """The load log's rows and sources for this version, if the log holds it."""
    found = con.execute("SELECT rows_json, sources_json FROM meta_load_log WHERE version = $v", {"v": version}).fetchall()
    return found[0] if found else None
