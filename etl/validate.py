"""Check raw tables against the contract in SQL, and turn failures into located problems."""

from __future__ import annotations

from datetime import date

import duckdb

import settings
from etl import contract, extract, sqlfiles
from etl.contract import CATEGORY, INTEGER, TEXT, Table
from etl.extract import RawTable
from etl.problems import Problem

# Rules that make the whole extract suspect are listed first.
_PRIORITY = {"value.cpr": 0}

def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def category_macros(con: duckdb.DuckDBPyConnection) -> None:
    """One macro per categorical column, mapping any accepted label to its code (NULL if none)."""
    for table in contract.TABLES.values():
        for col in table.columns:
            if col.type != CATEGORY:
                continue
            folded = " ".join(
                f"WHEN {_literal(label)} THEN {_literal(code)}"
                for label, code in sorted(contract.label_lookup(col).items())
            )
            exact = " ".join(f"WHEN {_literal(code)} THEN {_literal(code)}" for code in col.values)
            # Codes as written take the fast path; other spellings are folded and looked up.
            con.execute(
                f"CREATE OR REPLACE TEMP MACRO cat_{table.name}_{col.name}(v) AS "
                f"CASE WHEN v IS NULL THEN NULL ELSE CASE v {exact} ELSE CASE rf_fold(v) {folded} END END END"
            )


def _column_rules(table: Table, extra_names: list[str], max_chars: int, control: bool) -> list[tuple[str, ...]]:
    """Missing required values, unreadable values, CPR numbers, control characters (if `control`)
    and values over the size limit, as (condition on "r.<raw>"/"s.<parsed>", column, value, rule).

    The staging table holds each raw row parsed, in the same order, so a value is unreadable
    exactly where the raw text is there and the parsed value is not; nothing is parsed twice.
    Cleaning the text (rf_clean) is paid only where the parsed value is missing: a CASE, since
    the optimiser may reorder the terms of an AND and clean every value of the file.
    """
    rules = []
    for col in table.columns:
        raw, parsed = f'"r.{col.name}"', f'"s.{col.name}"'
        if col.required:
            rules.append((f"CASE WHEN {parsed} IS NULL THEN rf_clean({raw}) IS NULL ELSE false END", col.name, raw,
                          "'value.required'"))
        if col.type != TEXT:
            # A value that cannot be read is reported once: as a CPR number if it looks like one.
            rule = f"CASE WHEN rf_is_cpr({raw}) THEN 'value.cpr' ELSE 'value.{col.type}' END"
            rules.append((f"CASE WHEN {parsed} IS NULL AND {raw} IS NOT NULL THEN rf_clean({raw}) IS NOT NULL "
                          "ELSE false END", col.name, raw, rule))
        if col is contract.MUNICIPALITY:
            rules.append((f"{parsed} NOT IN (SELECT code FROM ref_municipality)", col.name, raw,
                          "'value.municipality'"))
        if col.type in (TEXT, INTEGER):
            readable = "" if col.type == TEXT else f" AND {parsed} IS NOT NULL"
            rules.append((f"rf_is_cpr({raw}){readable}", col.name, raw, "'value.cpr'"))
    for name in extra_names:
        rules.append((f'rf_is_cpr("r.{name}")', name, f'"r.{name}"', "'value.cpr'"))
    for raw in [f'"r.{c.name}"' for c in table.columns] + [f'"r.{n}"' for n in extra_names]:
        column = raw[3:-1]
        if control:
            rules.append((f"rf_has_control({raw})", column, raw, "'value.control'"))
        rules.append((f"length({raw}) > {int(max_chars)}", column, raw, "'value.size'"))
    return rules


def _suspects(table: Table, relation: str, extra_names: list[str], rules: list[tuple[str, ...]]) -> str:
    """The rows that break any column rule, raw and parsed side by side, in one pass over the file."""
    columns = ", ".join([*(f'r."{c.name}" AS "r.{c.name}", s."{c.name}" AS "s.{c.name}"' for c in table.columns),
                         *(f'r."{n}" AS "r.{n}"' for n in extra_names)])
    return (f"SELECT s._rec, {columns} FROM {relation} r POSITIONAL JOIN stg_{table.name} s "
            f"WHERE {' OR '.join(f'({cond})' for cond, *_ in rules)}")


def _column_problems(rules: list[tuple[str, ...]]) -> str:
    """The suspect rows taken apart rule by rule: (record, column, value, rule) of each broken one."""
    return "\nUNION ALL\n".join(
        f"SELECT _rec, '{column}' AS column_name, {value} AS value, {rule} AS rule FROM suspects WHERE {cond}"
        for cond, column, value, rule in rules)


def _key_check(table: Table) -> str:
    """Every record whose key occurs more than once."""
    key = ", ".join(table.key)
    not_null = " AND ".join(f"{k} IS NOT NULL" for k in table.key)
    return (
        f"WITH dup AS (SELECT {key} FROM stg_{table.name} WHERE {not_null} GROUP BY {key} HAVING count(*) > 1) "
        f"SELECT s._rec, '{table.key[-1] if len(table.key) == 1 else ', '.join(table.key)}' AS column_name, "
        f"concat_ws(' / ', {', '.join(f'CAST(s.{k} AS VARCHAR)' for k in table.key)}) AS value, 'key.duplicate' AS rule "
        f"FROM stg_{table.name} s SEMI JOIN dup USING ({key})"
    )


def check(
    con: duckdb.DuckDBPyConnection,
    raws: dict[str, RawTable],
    pilot_window: tuple[date, date],
    limit: int,
) -> tuple[list[Problem], int]:
    """All problems in the loaded raw tables: the first `limit` located, and the total count."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE problems "
        "(table_name VARCHAR, _rec BIGINT, column_name VARCHAR, value VARCHAR, rule VARCHAR)"
    )
    for name, raw in raws.items():
        table = contract.TABLES[name]
        extras = [c for c in _raw_columns(con, raw.relation) if c.startswith("_extra_")]
        rules = _column_rules(table, extras, settings.MAX_CELL_CHARS, control=not raw.control_free)
        con.execute(f"CREATE OR REPLACE TEMP TABLE suspects AS {_suspects(table, raw.relation, extras, rules)}")
        # Almost always no row is suspect: the query of one branch per rule is planned and run only
        # when one is (planning it costs tens of milliseconds a table, whatever the table's size).
        if con.execute("SELECT count(*) FROM suspects").fetchall()[0][0]:
            con.execute(f"CREATE OR REPLACE TEMP TABLE column_problems AS {_column_problems(rules)}")
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE column_problems "
                        "(_rec BIGINT, column_name VARCHAR, value VARCHAR, rule VARCHAR)")
        params = {"pilot_start": pilot_window[0], "pilot_end": pilot_window[1]}
        row_sql = sqlfiles.read("checks", name)
        used = {k: v for k, v in params.items() if f"${k}" in row_sql}
        con.execute(
            f"INSERT INTO problems SELECT '{name}', * FROM column_problems "
            f"UNION ALL SELECT '{name}', * FROM ({row_sql}) "
            f"UNION ALL SELECT '{name}', * FROM ({_key_check(table)})",
            used,
        )
    header_problems = [p for raw in raws.values() for p in extract.unknown_column_problems(raw)]
    total = con.sql("SELECT count(*) FROM problems").fetchall()[0][0] + len(header_problems)
    if total == 0:
        return [], 0
    # Column position in the file, so a line's problems read left to right.
    positions = [f"{name}.{col}" for name, raw in raws.items() for col in raw.headers]
    rows = con.execute(
        "SELECT table_name, _rec, column_name, value, rule FROM problems "
        "ORDER BY CASE WHEN rule = 'value.cpr' THEN 0 ELSE 1 END, "
        "list_position($tables, table_name), _rec, list_position($positions, table_name || '.' || column_name), rule "
        "LIMIT $limit",
        {"tables": list(contract.TABLES), "positions": positions, "limit": limit},
    ).fetchall()
    return (header_problems + _locate(con, rows, raws))[:limit], total


def _raw_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]


def _locate(con: duckdb.DuckDBPyConnection, rows: list[tuple], raws: dict[str, RawTable]) -> list[Problem]:
    """Problems with the file, line/row, the header and the value as written in the file."""
    by_table: dict[str, list[int]] = {}
    for table_name, rec, *_ in rows:
        by_table.setdefault(table_name, []).append(rec)
    where = {name: raws[name].locate(sorted(set(recs))) for name, recs in by_table.items()}
    written = {name: _raw_rows(con, raws[name].relation, recs) for name, recs in by_table.items()}
    problems = []
    for table_name, rec, column, value, rule in rows:
        raw = raws[table_name]
        if value is not None and column in written[table_name].get(rec, {}):
            value = written[table_name][rec][column]
        shown = raw.headers.get(column, column)
        detail = ""
        if rule == "value.category":
            detail = "tilladt: " + ", ".join(
                " / ".join((code, *labels)) for code, labels in contract.TABLES[table_name].column(column).values.items()
            )
        problems.append(Problem(raw.source.label, where[table_name][rec], shown, value, rule, detail))
    return problems


def _raw_rows(con: duckdb.DuckDBPyConnection, relation: str, recs: list[int]) -> dict[int, dict]:
    """The listed records of a raw table as written (record index -> column -> text)."""
    result = con.execute(f"SELECT rowid AS _rec, * FROM {relation} WHERE rowid IN (SELECT unnest($recs))", {"recs": recs})
    names = [d[0] for d in result.description]
    return {row[0]: dict(zip(names[1:], row[1:])) for row in result.fetchall()}


def dataset_problems(con: duckdb.DuckDBPyConnection, raws: dict[str, RawTable], manifest: dict,
                     manifest_label: str) -> list[Problem]:
    """Rules on the dataset as a whole, checked once its values are valid: cases has rows, and
    a declared data end is not before the latest date in the data."""
    problems = []
    cases = raws.get("cases")
    if cases is not None and cases.rows == 0:
        problems.append(Problem(cases.source.label, "", "", None, "table.empty", "cases"))
    declared = manifest.get("data_end_date")
    if declared is not None and cases is not None and cases.rows:
        latest = con.execute(sqlfiles.read("checks", "data_end")).fetchall()[0][0]
        if latest is not None and date.fromisoformat(declared) < latest:
            problems.append(Problem(manifest_label, "", "data_end_date", declared, "manifest.data_end_date",
                                    f"seneste dato i data er {latest.isoformat()}"))
    return problems
