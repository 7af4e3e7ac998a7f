"""Shared fixtures: the tiny dataset written as contract files, and a database built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.load import load
from tests.fixtures import write_dataset


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
