"""Shared fixtures: the tiny dataset written as contract files, and a database built from it."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from etl.load import load
from tests.fixtures import CASES, write_dataset
from tests.pilot_fixture import write_pilot_dataset


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    """A folder holding the tiny valid dataset."""
    return write_dataset(tmp_path / "tiny")


@pytest.fixture
def tiny_db(tmp_path: Path, tiny_dataset: Path) -> Path:
    """A published database (version 1) built from the tiny dataset; returns the pointer."""
    db = tmp_path / "db" / "rf.duckdb"
    db.parent.mkdir()
    load([tiny_dataset], db)
    return db


@pytest.fixture(scope="module")
def pilot_db(tmp_path_factory) -> Path:
    """A published database (version 1) of the hand-worked pilot dataset; returns the pointer."""
    base = tmp_path_factory.mktemp("pilot")
    db = base / "rf.duckdb"
    load([write_pilot_dataset(base / "in")], db)
    return db


COPIES = 40  # the tiny dataset's cases repeated: 8 * 41 = 328 cases


@pytest.fixture(scope="session")
def page_db(tmp_path_factory) -> Path:
    """A published database of the tiny dataset with its cases repeated under new ids."""
    folder = write_dataset(tmp_path_factory.mktemp("pages") / "in")
    with open(folder / "cases.csv", "a", encoding="utf-8") as f:
        for i in range(COPIES):
            for row in CASES:
                f.write(",".join([f"X{i:04d}{row[0]}", *row[1:]]) + "\n")
    db = folder.parent / "rf.duckdb"
    load([folder], db)
    return db


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory, worker_id):
    """Published synthetic data by scale (the default seed), built once per test run: the attack,
    the nested views, the sweep and the pages read the same few databases. With several workers
    (make test), the first to need a scale builds it in their shared folder and the others wait."""
    import settings
    from etl.generate import generate

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    built: dict[float, Path] = {}

    def get(scale: float) -> Path:
        if scale not in built:
            base = shared / f"synthetic-{scale:g}"
            base.mkdir(exist_ok=True)
            with open(base / ".lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                if not (base / ".built").exists():
                    generate(base / "in", scale=scale, seed=settings.DEFAULT_SEED)
                    load([base / "in"], base / "rf.duckdb")
                    (base / ".built").touch()
            built[scale] = base / "rf.duckdb"
        return built[scale]

    return get
