"""`make bench`: the load in its phases against a bare read_csv of the same files, the release
build, and page times via AppTest.

Every ratio compares two things measured in the same run on the same machine. Nothing here is
asserted; the tables are printed for people to read. Targets: read + validate + marts within 2x
of the bare read; the release built in under 60 s at scale 1; the overview, the pilot and the
every page (each reads only the release) cold under 1 s and warm under 100 ms at scale 10, and
the app's memory after visiting every page under 400 MB; eight first visits at once to the real
server within 2x of eight visits to an empty Streamlit page (bench/concurrency.py, the system
chromium). The coverage of the pool effects' intervals is `make bench-coverage` (bench/coverage.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

import settings
from bench import concurrency
from etl.generate import generate
from etl.load import LoadResult, load

PAGES = {  # title -> page file
    "Overblik": "pages/overview.py", "Sundhedskoordinator": "pages/pilot.py",
    "Sagsbehandlingstider": "pages/processing.py", "Puljen": "pages/pool.py", "Briefing": "pages/briefing.py",
}
TARGET_BRIEFING_S = 10.0  # issue 7: a briefing on the default data in under 10 s
TARGET_RATIO, TARGET_RELEASE_S = 2.0, 60.0
# page -> (cold ms, warm ms): every page reads only the release (issue 13)
TARGETS = {page: (1000, 100) for page in PAGES}
OTHER_TARGET = (1000, 100)


def bare_read(folder: Path, db: Path) -> float:
    """Seconds for DuckDB alone to read every CSV of the dataset into a file database."""
    start = time.perf_counter()
    con = duckdb.connect(str(db))
    for path in sorted(folder.glob("*.csv")):
        con.execute(f'CREATE TABLE "{path.stem}" AS FROM read_csv($p)', {"p": str(path)})
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - start


def etl_load(folder: Path, db: Path) -> LoadResult:
    """The whole load (read, validate, marts, release, publish), with seconds per phase."""
    return load([folder], db)


def peak_memory_mb(folder: Path, db: Path) -> float:
    """Peak resident memory of `python -m etl load` in a process of its own."""
    process = subprocess.Popen([sys.executable, "-m", "etl", "load", str(folder), "--db", str(db)],
                               cwd=settings.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024


def page_times(db: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median script time (ms) of each page, cold (caches cleared) and warm (cached)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["RF_DB"] = str(db)
    app = str(settings.ROOT / "app.py")
    AppTest.from_file(app, default_timeout=120).run()  # imports, outside the measurement
    results = {}
    for page, path in PAGES.items():
        cold, warm = [], []
        for _ in range(runs):
            at = AppTest.from_file(app, default_timeout=120)
            at.run()
            at.switch_page(path)
            # Cold: empty caches right before the measured run (the first run only set up the app).
            st.cache_data.clear()
            st.cache_resource.clear()
            start = time.perf_counter()
            at.run()
            cold.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            at.run()
            warm.append((time.perf_counter() - start) * 1000)
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].value}")
        results[page] = (statistics.median(cold), statistics.median(warm))
    return results


APP_MEMORY_SCRIPT = """
import os, sys
from streamlit import logger
from streamlit.testing.v1 import AppTest
logger.set_log_level("error")
app = sys.argv[1]
for page in sys.argv[2:]:
    at = AppTest.from_file(app, default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
# The peak of this process's own memory (VmHWM starts afresh at exec; ru_maxrss would carry the
# parent's peak over from the fork).
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(int(status) / 1024)
"""
TARGET_APP_MB = 400


def app_memory_mb(db: Path) -> float:
    """Peak resident memory (MB) of an app process that has visited every page once."""
    out = subprocess.run([sys.executable, "-c", APP_MEMORY_SCRIPT, str(settings.ROOT / "app.py"), *PAGES.values()],
                         cwd=settings.ROOT, env={**os.environ, "RF_DB": str(db)}, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def briefing_seconds(db: Path) -> tuple[float, float]:
    """Seconds to assemble and render the whole-country briefing (Word and PDF), cold and warm."""
    from datetime import datetime, timezone

    from analysis.database import LiveDatabase
    from ui import briefing, export, views

    live = LiveDatabase(db)
    info = live.refresh()
    view = views.view("briefing", {}, {"Periode": "hele perioden"})
    times = []
    for _ in range(2):
        export.clear_image_cache()
        start = time.perf_counter()
        contents = briefing.assemble(live, info.first_referral_date, info.data_end_date, None, view,
                                     datetime.now(timezone.utc))
        briefing.render(contents.document)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--repeat", type=int, default=3, help="load and bare read: best of N")
    parser.add_argument("--page-runs", type=int, default=5)
    parser.add_argument("--page-scales", type=float, nargs="+", default=[10], help="scales to time the pages at")
    parser.add_argument("--concurrency-rounds", type=int, default=3,
                        help="rounds of eight simultaneous first visits (at the page scales; 0: none)")
    args = parser.parse_args()
    from streamlit import logger as streamlit_logger

    streamlit_logger.set_log_level("error")  # AppTest's bare-mode warnings
    console = Console(width=160)
    etl_table = Table(title="Load in phases against a bare DuckDB read_csv of the same files (best of "
                            f"{args.repeat} by total, same run)")
    for col in ("scale", "cases", "CSV MB", "bare read_csv s", "read + validate s", "marts s",
                "(read + validate + marts) / bare", "target", "release s", "publish s", "load s", "peak MB"):
        etl_table.add_column(col, justify="right")
    release_table = Table(title="Release: built, protected and certified at publish (from the best load)")
    for col in ("scale", "release s", "target", "released cells", "hidden", "unreleased", "relations",
                "linear programs", "narrowest interval"):
        release_table.add_column(col, justify="right")
    page_table = Table(title=f"Pages: script time via AppTest (median of {args.page_runs})")
    for col in ("scale", "page", "cold ms", "warm ms", "target cold / warm", "verdict"):
        page_table.add_column(col, justify="right")
    briefing_table = Table(title="Briefing: assemble and render Word + PDF, whole country and period "
                                 "(first: renderer started, analysis caches empty)")
    for col in ("scale", "first s", "again s", "target"):
        briefing_table.add_column(col, justify="right")
    concurrency_tables = []

    with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
        for scale in args.scales:
            folder = Path(tmp) / f"scale-{scale:g}"
            manifest = generate(folder, scale=scale, seed=settings.DEFAULT_SEED)
            size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
            bare = min(bare_read(folder, Path(tmp) / f"bare-{scale:g}-{i}.duckdb") for i in range(args.repeat))
            loads = [etl_load(folder, Path(tmp) / f"etl-{scale:g}-{i}.duckdb") for i in range(args.repeat)]
            best = min(loads, key=lambda r: sum(r.seconds.values()))
            memory = peak_memory_mb(folder, Path(tmp) / f"mem-{scale:g}.duckdb")
            s = best.seconds
            ratio = (s["read_validate"] + s["marts"]) / bare
            etl_table.add_row(f"{scale:g}", f"{manifest['row_counts']['cases']:,}", f"{size:.0f}", f"{bare:.2f}",
                              f"{s['read_validate']:.2f}", f"{s['marts']:.2f}", f"{ratio:.2f}x",
                              f"<= {TARGET_RATIO:g}x " + ("ok" if ratio <= TARGET_RATIO else "over"),
                              f"{s['release']:.2f}", f"{s['publish']:.2f}", f"{sum(s.values()):.2f}", f"{memory:.0f}")
            c = best.certificate
            release_table.add_row(
                f"{scale:g}", f"{s['release']:.2f}",
                f"< {TARGET_RELEASE_S:g} s " + ("ok" if s["release"] < TARGET_RELEASE_S else "over"),
                f"{c.released_cells:,}", f"{c.hidden_cells:,}", f"{c.unreleased_cells:,}", f"{c.relations:,}",
                f"{c.linear_programs:,}",
                "–" if c.narrowest_low is None else f"{c.narrowest_high - c.narrowest_low:g} ({c.narrowest_cell})")
            db = Path(tmp) / f"etl-{scale:g}-{loads.index(best)}.duckdb"
            if scale in args.page_scales:
                for page, (cold, warm) in page_times(db, args.page_runs).items():
                    target_cold, target_warm = TARGETS.get(page, OTHER_TARGET)
                    verdict = ("ok" if cold < target_cold else "over") + " / " + ("ok" if warm < target_warm else "over")
                    page_table.add_row(f"{scale:g}", page, f"{cold:.0f}", f"{warm:.0f}",
                                       f"{target_cold} / {target_warm}", verdict)
                memory_mb = app_memory_mb(db)
                page_table.add_row(f"{scale:g}", "App memory after every page (MB)", f"{memory_mb:.0f}", "",
                                   f"< {TARGET_APP_MB}", "ok" if memory_mb < TARGET_APP_MB else "over")
                if args.concurrency_rounds and Path(concurrency.CHROMIUM).exists():
                    concurrency_tables.append(concurrency.table(
                        concurrency.measure(db, args.concurrency_rounds),
                        f"Time to rendered, {concurrency.SESSIONS} sessions at once on the real server, scale "
                        f"{scale:g} ({args.concurrency_rounds} rounds; the empty page in the same run)"))
                elif args.concurrency_rounds:
                    console.print(f"{concurrency.CHROMIUM} is missing: no concurrency timings")
            first, again = briefing_seconds(db)
            briefing_table.add_row(f"{scale:g}", f"{first:.1f}", f"{again:.1f}",
                                   f"< {TARGET_BRIEFING_S:g} s " + ("ok" if first < TARGET_BRIEFING_S else "over"))
    console.print(etl_table)
    console.print(release_table)
    console.print(page_table)
    console.print(briefing_table)
    for concurrency_table in concurrency_tables:
        console.print(concurrency_table)


if __name__ == "__main__":
    main()
