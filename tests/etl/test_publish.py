"""Publishing is atomic: a killed load leaves the previous version serving; readers never break.

(The served file's contents, the app's locked connection and a crash while the served file is
written: tests/etl/test_served.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

import settings
from analysis.database import LiveDatabase
from etl.load import load
from etl.publish import Store, work_pointer
from tests.fixtures import CASES, write_dataset

ROOT = Path(settings.ROOT)


def _big_dataset(folder: Path, copies: int) -> Path:
    """The tiny dataset with its cases repeated under new ids (the pilot requests keep C0x)."""
    write_dataset(folder)
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        for i in range(copies):
            for row in CASES:
                f.write(",".join([f"X{i:07d}{row[0]}", *row[1:]]) + "\n")
    return folder


def _cases_in(db: Path) -> int:
    """Cases in the load's database beside the served pointer `db`."""
    con = duckdb.connect(str(work_pointer(db)), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM fct_cases").fetchall()[0][0]
    finally:
        con.close()


# Courses started in 2016 for the whole country, as released: hidden in the tiny dataset (2),
# shown once its cases are repeated. The served file holds no case-level table to count.
STARTED_2016 = ("SELECT coalesce(value, -1) AS n FROM rel_cells WHERE measure = 'courses_started' "
                "AND period = '2016' AND area = '000' AND grp = ''")


def _etl(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True, **kwargs)


@pytest.mark.parametrize("delay", [0.0, 0.4])
def test_a_load_killed_midway_leaves_the_previous_version_serving(tmp_path, tiny_dataset, delay):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    big = _big_dataset(tmp_path / "big", 40_000)
    store = Store(db)
    staged = Store(work_pointer(db)).staging_path(2)  # the load's database, written first
    process = subprocess.Popen([sys.executable, "-m", "etl", "load", str(big), "--db", str(db)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not staged.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    assert process.poll() is None, "the load finished before it could be killed: make the dataset bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()

    version, path = store.current()
    assert version == 1 and Store(work_pointer(db)).current()[0] == 1
    assert _cases_in(db) == len(CASES)
    assert json.loads(_etl("status", "--db", str(db), "--json").stdout)["version"] == 1

    # The next load cleans up what the killed one left and publishes normally.
    result = load([tiny_dataset], db)
    assert result.version == 2 and store.current()[0] == 2
    assert not list(store.versions_dir.glob(".v*.tmp*"))
    assert not list(Store(work_pointer(db)).versions_dir.glob(".v*.tmp*"))


@pytest.mark.slow  # three loads while two readers query: 23 s; make test-all
def test_readers_keep_working_while_versions_are_published(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    big = _big_dataset(tmp_path / "big", 2_000)
    live = LiveDatabase(db)
    assert live.refresh().version == 1
    allowed = {-1, 2 * 2_001}  # hidden in the tiny dataset, shown in the big one
    seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                live.refresh()
                seen.add(live.query(STARTED_2016)["n"][0])
            except BaseException as exc:  # any failure is the test's finding
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for source in (big, tiny_dataset, big):
            load([source], db)
    finally:
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors
    assert seen <= allowed and len(seen) == 2
    assert live.refresh().version == 4


@pytest.mark.slow  # five loads: make test-all
def test_old_versions_are_pruned_but_the_current_one_kept(tmp_path, tiny_dataset, monkeypatch):
    monkeypatch.setattr(settings, "KEEP_VERSIONS", 2)
    db = tmp_path / "rf.duckdb"
    for _ in range(4):
        load([tiny_dataset], db)
    store, work = Store(db), Store(work_pointer(db))
    assert store.versions() == [3, 4] and store.current()[0] == 4
    assert work.versions() == [3, 4] and work.current()[0] == 4
    con = duckdb.connect(str(work.pointer), read_only=True)  # the load log lives on the load side
    assert [r[0] for r in con.execute("SELECT version FROM meta_load_log ORDER BY 1").fetchall()] == [1, 2, 3, 4]
    con.close()


def test_cli_exit_codes_and_status(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    ok = _etl("load", str(tiny_dataset), "--db", str(db))
    assert ok.returncode == 0, ok.stderr
    assert "Version 1 udgivet" in ok.stdout and str(work_pointer(db).with_suffix(".versions")) in ok.stdout

    bad = write_dataset(tmp_path / "bad")
    (bad / "pool_grants.csv").write_text((bad / "pool_grants.csv").read_text().replace("2000000", "to mio."))
    rejected = _etl("load", str(bad), "--db", str(db))
    assert rejected.returncode == 2
    assert "pool_grants.csv, linje 2, kolonne granted_dkk, værdi 'to mio.'" in rejected.stderr
    assert "er uændret" in rejected.stderr

    status = json.loads(_etl("status", "--db", str(db), "--json").stdout)
    assert status["version"] == 1 and status["synthetic"] is False
    assert status["tables"] == {"cases": 8, "pilot_requests": 3, "pool_grants": 2, "health_advice_channels": 3}
    assert {s["table"] for s in status["sources"]} == {"cases", "pilot_requests", "pool_grants", "health_advice_channels"}
    assert all(len(s["sha256"]) == 64 for s in status["sources"])

    # A database path whose folder cannot be made is our failure to write, not the file's: exit 1.
    blocker = tmp_path / "file"
    blocker.write_text("")
    internal = _etl("load", str(tiny_dataset), "--db", str(blocker / "rf.duckdb"))
    assert internal.returncode == 1 and "Intern fejl" in internal.stderr

    missing = _etl("load", str(tmp_path / "nowhere"), "--db", str(db))
    assert missing.returncode == 2 and "findes ikke" in missing.stderr


def test_synthetic_flag_comes_from_the_manifest(tmp_path, tiny_dataset):
    (tiny_dataset / "dataset.json").write_text(json.dumps({"synthetic": True, "data_end_date": "2024-12-31"}))
    db = tmp_path / "rf.duckdb"
    assert load([tiny_dataset], db).synthetic is True
    assert json.loads(_etl("status", "--db", str(db), "--json").stdout)["synthetic"] is True
    assert os.path.islink(db)


def test_a_pinned_reader_stays_on_its_version_while_newer_ones_are_published(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    big = _big_dataset(tmp_path / "big", 3)
    load([big], db)
    pinned, following = LiveDatabase(db, pin=1), LiveDatabase(db)
    assert pinned.refresh().version == 1 and following.refresh().version == 2
    assert pinned.query(STARTED_2016)["n"][0] == -1  # 2 courses: hidden
    assert following.query(STARTED_2016)["n"][0] == 2 * 4
    assert LiveDatabase(db, pin=9).refresh() is None  # a version that is gone attaches nothing
