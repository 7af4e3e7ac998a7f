"""The dashboard's read-only, locked-down handle on the current served file (the release only)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from etl import served
from etl.publish import Store

SQL_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class DatasetInfo:
    """Facts about the version being shown: what, when, and whether it is synthetic."""

    version: int
    loaded_at: datetime
    synthetic: bool
    data_end_date: date
    first_referral_date: date
    pilot_start: date
    pilot_end: date
    has_health_advice_channels: bool


class NotServed(RuntimeError):
    """The pointer names a file holding more than the release (a load's database, an old file)."""


class LiveDatabase:
    """Attaches the version the pointer names, read-only, and re-attaches when it changes.

    Each version gets an in-memory host that attaches that one served file read-only, then
    switches file access off and locks its configuration: no query can read or write another
    file (the load's database, a CSV, a copy), attach one or load an extension. A file holding
    anything outside the served allow-list (etl/served.py) is refused.
    """

    def __init__(self, pointer: Path, pin: int | None = None):
        self.store = Store(pointer)
        self.pin = pin  # a fixed version (a briefing regenerated as briefed), or None to follow the pointer
        self._host: duckdb.DuckDBPyConnection | None = None
        self._version: int | None = None
        self._info: DatasetInfo | None = None
        self._lock = threading.Lock()

    def refresh(self) -> DatasetInfo | None:
        """Follow the pointer (or stay on the pinned version); None when there is nothing to attach."""
        current = self.store.current() if self.pin is None else self._pinned()
        if current is None:
            return None
        version, path = current
        with self._lock:
            if version != self._version:
                # Queries already running keep the old host (and version) until they finish.
                host = _locked_host(path, self.store.versions_dir)
                problems = served.audit(host, "live")
                if problems:
                    host.close()
                    raise NotServed(
                        f"Dashboardet viser kun en udgivet fil med udgivelsen alene, men {path} indeholder "
                        + "; ".join(problems) + ". Indlæs data igen (make data eller python -m etl load).")
                self._info = _read_info(host)
                self._host = host
                self._version = version
        return self._info

    def _pinned(self) -> tuple[int, Path] | None:
        path = self.store.version_path(self.pin)
        return (self.pin, path) if path.exists() else None

    @property
    def version(self) -> int | None:
        """The attached version."""
        return self._version

    def query(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        """Run one parameterised query on the attached version, in a cursor of its own."""
        if self._host is None:
            raise RuntimeError("ingen database er tilknyttet")
        cursor = self._host.cursor()
        try:
            cursor.execute("USE live")
            return cursor.sql(sql, params=params or {}).pl()
        finally:
            cursor.close()

    def run(self, name: str, params: dict | None = None) -> pl.DataFrame:
        """Run analysis/sql/<name>.sql with these parameters."""
        return self.query(read_sql(name), params)


@cache
def read_sql(name: str) -> str:
    """The text of analysis/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _locked_host(path: Path, versions_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory host with the served file at `path` attached as `live`, then sealed: the one
    file it opens lies in the served versions folder, and once it is open no file is allowed
    (no allowed directories, so nothing can be read, copied or exported even there)."""
    if path.resolve().parent != versions_dir.resolve():
        raise RuntimeError(f"{path} ligger ikke i {versions_dir}")
    host = duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    literal = "'" + str(path.resolve()).replace("'", "''") + "'"
    host.execute(f"ATTACH {literal} AS live (READ_ONLY)")
    host.execute("SET enable_external_access = false")
    host.execute("SET lock_configuration = true")
    return host


def _read_info(host: duckdb.DuckDBPyConnection) -> DatasetInfo:
    row = host.execute(
        "SELECT version, loaded_at, synthetic, data_end_date, first_referral_date, pilot_start, "
        "pilot_end, has_health_advice_channels FROM live.meta_dataset"
    ).fetchall()[0]
    return DatasetInfo(*row)
