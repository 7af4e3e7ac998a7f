"""Paths and settings for the whole project, overridable by environment variables."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("RF_DATA_DIR", ROOT / "data"))
REFERENCE_DIR = ROOT / "data" / "reference"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference" / "kommuner.csv"

# The dashboard reads the database that this pointer names (a symlink to a versioned file).
DB_PATH = Path(os.environ.get("RF_DB", DATA_DIR / "ressourceforloeb.duckdb"))


def db_path() -> Path:
    """The pointer the dashboard reads, looked up each time so tests can point elsewhere."""
    return Path(os.environ.get("RF_DB", DB_PATH))

DEFAULT_DATASET_DIR = Path(os.environ.get("RF_DEFAULT_DATASET", DATA_DIR / "raw" / "default"))

DEFAULT_SEED = 2017
PILOT_START = date(2017, 7, 1)
PILOT_END = date(2019, 6, 30)

# Disclosure control: counts from 1 to K_ANONYMITY - 1 are hidden.
K_ANONYMITY = int(os.environ.get("RF_K", "5"))

# How many published versions the ETL keeps beside the current one.
KEEP_VERSIONS = int(os.environ.get("RF_KEEP_VERSIONS", "3"))

# How many problems a rejected load lists before it only counts the rest.
MAX_PROBLEMS_LISTED = int(os.environ.get("RF_MAX_PROBLEMS", "100"))
