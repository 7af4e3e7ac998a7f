"""The dashboard's read-only, locked-down handles on the served files (the release only), one per version."""

from __future__ import annotations

import threading
from collections import OrderedDict
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
    """Follows the pointer and hands out one handle per data version (`Snapshot`).

    Each version gets an in-memory host that attaches that one served file read-only, then
    switches file access off and locks its configuration: no query can read or write another
    file (the load's database, a CSV, a copy), attach one or load an extension. A file holding
    anything outside the served allow-list (etl/served.py) is refused. The hosts of the few most
    recently used versions stay open; an older one closes once no query runs on it.
    """

    KEEP_HOSTS = 3  # the current version, the one before it (runs still on it), a briefing's pinned one

    def __init__(self, pointer: Path, pin: int | None = None):
        self.store = Store(pointer)
        self.pin = pin  # a fixed version (a briefing regenerated as briefed), or None to follow the pointer
        self._hosts: OrderedDict[int, _Host] = OrderedDict()
        self._current: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot | None:
        """The version the pointer names now (or the pinned one), as a handle that stays on it;
        None when there is nothing to attach."""
        current = self.store.current() if self.pin is None else self._pinned()
        if current is None:
            return None
        snapshot = Snapshot(self, self.host(*current))
        self._current = snapshot
        return snapshot

    def refresh(self) -> DatasetInfo | None:
        """Follow the pointer (or stay on the pinned version); None when there is nothing to attach."""
        snapshot = self.snapshot()
        return None if snapshot is None else snapshot.info

    def at(self, version: int) -> Snapshot | None:
        """A handle on version N while its file is kept; None when it is gone."""
        try:
            return Snapshot(self, self.host(version))
        except FileNotFoundError:
            return None

    def host(self, version: int, path: Path | None = None) -> _Host:
        """Version N's host, attached on first use; the least recently used beyond KEEP_HOSTS retire."""
        with self._lock:
            host = self._hosts.get(version)
            if host is not None:
                self._hosts.move_to_end(version)
                return host
            path = path or self.store.version_path(version)
            if not path.exists():
                raise FileNotFoundError(path)
            connection = _locked_host(path, self.store.versions_dir)
            problems = served.audit(connection, "live")
            if problems:
                connection.close()
                raise NotServed(
                    f"Dashboardet viser kun en udgivet fil med udgivelsen alene, men {path} indeholder "
                    + "; ".join(problems) + ". Indlæs data igen (make data eller python -m etl load).")
            host = self._hosts[version] = _Host(version, connection, _read_info(connection))
            while len(self._hosts) > self.KEEP_HOSTS:
                _, old = self._hosts.popitem(last=False)
                old.retire()  # queries still running on it finish first
            return host

    def _pinned(self) -> tuple[int, Path] | None:
        path = self.store.version_path(self.pin)
        return (self.pin, path) if path.exists() else None

    @property
    def version(self) -> int | None:
        """The version the last refresh attached."""
        return None if self._current is None else self._current.version

    def query(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        """Run one parameterised query on the version the last refresh attached."""
        if self._current is None:
            raise RuntimeError("ingen database er tilknyttet")
        return self._current.query(sql, params)

    def run(self, name: str, params: dict | None = None) -> pl.DataFrame:
        """Run analysis/sql/<name>.sql with these parameters."""
        return self.query(read_sql(name), params)


class Snapshot:
    """One data version, read from start to end: the handle a computation is given.

    It has the live database's interface (`run`, `query`, `refresh`), but it never follows the
    pointer: a computation of several queries reads one version, and a result cached under
    version N was computed on version N.
    """

    def __init__(self, live: LiveDatabase, host: _Host):
        self._live = live
        self._host = host

    @property
    def version(self) -> int:
        """The version this handle reads."""
        return self._host.version

    @property
    def info(self) -> DatasetInfo:
        """Facts about this handle's version."""
        return self._host.info

    def refresh(self) -> DatasetInfo:
        """This handle's version (it stays on it)."""
        return self._host.info

    def query(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        """Run one parameterised query on this version, in a cursor of its own."""
        host = self._host
        if not host.acquire():  # retired and closed between two queries: attach the same version again
            host = self._host = self._live.host(host.version)
            if not host.acquire():
                raise RuntimeError(f"dataversion {host.version} kan ikke læses")
        try:
            cursor = host.cursor()
            try:
                cursor.execute("USE live")
                return cursor.sql(sql, params=params or {}).pl()
            finally:
                cursor.close()
        finally:
            host.release()

    def run(self, name: str, params: dict | None = None) -> pl.DataFrame:
        """Run analysis/sql/<name>.sql with these parameters."""
        return self.query(read_sql(name), params)


class _Host:
    """One version's sealed in-memory host; closed once retired and no query runs on it."""

    def __init__(self, version: int, connection: duckdb.DuckDBPyConnection, info: DatasetInfo):
        self.version = version
        self.info = info
        self._connection = connection
        self._users = 0
        self._retired = False
        self._closed = False
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        """One more query runs here; False when the host is already closed."""
        with self._lock:
            if self._closed:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        """A query ended."""
        with self._lock:
            self._users -= 1
            self._close_if_idle()

    def retire(self) -> None:
        """No longer handed out; closes now or when its last running query ends."""
        with self._lock:
            self._retired = True
            self._close_if_idle()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection.cursor()

    def _close_if_idle(self) -> None:
        if self._retired and self._users == 0 and not self._closed:
            self._closed = True
            self._connection.close()


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
