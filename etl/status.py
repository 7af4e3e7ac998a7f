"""What the published database holds: version, load time, files, rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from etl import contract
from etl.publish import Store


def read_status(db: Path) -> dict:
    """The current version's load-log entry as a plain dict (version None before any load)."""
    current = Store(db).current()
    if current is None:
        return {"version": None, "loaded_at": None, "synthetic": None, "tables": {}, "sources": [], "file": None,
                "certificate": None}
    version, path = current
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "SELECT version, loaded_at, synthetic, rows_json, sources_json, contract_version "
            "FROM meta_load_log WHERE version = $v",
            {"v": version},
        ).fetchall()[0]
        certificate = None
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rel_certificate'").fetchone()[0]:
            cursor = con.execute("SELECT * FROM rel_certificate")
            names = [d[0] for d in cursor.description]
            certificate = dict(zip(names, cursor.fetchone()))
            certificate["built_at"] = certificate["built_at"].isoformat()
    finally:
        con.close()
    rows = json.loads(row[3])
    return {
        "version": row[0],
        "loaded_at": row[1].isoformat(),
        "synthetic": bool(row[2]),
        "tables": {name: rows.get(name, 0) for name in contract.TABLES},
        "sources": json.loads(row[4]),
        "contract_version": row[5],
        "file": str(path),
        "certificate": certificate,
    }
