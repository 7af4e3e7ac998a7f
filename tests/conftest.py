"""Shared fixtures: the tiny dataset written as contract files, and a database built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.load import load
from tests.fixtures import write_dataset
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
