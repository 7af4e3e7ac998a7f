"""One load: discover, read, validate, transform, and publish a new database version.

The load builds its database (contract tables, marts, release) on the load side and publishes
it there; the app's pointer gets a separate served file with the release alone (etl/served.py).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

import settings
from etl import contract, extract, served, transform, validate
from etl.problems import InvalidInput, Problem, mask_cpr, mask_json
from etl.publish import Store, work_pointer

if TYPE_CHECKING:
    from release.disclosure.certify import Certificate

STAGES = ("læser filer", "kontrollerer", "bygger tabeller", "beskytter udgivelsen", "udgiver")

Progress = Callable[[str], None]


@dataclass
class LoadResult:
    """What a successful load published."""

    version: int
    path: Path  # the served file (what the app shows)
    loaded_at: datetime
    synthetic: bool
    rows: dict[str, int]
    sources: list[dict]
    certificate: Certificate | None = None
    # Seconds per phase: read and validate, marts, release (build, protect, certify), publish.
    seconds: dict[str, float] = field(default_factory=dict)
    work_path: Path | None = None  # the load's database (case-level tables, marts, release)
    warnings: list[str] = field(default_factory=list)  # trouble after publishing, in Danish


def load(
    paths: list[Path],
    db: Path,
    *,
    work_db: Path | None = None,
    ignore_extra_columns: bool = False,
    encoding: str | None = None,
    pilot_window: tuple[date, date] = (settings.PILOT_START, settings.PILOT_END),
    progress: Progress | None = None,
) -> LoadResult:
    """Validate the dataset at `paths` and publish it as the next version behind `db`.

    The load's own database (contract tables, marts, release) is versioned behind `work_db`
    (default: publish.work_pointer(db)); `db` gets the served file, holding the release only.
    Raises InvalidInput (nothing published) when the files break the contract, and
    release.build.CertificationFailed (nothing published) when the release cannot be certified.
    """
    step = progress or (lambda stage: None)
    store = Store(db)
    work = Store(work_db if work_db is not None else work_pointer(db))
    if work.versions_dir.resolve() == store.versions_dir.resolve():
        raise ValueError("indlæsningens database og den udgivne fil skal ligge hver for sig")
    dataset = extract.discover([Path(p) for p in paths])
    with store.lock(), work.lock():
        # One number for both files; after a crash between the two publishes they may differ.
        version = max(store.next_version(), work.next_version())
        staged, served_staged = work.staging_path(version), store.staging_path(version)
        leftovers = [f for s in (staged, served_staged) for f in (s, s.with_name(s.name + ".wal"))]
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        # The load log's history: the load side's current version, or before the first split
        # load a served file that still holds the log.
        previous = work.current() or store.current()
        try:
            con = duckdb.connect(str(staged))
            try:
                result = _build(
                    con, dataset, version, previous, ignore_extra_columns, encoding, pilot_window, step
                )
                con.execute("CHECKPOINT")
                step(STAGES[4])
                started = time.perf_counter()
                served.write(con, served_staged)
            finally:
                con.close()
            served.check(served_staged)
            # The load side first: a crash between the two leaves the previous version serving.
            result.work_path = work.publish(staged, version)
            result.path = store.publish(served_staged, version)
            result.seconds["publish"] = time.perf_counter() - started
        except BaseException:
            for leftover in leftovers:
                leftover.unlink(missing_ok=True)
            for spill in (staged, served_staged):  # DuckDB's spill folder beside a staged file
                shutil.rmtree(spill.with_name(spill.name + ".tmp"), ignore_errors=True)
            raise
        # Published: tidying up old versions may fail without undoing that.
        try:
            work.prune(settings.KEEP_VERSIONS)
            store.prune(settings.KEEP_VERSIONS)
            served.retire_unserved(store)
        except (OSError, duckdb.Error) as exc:
            result.warnings.append(f"gamle versioner blev ikke ryddet op: {exc}")
    return result


def _build(
    con: duckdb.DuckDBPyConnection,
    dataset: extract.Dataset,
    version: int,
    previous: tuple[int, Path] | None,
    ignore_extra: bool,
    encoding: str | None,
    pilot_window: tuple[date, date],
    step: Progress,
) -> LoadResult:
    """Fill the staged file; raise InvalidInput before any mart is built if a rule is broken."""
    started = time.perf_counter()
    transform.macros(con)
    validate.category_macros(con)
    transform.build_reference(con)

    step(STAGES[0])
    raws: dict[str, extract.RawTable] = {}
    problems: list[Problem] = []
    total = 0
    for name, source in dataset.sources.items():
        try:
            raws[name] = extract.read_source(con, source, ignore_extra, encoding)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            total += exc.total
    if problems:
        raise InvalidInput(problems, total)
    for name, table in contract.TABLES.items():
        if name not in raws:  # an optional table that was not delivered: empty, same columns
            cols = ", ".join(f'CAST(NULL AS VARCHAR) AS "{c}"' for c in table.column_names)
            con.execute(f"CREATE OR REPLACE TEMP TABLE raw_{name} AS SELECT {cols} LIMIT 0")

    step(STAGES[1])
    transform.build_staging(con)
    found, total = validate.check(con, raws, pilot_window, settings.MAX_PROBLEMS_LISTED)
    whole = validate.dataset_problems(con, raws, dataset.manifest, extract.MANIFEST_NAME)
    if total or whole:
        raise InvalidInput((whole + found)[: settings.MAX_PROBLEMS_LISTED], total + len(whole))

    step(STAGES[2])
    validated = time.perf_counter()
    transform.build_marts(con)
    loaded_at = datetime.now(timezone.utc).replace(microsecond=0)
    synthetic = dataset.manifest.get("synthetic") is True
    rows = {name: raws[name].rows if name in raws else 0 for name in contract.TABLES}
    # The log is kept in every later version: nothing CPR-shaped may enter it, not even in a
    # file name or a dropped column's header.
    sources = [
        {
            "table": name,
            "file": str(raw.source.path.resolve()),
            "sha256": raw.sha256,
            "rows": raw.rows,
            "ignored_columns": raw.extra_columns,
            **raw.details,
        }
        for name, raw in raws.items()
    ]
    sources = mask_json(sources)
    _write_meta(con, version, previous, loaded_at, synthetic, rows, sources, dataset.manifest, pilot_window)
    step(STAGES[3])
    metaed = time.perf_counter()
    # Imported here: the release's statistics take seconds to import, and a load rejected by the
    # contract never gets this far.
    from release.build import build as build_release

    certificate = build_release(con, settings.K_ANONYMITY)
    released = time.perf_counter()
    seconds = {"read_validate": validated - started, "marts": metaed - validated, "release": released - metaed}
    return LoadResult(version, Path(), loaded_at, synthetic, rows, sources, certificate, seconds)


def _write_meta(con, version, previous, loaded_at, synthetic, rows, sources, manifest, pilot_window) -> None:
    """The load log (this load plus the history of earlier ones) and the dataset facts."""
    con.execute(
        "CREATE TABLE meta_load_log (version INTEGER, loaded_at TIMESTAMPTZ, synthetic BOOLEAN, "
        "contract_version VARCHAR, rows_json VARCHAR, sources_json VARCHAR, ignored_columns_json VARCHAR, "
        "manifest_json VARCHAR)"
    )
    if previous is not None:
        con.execute("ATTACH $p AS previous (READ_ONLY)", {"p": str(previous[1])})
        try:
            has_log = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND table_name = 'meta_load_log'"
            ).fetchall()[0][0]
            if has_log:
                # Masked again on the way: a log written before masking must not carry a CPR-shaped
                # string into every later version.
                history = con.execute("SELECT * FROM previous.meta_load_log ORDER BY version").fetchall()
                con.executemany("INSERT INTO meta_load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [[mask_cpr(v) if isinstance(v, str) else v for v in row] for row in history])
        finally:
            con.execute("DETACH previous")
    ignored = {s["table"]: s["ignored_columns"] for s in sources if s["ignored_columns"]}
    con.execute(
        "INSERT INTO meta_load_log VALUES ($version, $loaded_at, $synthetic, $contract, $rows, $sources, $ignored, $manifest)",
        {
            "version": version,
            "loaded_at": loaded_at,
            "synthetic": synthetic,
            "contract": contract.CONTRACT_VERSION,
            "rows": json.dumps(rows, sort_keys=True),
            "sources": json.dumps(sources, sort_keys=True, ensure_ascii=False),
            "ignored": json.dumps(ignored, sort_keys=True, ensure_ascii=False),
            "manifest": json.dumps(mask_json(manifest), sort_keys=True, ensure_ascii=False),
        },
    )
    # The data's end: the manifest says it for generated data; for real extracts the latest
    # date in the cases and requests stands in for the extraction date.
    declared = manifest.get("data_end_date")
    con.execute(
        "CREATE TABLE meta_dataset AS SELECT $version AS version, $loaded_at::TIMESTAMPTZ AS loaded_at, "
        "$synthetic AS synthetic, coalesce($declared::DATE, greatest((SELECT max(greatest(referral_date, "
        "team_meeting_date, decision_date, course_start_date, coordinator_assigned_date, internship_start_date, "
        "course_end_date)) FROM fct_cases), (SELECT max(greatest(request_date, dialogue_date, advice_date)) "
        "FROM fct_pilot_requests))) AS data_end_date, "
        "(SELECT min(referral_date) FROM fct_cases) AS first_referral_date, "
        "$pilot_start::DATE AS pilot_start, $pilot_end::DATE AS pilot_end, "
        "$has_channels AS has_health_advice_channels, "
        "$contract AS contract_version",
        {
            "version": version,
            "loaded_at": loaded_at,
            "synthetic": synthetic,
            "declared": declared,
            "pilot_start": pilot_window[0],
            "pilot_end": pilot_window[1],
            "contract": contract.CONTRACT_VERSION,
            "has_channels": any(s["table"] == "health_advice_channels" for s in sources),
        },
    )
