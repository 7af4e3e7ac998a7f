"""The served file holds the release alone; the app's connection reaches nothing else; `etl status`
tells the served file and the load's database apart; a crash while the served file is written
leaves the previous version serving."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

import settings
from analysis.database import LiveDatabase, NotServed
from etl import served
from etl.cli import main
from etl.load import load
from etl.publish import Store, work_pointer

ROOT = Path(settings.ROOT)

# Written out here rather than imported: what must never reach the app.
CASE_LEVEL = {"fct_cases", "fct_pilot_requests", "fct_pool_grants", "fct_health_advice_channels",
              "agg_course_stock_month", "agg_decisions_year", "meta_load_log"}
# Identifier-like columns the served file may hold: public events and published figures.
PUBLIC_IDS = {"event_id", "figure_id"}
ID_COLUMN = re.compile(r"(^|_)(id|key|nr|cpr\w*|personnummer|birth|dob|f(ø|oe)dsel\w*)$", re.IGNORECASE)
PERSONAL = re.compile(r"cpr|birth|fødsel|foedsel|person|sags|case_|request_|anmodning", re.IGNORECASE)


def _tables(path: Path) -> dict[str, list[str]]:
    """Every table of a database file with its columns, and its views."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                         "WHERE database_name = current_database() ORDER BY 1, column_index").fetchall():
            columns.setdefault(table, []).append(column)
        views = con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
                            "AND NOT internal").fetchall()
    finally:
        con.close()
    assert not views, f"views in {path.name}: {views}"
    return columns


def _etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True)


# --- what the served file holds ------------------------------------------------------------------


def test_the_served_file_holds_the_release_and_no_case_level_table(tiny_db):
    _, path = Store(tiny_db).current()
    tables = _tables(path)
    assert set(tables) == {t for t in tables if t in served.SERVED_TABLES or t.startswith("rel_")}
    assert set(served.SERVED_TABLES) <= set(tables) and {"rel_cells", "rel_certificate"} <= set(tables)
    assert not CASE_LEVEL & set(tables)
    assert not [t for t in tables if t.startswith(("fct_", "agg_", "stg_", "raw_"))]
    ids = [f"{t}.{c}" for t, cols in tables.items() for c in cols if ID_COLUMN.search(c) and c not in PUBLIC_IDS]
    personal = [f"{t}.{c}" for t, cols in tables.items() for c in cols if PERSONAL.search(c)]
    assert not ids and not personal, (ids, personal)
    # The case level exists, on the load side only.
    _, load_file = Store(work_pointer(tiny_db)).current()
    assert load_file.parent != path.parent
    assert CASE_LEVEL <= set(_tables(load_file))
    assert "case_key" in _tables(load_file)["fct_cases"]


def test_the_writer_copies_only_the_allow_list_and_the_check_refuses_anything_else(tmp_path):
    source = duckdb.connect(str(tmp_path / "load.duckdb"))
    for name in (*served.SERVED_TABLES, "rel_cells", "fct_cases", "secret"):
        source.execute(f"CREATE TABLE {name} AS SELECT 1 AS value")
    served.write(source, tmp_path / "served.duckdb")
    assert set(_tables(tmp_path / "served.duckdb")) == {*served.SERVED_TABLES, "rel_cells"}
    served.check(tmp_path / "served.duckdb")

    # A table outside the allow-list, a view, or an id column under an allowed name: refused.
    source.execute("CREATE TABLE rel_people AS SELECT 'C01' AS case_key, 1 AS value")
    source.execute("CREATE VIEW rel_view AS SELECT 1 AS value")
    source.close()
    with pytest.raises(served.ServedFileError) as refused:
        served.check(tmp_path / "load.duckdb")
    message = str(refused.value)
    assert "fct_cases" in message and "secret" in message and "rel_view" in message
    assert "rel_people.case_key" in message


def test_a_served_file_that_fails_the_check_is_not_published(tmp_path, tiny_dataset, monkeypatch):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    before, before_load = Store(db).current(), Store(work_pointer(db)).current()
    # A mistaken allow-list lets the cases through: the column check after writing stops them.
    monkeypatch.setattr(served, "SERVED_TABLES", (*served.SERVED_TABLES, "fct_cases"))
    with pytest.raises(served.ServedFileError, match="fct_cases.case_key"):
        load([tiny_dataset], db)
    assert Store(db).current() == before and Store(work_pointer(db)).current() == before_load
    assert Store(db).versions() == [1] and Store(work_pointer(db)).versions() == [1]
    for store in (Store(db), Store(work_pointer(db))):
        assert not list(store.versions_dir.glob(".v*"))


# --- the app's connection ------------------------------------------------------------------------


def test_the_app_connection_reaches_no_other_file(tiny_db):
    live = LiveDatabase(tiny_db)
    assert live.refresh().version == 1
    data = tiny_db.parent
    _, load_file = Store(work_pointer(tiny_db)).current()
    versions = Store(tiny_db).versions_dir
    for sql in (
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        f"SELECT * FROM read_text('{load_file}')",
        f"ATTACH '{load_file}' AS case_level (READ_ONLY)",
        f"ATTACH OR REPLACE '{load_file}' AS live (READ_ONLY)",
        f"ATTACH '{data}/new.duckdb' AS new",
        f"COPY (SELECT 1) TO '{data}/leak.csv'",
        f"COPY (SELECT 1) TO '{versions}/leak.csv'",
        "COPY (SELECT 1) TO '/tmp/rf-leak.csv'",
        f"EXPORT DATABASE live TO '{versions}/export'",
        "SELECT count(*) FROM fct_cases",
        "CREATE TABLE live.x AS SELECT 1",
        "SET enable_external_access = true",
        f"SET allowed_directories = ['{data}/']",
        "SET lock_configuration = false",
        "INSTALL httpfs",
        "LOAD httpfs",
    ):
        with pytest.raises(duckdb.Error):
            live.query(sql)
    for leak in (data / "leak.csv", versions / "leak.csv", Path("/tmp/rf-leak.csv"), data / "new.duckdb",
                 versions / "export"):
        assert not leak.exists(), leak
    # Still serving, and the served version only.
    assert live.query("SELECT version FROM meta_dataset")["version"][0] == 1


def test_the_app_refuses_a_file_holding_more_than_the_release(tiny_db, monkeypatch):
    with pytest.raises(NotServed, match="fct_cases"):
        LiveDatabase(work_pointer(tiny_db)).refresh()
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RF_DB", str(work_pointer(tiny_db)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "kun en udgivet fil" in at.error[0].value and "make data" in at.error[0].value


# --- etl status ----------------------------------------------------------------------------------


def test_status_shows_the_served_file_and_the_load_database(tmp_path, tiny_dataset):
    db, work = tmp_path / "rf.duckdb", tmp_path / "elsewhere" / "work.duckdb"
    empty = _etl("status", "--db", str(db), "--work-db", str(work))
    assert "Ingen version er udgivet" in empty.stdout and "Indlæsningens database: ingen endnu" in empty.stdout

    loaded = _etl("load", str(tiny_dataset), "--db", str(db), "--work-db", str(work))
    assert loaded.returncode == 0, loaded.stderr
    served_file, load_file = Store(db).version_path(1), Store(work).version_path(1)
    assert served_file.exists() and load_file.exists()

    text = _etl("status", "--db", str(db), "--work-db", str(work)).stdout
    assert "Dashboardet viser version 1" in text and f"Udgivet fil: {served_file}" in text
    assert "rel_cells\u00a0(" in text and "meta_dataset\u00a0(1)" in text and "fct_cases" not in text
    assert "Udgivelse certificeret" in text and "cases: 8 rækker indlæst" in text
    assert "Indlæsningens database (sager og marts; dashboardet åbner den ikke): version 1" in text
    assert f"Fil: {load_file}" in text and "Advarsel" not in text and "Bemærk" not in text

    info = json.loads(_etl("status", "--db", str(db), "--work-db", str(work), "--json").stdout)
    assert info["version"] == 1 and info["file"] == str(served_file)
    assert info["load"] == {"version": 1, "file": str(load_file), "pointer": str(work.absolute())}
    assert all(served.is_served(t) for t in info["served_tables"]) and info["served_tables"]["meta_dataset"] == 1
    assert info["served_problems"] == [] and info["certificate"]["k"] == settings.K_ANONYMITY
    assert info["tables"]["cases"] == 8 and len(info["sources"]) == 4

    # One folder for both is refused: the load's database must not lie where the app may read.
    assert main(["load", str(tiny_dataset), "--db", str(db), "--work-db", str(db)]) == 1


# --- crashes -------------------------------------------------------------------------------------

# Kill the load (SIGKILL: no cleanup runs) after it has copied some tables into the served file.
KILL_WHILE_SERVING = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from etl import served
    from etl.load import load

    copy, copied = served._copy, []

    def copy_then_die(con, name):
        copy(con, name)
        copied.append(name)
        if len(copied) == 5:
            os.kill(os.getpid(), signal.SIGKILL)

    served._copy = copy_then_die
    load([Path(sys.argv[1])], Path(sys.argv[2]))
""")


def test_a_load_killed_while_writing_the_served_file_leaves_the_previous_version_serving(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    live = LiveDatabase(db)
    assert live.refresh().version == 1
    killed = subprocess.run([sys.executable, "-c", KILL_WHILE_SERVING, str(tiny_dataset), str(db)], cwd=ROOT,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store, work = Store(db), Store(work_pointer(db))
    assert store.staging_path(2).exists(), "the served file was being written when the load died"
    assert store.current()[0] == 1 and work.current()[0] == 1
    assert live.refresh().version == 1 and LiveDatabase(db).refresh().version == 1
    assert live.query("SELECT count(*) AS n FROM rel_cells")["n"][0] > 0
    status = json.loads(_etl("status", "--db", str(db), "--json").stdout)
    assert status["version"] == 1 and status["load"]["version"] == 1

    # The next load clears what the killed one left and publishes both files.
    result = load([tiny_dataset], db)
    assert result.version == 2 and store.current()[0] == 2 and work.current()[0] == 2
    assert not list(store.versions_dir.glob(".v*")) and not list(work.versions_dir.glob(".v*"))
    assert live.refresh().version == 2


@pytest.mark.slow  # the killed load above covers a crash while serving in the quick run
def test_a_failure_between_the_two_publishes_leaves_the_previous_version_serving(tmp_path, tiny_dataset,
                                                                                 monkeypatch):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    publish = Store.publish

    def load_side_only(self, staged, version):
        if self.pointer == db.absolute():
            raise OSError("disk full")
        return publish(self, staged, version)

    monkeypatch.setattr(Store, "publish", load_side_only)
    with pytest.raises(OSError):
        load([tiny_dataset], db)
    monkeypatch.undo()
    assert Store(db).current()[0] == 1 and Store(work_pointer(db)).current()[0] == 2
    assert LiveDatabase(db).refresh().version == 1
    text = _etl("status", "--db", str(db)).stdout
    assert "Dashboardet viser version 1" in text and "indlæsningens database er version 2" in text

    # The next load takes a number neither side has used.
    assert load([tiny_dataset], db).version == 3
    assert Store(db).current()[0] == 3 and Store(work_pointer(db)).current()[0] == 3


# --- files published before the split ------------------------------------------------------------


def test_a_file_published_before_the_split_is_refused_then_retired(tmp_path, tiny_dataset):
    db = tmp_path / "rf.duckdb"
    load([tiny_dataset], db)
    # An old load published everything behind the app's pointer: the load's file stands in for it.
    store, work = Store(db), Store(work_pointer(db))
    shutil.copy(work.version_path(1), store.version_path(1))
    shutil.rmtree(work.pointer.parent)

    with pytest.raises(NotServed):
        LiveDatabase(db).refresh()
    status = json.loads(_etl("status", "--db", str(db), "--json").stdout)
    assert status["load"] is None and status["tables"]["cases"] == 8  # read from the old file's log
    assert any("fct_cases" in p for p in status["served_problems"])
    assert "Advarsel: filen indeholder tabeller uden for udgivelsen" in _etl("status", "--db", str(db)).stdout

    load([tiny_dataset], db)
    assert store.versions() == [2] and not store.version_path(1).exists()  # the old file is gone
    assert LiveDatabase(db).refresh().version == 2
    con = duckdb.connect(str(work.pointer), read_only=True)
    try:  # the load log's history carried over from the old file
        assert con.execute("SELECT list(version ORDER BY version) FROM meta_load_log").fetchone()[0] == [1, 2]
    finally:
        con.close()
