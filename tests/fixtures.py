"""The tiny valid dataset (hand-checked answers live in the tests) and a writer for it."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from etl.publish import work_pointer


CASE_COLUMNS = [
    "case_id", "municipality_code", "sex", "age_band", "referral_date", "team_meeting_date",
    "decision", "decision_date", "citizen_involved", "course_start_date", "coordinator_assigned_date",
    "internship_start_date", "internship_completed", "course_end_date", "end_reason",
]
REQUEST_COLUMNS = [
    "request_id", "case_id", "request_date", "offer_type", "request_context", "dialogue_date",
    "advice_date", "advice_outcome",
]
GRANT_COLUMNS = [
    "grant_id", "municipality_code", "focus_area", "project_title", "granted_dkk", "spent_dkk",
    "period_start", "period_end",
]
CHANNEL_COLUMNS = ["municipality_code", "quarter", "channel", "count"]

# Eight cases in three municipalities (101 København, 147 Frederiksberg in Hovedstaden;
# 751 Aarhus in Midtjylland). Four ressourceforløb: C01 2016-04-01..2018-03-31 (101),
# C02 2016-05-01..open (101), C04 2017-04-01..2019-12-31 (147), C06 2017-12-01..2018-11-30 (751).
CASES = [
    ["C01", "101", "F", "30-39", "2016-01-04", "2016-03-01", "resource_course", "2016-03-15", "true",
     "2016-04-01", "2016-03-20", "2016-09-01", "true", "2018-03-31", "disability_pension"],
    ["C02", "101", "M", "40-49", "2016-02-01", "2016-04-01", "resource_course", "2016-04-20", "false",
     "2016-05-01", "2016-04-25", "", "", "", ""],
    ["C03", "147", "F", "50-59", "2016-03-01", "2016-05-02", "flex_job", "2016-05-20", "true",
     "", "", "", "", "", ""],
    ["C04", "147", "F", "16-29", "2017-01-10", "2017-03-01", "resource_course", "2017-03-10", "true",
     "2017-04-01", "2017-03-15", "2017-10-02", "false", "2019-12-31", "job"],
    ["C05", "751", "M", "60+", "2017-06-01", "2017-08-01", "disability_pension", "2017-08-15", "false",
     "", "", "", "", "", ""],
    ["C06", "751", "F", "30-39", "2017-09-01", "2017-11-01", "resource_course", "2017-11-20", "true",
     "2017-12-01", "2017-11-25", "", "", "2018-11-30", "flex_job"],
    ["C07", "101", "F", "40-49", "2018-02-01", "2018-04-03", "other", "2018-04-20", "",
     "", "", "", "", "", ""],
    ["C08", "101", "M", "30-39", "2019-01-15", "", "", "", "", "", "", "", "", "", ""],
]
REQUESTS = [
    ["P1", "C04", "2017-10-01", "company_internship", "concrete_offer", "2017-10-10", "2017-10-20", "offer_adjusted"],
    ["P2", "C02", "2018-02-01", "mentor", "early_clarification", "", "", ""],
    ["P3", "C06", "2018-01-15", "health_or_social", "early_clarification", "2018-01-22", "2018-02-05", "offer_kept"],
]
GRANTS = [
    ["G1", "751", "citizen_involvement", "Borgeren først", "2000000", "1500000", "2017-07-01", "2019-06-30"],
    ["G2", "101", "processing_times", "Hurtigere afklaring", "1250000", "", "2017-10-01", "2019-06-30"],
]
CHANNELS = [
    ["101", "2017-Q3", "coordinator_sparring", "4"],
    ["101", "2017-Q3", "gp_involvement", "0"],
    ["751", "2017-Q4", "gp_involvement", "7"],
]

TABLES = {
    "cases": (CASE_COLUMNS, CASES),
    "pilot_requests": (REQUEST_COLUMNS, REQUESTS),
    "pool_grants": (GRANT_COLUMNS, GRANTS),
    "health_advice_channels": (CHANNEL_COLUMNS, CHANNELS),
}


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    """Write one CSV file exactly as given."""
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_dataset(folder: Path, overrides: dict[str, tuple[list[str], list[list[str]]]] | None = None,
                  omit: tuple[str, ...] = ()) -> Path:
    """The tiny valid dataset as CSV files in `folder`, with some tables replaced or left out."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {**TABLES, **(overrides or {})}
    for name, (header, rows) in tables.items():
        if name not in omit:
            write_csv(folder / f"{name}.csv", header, [list(r) for r in rows])
    return folder


def open_published(db: Path) -> duckdb.DuckDBPyConnection:
    """An independent read of what a load published behind the pointer `db`: the served file,
    read-only, with the load's own database attached behind it, so release tables come from the
    served file and case-level tables and marts (the tests' truth) from the load's database."""
    con = duckdb.connect(str(db), read_only=True)
    load = str(work_pointer(db)).replace("'", "''")
    con.execute(f"ATTACH '{load}' AS load (READ_ONLY)")
    con.execute("SET search_path = 'main,load.main'")
    return con
