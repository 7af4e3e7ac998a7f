"""Build reference tables, staging views, intermediate keys and marts from the SQL files."""

from __future__ import annotations

import duckdb

import settings
from etl import sqlfiles

REFERENCE = {
    "ref_municipality": "kommuner.csv",
    "ref_region": "regioner.csv",
    "ref_published_figures": "published_figures.csv",
    "ref_events": "events.csv",
}
STAGING = ("stg_cases", "stg_pilot_requests", "stg_pool_grants", "stg_health_advice_channels")
# In dependency order: facts first, then aggregates built from them.
MARTS = (
    "fct_cases",
    "fct_pilot_requests",
    "fct_pool_grants",
    "fct_health_advice_channels",
    "agg_course_stock_month",
    "agg_decisions_year",
)


def build_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Reference tables from data/reference (committed, trusted files)."""
    for name, filename in REFERENCE.items():
        path = str(settings.REFERENCE_DIR / filename)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sqlfiles.read('reference', name)}", {"path": path})


def macros(con: duckdb.DuckDBPyConnection) -> None:
    """The parsing macros of sql/macros.sql."""
    con.execute((sqlfiles.SQL_DIR / "macros.sql").read_text(encoding="utf-8"))


def build_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Typed staging tables from the raw tables, in file order (temporary: never published).

    The staging SQL reads like a view, but it is materialised once: the checks and every mart
    read it, and parsing 1.5 million rows again for each of them cost more than the load itself.
    """
    for name in STAGING:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sqlfiles.read('staging', name)}")


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Every mart as a table of the published file."""
    for name in MARTS:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sqlfiles.read('marts', name)}")
