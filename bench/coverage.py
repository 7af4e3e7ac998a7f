"""`make bench-coverage`: how often the pool effects' 95 % intervals cover the planted truth.

Generates datasets with different seeds, half with the planted effects and half placebo
(`etl.generate.NO_EFFECTS`), estimates every outcome as the release does
(`release.pool.effects.estimate`, the whole country, all grants, months=6) and prints, per outcome,
dataset kind and estimator: coverage with its Clopper-Pearson 95 % interval, bias, the spread of
the estimates, the mean interval width, and the time `estimate` took. The aim is 93-97 % coverage
everywhere. With the default 200 datasets a row rests on 100, so its coverage is known to about
±4 points (the interval printed beside it); `--datasets 600` narrows that to about ±2.5.
Nothing is asserted; the table is for people to read.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table
from scipy import stats as scipy_stats

from etl.generate import NO_EFFECTS, PLANTED_EFFECTS, generate
from release.pool import effects

FIRST_SEED = 10_000
KINDS = ("planted", "placebo")
ESTIMATORS = ("main", "twfe")
MONTHS = 6


def cases_from_generated(out_dir: Path) -> tuple[pl.DataFrame, date]:
    """The case frame `effects.estimate` takes (one row per referred case, the whole country,
    all grants) and the data's end, from the contract files `etl.generate` wrote to out_dir."""
    out_dir = Path(out_dir)
    data_end = date.fromisoformat(json.loads((out_dir / "dataset.json").read_text(encoding="utf-8"))["data_end_date"])
    dates = ["referral_date", "decision_date", "course_start_date", "internship_start_date"]
    grants = pl.read_csv(out_dir / "pool_grants.csv", columns=["municipality_code", "period_start"],
                         schema_overrides={"municipality_code": pl.Int64, "period_start": pl.Date})
    # A municipality counts as treated from its earliest grant's start (any focus area).
    starts = grants.group_by("municipality_code").agg(pl.col("period_start").min().alias("grant_start"))
    raw = pl.read_csv(out_dir / "cases.csv", columns=["municipality_code", "citizen_involved", *dates],
                      schema_overrides={"municipality_code": pl.Int64, "citizen_involved": pl.Boolean,
                                        **{c: pl.Date for c in dates}})
    cases = raw.join(starts, on="municipality_code", how="left").select(
        pl.col("municipality_code").cast(pl.String).str.zfill(3).alias("municipality"),
        pl.col("referral_date").dt.truncate("1q").alias("quarter_start"),
        "referral_date",
        "grant_start",
        "citizen_involved",
        pl.col("decision_date").is_not_null().alias("decided"),
        # Days to the decision, or to the data's end for a case still without one (as pool_cases.sql).
        (pl.coalesce("decision_date", pl.lit(data_end)) - pl.col("referral_date")).dt.total_days()
        .cast(pl.Int64).alias("days_to_decision_or_end"),
        "course_start_date",
        "internship_start_date",
    )
    return cases, data_end


def truth(outcome: str, kind: str) -> float:
    """The planted effect on an outcome (in its unit) for a dataset kind."""
    planted = PLANTED_EFFECTS if kind == "planted" else NO_EFFECTS
    if outcome == "citizen_involved":
        return float(planted["citizen_involvement_pp"])
    if outcome == "days_referral_to_decision":
        return -float(planted["decision_days_reduction"])
    return 0.0  # nothing is planted on internships


def run_dataset(task: tuple[int, str, float]) -> list[dict]:
    """Generate one dataset and estimate every outcome on it; one row per outcome x estimator."""
    seed, kind, scale = task
    with tempfile.TemporaryDirectory(prefix="coverage-") as folder:
        generate(Path(folder), scale=scale, seed=seed, effects=None if kind == "planted" else NO_EFFECTS)
        cases, data_end = cases_from_generated(Path(folder))
    rows = []
    for outcome in effects.OUTCOMES:
        start = time.perf_counter()
        fit = effects.estimate(cases, outcome, data_end, months=MONTHS)
        seconds = time.perf_counter() - start
        for name in ESTIMATORS:
            effect = getattr(fit, name)
            rows.append({"seed": seed, "kind": kind, "outcome": outcome, "estimator": name,
                         "truth": truth(outcome, kind), "seconds": seconds,
                         "estimate": None if effect is None else effect.estimate,
                         "lower": None if effect is None else effect.lower,
                         "upper": None if effect is None else effect.upper})
    return rows


def summarise(results: pl.DataFrame) -> pl.DataFrame:
    """Coverage (with its Clopper-Pearson interval), bias, spread and width per outcome, kind and estimator."""
    rows = []
    for (outcome, kind, estimator), part in results.group_by("outcome", "kind", "estimator", maintain_order=True):
        usable = part.filter(pl.col("lower").is_not_null())
        n = usable.height
        hits = int(((usable["lower"] <= usable["truth"]) & (usable["truth"] <= usable["upper"])).sum())
        ci = scipy_stats.binomtest(hits, n).proportion_ci(0.95, method="exact") if n else None
        errors = (usable["estimate"] - usable["truth"]).to_list()
        rows.append({
            "outcome": outcome, "kind": kind, "estimator": estimator, "datasets": n,
            "missing": part.height - n, "coverage": hits / n if n else None,
            "coverage_lower": ci.low if ci else None, "coverage_upper": ci.high if ci else None,
            "bias": statistics.fmean(errors) if errors else None,
            "sd": statistics.stdev(errors) if len(errors) > 1 else None,
            "width": float((usable["upper"] - usable["lower"]).mean()) if n else None,
        })
    order = {o: i for i, o in enumerate(effects.OUTCOMES)}
    return pl.DataFrame(rows).sort(pl.col("outcome").replace_strict(order), "kind", "estimator")


def show(summary: pl.DataFrame, results: pl.DataFrame, wall: float, scale: float, console: Console) -> None:
    """Print the coverage table and the timings."""
    table = Table(title=f"Dækning af 95 %-intervaller (skala {scale:g}; mål 93–97 %)")
    for column in ("udfald", "data", "estimator", "n", "dækning", "95 %-KI for dækning", "bias", "sd", "bredde"):
        table.add_column(column, justify="left" if column in ("udfald", "data", "estimator") else "right")
    for r in summary.iter_rows(named=True):
        datasets = f"{r['datasets']}" + (f" (+{r['missing']} uden)" if r["missing"] else "")
        if r["coverage"] is None:
            coverage = ci = "–"
        else:
            colour = "green" if 0.93 <= r["coverage"] <= 0.97 else "red"
            coverage = f"[{colour}]{100 * r['coverage']:.1f} %[/]"
            ci = f"{100 * r['coverage_lower']:.1f}–{100 * r['coverage_upper']:.1f} %"
        table.add_row(r["outcome"], r["kind"], r["estimator"], datasets, coverage, ci,
                      _number(r["bias"], "+"), _number(r["sd"]), _number(r["width"]))
    console.print(table)
    per_call = results.unique(["seed", "outcome"])["seconds"]
    console.print(f"estimate: median {1000 * per_call.median():.0f} ms, 90 %-fraktil "
                  f"{1000 * per_call.quantile(0.9):.0f} ms, højst {1000 * per_call.max():.0f} ms "
                  f"({per_call.len()} kald, én tråd pr. proces); hele kørslen {wall / 60:.1f} min.")


def _number(value: float | None, sign: str = "") -> str:
    return "–" if value is None else f"{value:{sign}.2f}"


def main(argv: list[str] | None = None) -> pl.DataFrame:
    """Run the benchmark and print its table; return the summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=200, help="datasets to generate (half placebo)")
    parser.add_argument("--scale", type=float, default=1.0, help="volume of the generated datasets")
    parser.add_argument("--workers", type=int, default=2, help="processes (the machine has two cores)")
    args = parser.parse_args(argv)
    console = Console(width=130)
    tasks = [(FIRST_SEED + i, KINDS[i % 2], args.scale) for i in range(args.datasets)]
    start = time.perf_counter()
    rows: list[dict] = []
    # One thread per process: two processes on two cores, so that each call is timed on one core.
    for name in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    # spawn: fresh interpreters (they read the variables above), and no lock held by Polars'
    # thread pool is copied into a child.
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        for done, result in enumerate(pool.imap_unordered(run_dataset, tasks), start=1):
            rows.extend(result)
            if done % 20 == 0 or done == len(tasks):
                console.print(f"{done}/{len(tasks)} datasæt", style="dim")
    wall = time.perf_counter() - start
    results = pl.DataFrame(rows, schema={"seed": pl.Int64, "kind": pl.String, "outcome": pl.String,
                                         "estimator": pl.String, "truth": pl.Float64, "seconds": pl.Float64,
                                         "estimate": pl.Float64, "lower": pl.Float64, "upper": pl.Float64})
    summary = summarise(results)
    show(summary, results, wall, args.scale, console)
    return summary


if __name__ == "__main__":
    main()
