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

# Limits on one input file, so that any file costs bounded memory and time. Each is far above
# what real extracts need (the synthetic dataset at scale 10 has about 1,6 million cases and
# 15 columns; a real project title is a line of text); a file beyond one is refused (exit 2).
MAX_FILE_BYTES = int(os.environ.get("RF_MAX_FILE_BYTES", str(4 * 1024**3)))  # also an XLSX unpacked
MAX_ROWS = int(os.environ.get("RF_MAX_ROWS", "20000000"))  # data rows per table
MAX_COLUMNS = int(os.environ.get("RF_MAX_COLUMNS", "200"))  # columns per table, extras included
MAX_CELL_CHARS = int(os.environ.get("RF_MAX_CELL_CHARS", "10000"))  # characters in one value
MAX_LINE_BYTES = int(os.environ.get("RF_MAX_LINE_BYTES", "1000000"))  # bytes in one CSV record
MAX_MANIFEST_BYTES = int(os.environ.get("RF_MAX_MANIFEST_BYTES", "1000000"))
