"""Build, protect, certify and write the release: the only figures the app can show.

After the marts, on the load side: every theme declares the counts its pages, downloads and
briefing can show; the relations between them are written down; the one engine hides small
counts and whatever would let them be recomputed; an intruder holding the whole release then
attacks every hidden cell, and the release is written only if none can be narrowed below k.
"""

from __future__ import annotations

import time

import duckdb
import polars as pl

from release import areas as area_tree
from release import periods as period_catalogue
from release.cells import CellSet, merged
from release.context import Context, Dataset, Shown
from release.disclosure import rules
from release.disclosure.relations import relate
from release.disclosure.certify import Certificate, Claim, certify, settle
from release.disclosure.suppression import Layout, suppress
from release.overview import Overview
from release.pilot import Pilot
from release.pool import Pool
from release.processing import Processing

THEMES = (Overview, Pilot, Processing, Pool)


def build(con: duckdb.DuckDBPyConnection, k: int) -> Certificate:
    """Build the release into the load's database (tables rel_*), or raise CertificationFailed."""
    ctx = _context(con, k)
    themes = [theme(ctx) for theme in THEMES]
    started = time.perf_counter()
    # Themes whose counts no relation ties to another's (case processing and the pool, which count
    # the same referred cases, against the overview and the pilot) are protected apart: the
    # others' trials of optional tables then do not protect their cells again each time, and
    # what those release does not depend on them.
    names = list(dict.fromkeys(getattr(t, "part", "") for t in themes))
    parts = [_protected_part(ctx, [t for t in themes if getattr(t, "part", "") == name]) for name in names]
    cells, equations, hidden = _joined(parts)
    layout = Layout(cells.height, tuple(equations))
    shown = Shown(cells, hidden)
    suppressed = time.perf_counter() - started
    tables: dict[str, list[pl.DataFrame]] = {}
    for theme in themes:
        for name, frame in theme.tables(shown).items():
            tables.setdefault(name, []).append(frame)
    merged_tables = {n: pl.concat(f, how="diagonal_relaxed") for n, f in tables.items()}
    lower = [0] * cells.height
    if "rel_units" in merged_tables:
        merged_tables["rel_units"], lower = _settle_units(ctx, cells, layout, hidden, merged_tables["rel_units"])
    certificate = certify(cells, layout, hidden, k, lower, suppressed)
    _write(con, ctx, cells, hidden, equations, merged_tables, certificate)
    return certificate


def _protected_part(ctx: Context, themes: list) -> tuple[pl.DataFrame, list, list[bool]]:
    """The cells of these themes protected together, zeros that would pin a count of units
    hidden too (see the themes' pinning_zeros)."""
    declared = CellSet()
    for theme in themes:
        theme.declare(declared)
    cells, equations, hidden = _protect(ctx, declared)
    shown = Shown(cells, hidden)
    zeros = {shown.row(*key) for theme in themes for key in theme.pinning_zeros(shown)}
    if zeros:
        initial = [h or i in zeros for i, h in enumerate(hidden)]
        hidden = suppress(cells["value"].to_list(), Layout(cells.height, tuple(equations)), k=ctx.k, hidden=initial,
                          released=cells["released"].to_list(), cost=_costs(ctx, cells), local=True)
    return cells, equations, hidden


def _joined(parts: list[tuple[pl.DataFrame, list, list[bool]]]) -> tuple[pl.DataFrame, list, list[bool]]:
    """Protected parts side by side: cells numbered on, equations shifted with them."""
    frames, equations, hidden, offset = [], [], [], 0
    for cells, eqs, mask in parts:
        frames.append(cells.with_columns((pl.col("cell") + offset).cast(cells.schema["cell"])))
        equations += [(tuple(p + offset for p in members), total + offset) for members, total in eqs]
        hidden += list(mask)
        offset += cells.height
    return pl.concat(frames), equations, hidden


def _settle_units(ctx: Context, cells: pl.DataFrame, layout: Layout, hidden: list[bool],
                  units: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """Counts of units: keep those whose claims leave the release certified, hide the others,
    then hide more so that no hidden count can be recomputed from the others."""
    claims = [Claim("rel_units", i, tuple(c)) for i, c in enumerate(units["claim"].to_list()) if c]
    accepted, lower = settle(cells, layout, hidden, ctx.k, claims)
    rejected = {c.row for c in claims} - {c.row for c in accepted}
    units = units.with_row_index("_row").with_columns(
        (pl.col("hidden") | pl.col("_row").is_in(list(rejected))).alias("hidden")).with_columns(
        pl.when(pl.col("hidden")).then(None).otherwise(pl.col("value")).alias("value")).drop("_row", "claim")
    return rules.protect_unit_totals(units, ctx.areas), lower


def _protect(ctx: Context, declared: CellSet) -> tuple[pl.DataFrame, list, list[bool]]:
    """The released cells, their relations and the hidden mask: the required tables protected
    together, then each optional table in turn, released only if the data carry it: it hides no
    cell shown before it, and at least half of its own cells are shown. A table not released
    stays as unreleased cells: its counts exist all the same, and an intruder who subtracts shown
    counts meets them, so the engine protects the small ones."""
    accepted = declared.required()
    extra = declared.relations
    cells, equations, hidden = _suppressed(ctx, accepted, extra)
    if not declared.optional():
        return cells, equations, hidden  # nothing to try: protected once
    for table in declared.optional():
        withheld = table.with_columns(pl.lit(False).alias("released"))
        if not rules.may_carry(table["value"].filter(table["released"]), ctx.k):
            accepted = [*accepted, withheld]
            continue
        trial_cells, trial_equations, trial_hidden = _suppressed(ctx, [*accepted, table], extra)
        before = dict(zip(_keys(cells), hidden))
        after = dict(zip(_keys(trial_cells), trial_hidden))
        own = [after[key] for key, released in zip(_keys(table), table["released"]) if released]
        if any(h and not before.get(key, True) for key, h in after.items()) or 2 * sum(own) > len(own):
            accepted = [*accepted, withheld]
            continue
        accepted = [*accepted, table]
        cells, equations, hidden = trial_cells, trial_equations, trial_hidden
    cells, equations, hidden = _suppressed(ctx, accepted, extra)
    return cells, equations, hidden


def _suppressed(ctx: Context, tables: list[pl.DataFrame], extra=()) -> tuple[pl.DataFrame, list, list[bool]]:
    """These tables' cells with their relations (the themes' own among them), protected by the
    one engine."""
    cells, equations = relate(merged(tables), ctx.periods, ctx.areas, extra)
    hidden = suppress(cells["value"].to_list(), Layout(cells.height, tuple(equations)), k=ctx.k,
                      released=cells["released"].to_list(), cost=_costs(ctx, cells), local=True)
    return cells, equations, hidden


def _costs(ctx: Context, cells: pl.DataFrame) -> list[int]:
    """What hiding each cell costs a reader (rules.importance); unreleased cells cost nothing."""
    return [rules.importance(ctx.periods[p].kinds, ctx.areas[a].level, g) if p in ctx.periods else 0
            for p, a, g in zip(cells["period"], cells["area"], cells["grp"])]


def _keys(cells: pl.DataFrame):
    return zip(cells["measure"], cells["period"], cells["area"], cells["grp"])


def _context(con: duckdb.DuckDBPyConnection, k: int) -> Context:
    data_end, first_day, pilot_start, pilot_end, channels = con.execute(
        "SELECT data_end_date, first_referral_date, pilot_start, pilot_end, has_health_advice_channels "
        "FROM meta_dataset").fetchone()
    dataset = Dataset(data_end, first_day or data_end, pilot_start, pilot_end, bool(channels))
    catalogue = period_catalogue.build(min(dataset.first_day, pilot_start), max(data_end, pilot_end), pilot_start,
                                       pilot_end)
    return Context(con, dataset, catalogue, area_tree.load(con), k)


def _write(con, ctx: Context, cells: pl.DataFrame, hidden: list[bool], equations, tables: dict[str, pl.DataFrame],
           certificate: Certificate) -> None:
    """The release tables: the cells (hidden values never written), the relations between them,
    the periods and areas, the themes' tables and the certificate."""
    hidden_series = pl.Series("hidden", hidden)
    release_cells = cells.with_columns(hidden_series).select(
        "cell", "measure", "period", "area", "grp",
        pl.when(pl.col("hidden")).then(None).otherwise(pl.col("value")).alias("value"),
        "hidden", "released")
    relations = pl.DataFrame(
        [(e, c, "part") for e, (parts, _) in enumerate(equations) for c in parts]
        + [(e, total, "total") for e, (_, total) in enumerate(equations)],
        schema={"relation": pl.Int64, "cell": pl.Int64, "role": pl.String}, orient="row")
    period_rows = pl.DataFrame(
        [(p.id, p.label_da, ",".join(sorted(p.kinds)), p.start, p.end, ",".join(p.quarters)) for p in ctx.periods],
        schema={"period": pl.String, "label_da": pl.String, "kinds": pl.String, "start_date": pl.Date,
                "end_date": pl.Date, "quarters": pl.String}, orient="row")
    area_rows = pl.DataFrame(ctx.areas.rows(), schema={"area": pl.String, "name": pl.String, "level": pl.String,
                                                       "parent": pl.String}, orient="row")
    frames = {"rel_cells": release_cells, "rel_relations": relations, "rel_periods": period_rows,
              "rel_areas": area_rows, **tables,
              "rel_certificate": pl.DataFrame([certificate.__dict__])}
    for name, frame in frames.items():
        con.register("release_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM release_frame")
        finally:
            con.unregister("release_frame")
