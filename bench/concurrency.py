"""Eight first visits at once: time-to-rendered of the app's pages beside an empty Streamlit page.

Two real servers run side by side: the app on a published database and a one-line script. Each
round opens eight fresh browser sessions (the system chromium) at the same moment, on the app's
pages with filters not asked for before, then eight on the empty page. A page counts as rendered
when its script has stopped running and its content is on screen: the app's footer with the data
version, no element still a loading skeleton and every chart drawn (the empty page's one line).
The moment is taken in the page itself, so waiting for one page does not delay another's clock.
Aim: the app's p50 and p95 at most 2x the empty page's.

`python -m bench.concurrency [--scale 1] [--rounds 3]`; `make bench` runs it on its page database.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import settings

SESSIONS = 8
TARGET_RATIO = 2.0
CHROMIUM = "/usr/bin/chromium"
# No sandbox as root, no background calls to the outside (as the browser tests).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMPTY_SCRIPT = 'import streamlit as st\n\nst.write("Tom side")\n'
APP_DONE = r"/Dataversion \d+ \((syntetiske|indlæste) data\)/"
EMPTY_DONE = "/Tom side/"
# Runs in every page before its own scripts: note, in ms since the navigation started, the first
# moment the server has delivered the page (the script has stopped and its last element is there)
# and the first moment the browser has drawn it.
# Streamlit draws an element whose code is still loading as a skeleton (a row of key figures can
# stay one for seconds on a busy machine), and a chart's figure after its element is mounted:
# drawn means no skeleton left and every chart drawn.
DRAWN = """() => document.querySelector('[data-testid="stSkeleton"]') === null
  && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
       .every((chart) => chart.querySelector('.main-svg') !== null)"""
CLOCK = """
(() => {
  const done = %s;
  const drawn = """ + DRAWN.replace("%", "%%") + """;
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app && app.getAttribute('data-test-script-state') === 'notRunning' && document.body
        && (done.test(document.body.innerText) || document.querySelector('[data-testid="stException"]') !== null)) {
      if (window.__delivered === undefined) window.__delivered = performance.now();
      if (drawn()) {
        window.__rendered = performance.now();
        clearInterval(timer);
      }
    }
  };
  const timer = setInterval(check, 25);
})();
"""


@dataclass(frozen=True)
class Round:
    """One round of eight visits: seconds to delivered and to rendered per visit, and the CPU
    seconds the server and the browser spent on the round."""

    delivered: list[float]
    rendered: list[float]
    server_cpu: float
    browser_cpu: float


@dataclass(frozen=True)
class Result:
    """The rounds of first visits to the app and of visits to the empty page."""

    app: list[Round]
    empty: list[Round]


def _all(rounds: list[Round], field: str) -> list[float]:
    return [value for r in rounds for value in getattr(r, field)]


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by the server process and by all chromium processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    server = browser = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")[0]
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if int(entry.name) == server_pid:
            server += used
        elif b"chromium" in command:
            browser += used
    return server, browser


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0..100), interpolated between the nearest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(script: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A Streamlit server on `script` at a free port, stopped afterwards; yields its address and pid."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.headless",
         "true", "--browser.gatherUsageStats", "false"],
        cwd=settings.ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"streamlit did not start on {script}")
                time.sleep(0.3)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def app_views(db: Path, rounds: int) -> list[list[str]]:
    """Eight views per round over every page, each round on filters not asked for before."""
    from analysis import overview
    from analysis.database import LiveDatabase

    live = LiveDatabase(db)
    live.refresh()
    regions = ["Hele landet", *overview.regions(live)["region_name"].to_list()]
    weeks = [4, 8, 13, 26, 52]
    views = []
    for r in range(rounds):
        region, other = regions[r % len(regions)], regions[(r + 1) % len(regions)]
        views.append([
            f"/overview?{urlencode({'region': region})}", f"/pilot?{urlencode({'region': region})}",
            f"/processing?{urlencode({'region': region, 'uger': f'{weeks[r % 5]} uger'})}",
            f"/pool?{urlencode({'region': region})}", f"/briefing?{urlencode({'region': region})}",
            f"/overview?{urlencode({'region': other})}", f"/pilot?{urlencode({'region': other})}",
            f"/processing?{urlencode({'region': other, 'uger': f'{weeks[(r + 2) % 5]} uger'})}",
        ])
    return views


def visit_at_once(browser, server: tuple[str, int], paths: list[str], done: str, timeout_s: float = 600) -> Round:
    """Open each path in a fresh session at the same moment, and wait until every one is drawn."""
    base, pid = server
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in paths]
    try:
        pages = []
        for context in contexts:
            context.add_init_script(CLOCK % done)
            pages.append(context.new_page())
        before = cpu_seconds(pid)
        for page, path in zip(pages, paths):
            page.goto(base + path, wait_until="commit")
        delivered, rendered = [], []
        for page, path in zip(pages, paths):
            try:
                page.wait_for_function("() => window.__rendered !== undefined", timeout=timeout_s * 1000,
                                       polling=200)
            except Exception as exc:  # say which page and how far it got
                state = page.evaluate("() => document.querySelector('[data-testid=stApp]')"
                                      "?.getAttribute('data-test-script-state')")
                raise RuntimeError(f"{path} not rendered after {timeout_s:g} s (script {state}): "
                                   + page.inner_text("body")[-300:]) from exc
            if page.locator('[data-testid="stException"]').count():
                raise RuntimeError(f"{path}: {page.locator('[data-testid=stException]').first.inner_text()}")
            delivered.append(page.evaluate("() => window.__delivered") / 1000)
            rendered.append(page.evaluate("() => window.__rendered") / 1000)
        after = cpu_seconds(pid)  # before the sessions close: their renderers are still there to count
        return Round(delivered, rendered, after[0] - before[0], after[1] - before[1])
    finally:
        for context in contexts:
            context.close()


def measure(db: Path, rounds: int = 3) -> Result:
    """Rounds of eight first visits to the app's pages, each followed by eight to the empty page."""
    from playwright.sync_api import sync_playwright

    views = app_views(db, rounds)
    app, empty = [], []
    with tempfile.TemporaryDirectory(prefix="rf-empty-") as tmp:
        script = Path(tmp) / "empty.py"
        script.write_text(EMPTY_SCRIPT, encoding="utf-8")
        with serve(settings.ROOT / "app.py", {"RF_DB": str(db)}) as app_server, serve(script, {}) as empty_server, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for paths in views:
                app.append(visit_at_once(browser, app_server, paths, APP_DONE))
                empty.append(visit_at_once(browser, empty_server, ["/"] * SESSIONS, EMPTY_DONE))
            browser.close()
    return Result(app, empty)


def rows(result: Result) -> list[tuple[str, ...]]:
    """Table rows: what, visits, p50 s, p95 s, CPU per round, and the app's ratio to the empty page."""
    def p(values):
        return statistics.median(values), percentile(values, 95)

    def cpu(rounds):
        server = statistics.mean(r.server_cpu for r in rounds)
        browser = statistics.mean(r.browser_cpu for r in rounds)
        return f"{server:.1f} / {browser:.1f}"

    app, empty = p(_all(result.app, "rendered")), p(_all(result.empty, "rendered"))
    delivered = p(_all(result.app, "delivered"))
    ratio = (app[0] / empty[0], app[1] / empty[1])
    verdict = " / ".join("ok" if r <= TARGET_RATIO else "over" for r in ratio)
    visits = str(len(_all(result.app, "rendered")))
    return [
        (f"{SESSIONS} first visits to the app's pages: drawn", visits, f"{app[0]:.1f}", f"{app[1]:.1f}",
         cpu(result.app), "", ""),
        ("  of which the server had delivered the page", visits, f"{delivered[0]:.1f}", f"{delivered[1]:.1f}", "",
         "", ""),
        (f"{SESSIONS} visits to an empty Streamlit page", str(len(_all(result.empty, "rendered"))), f"{empty[0]:.1f}",
         f"{empty[1]:.1f}", cpu(result.empty), "", ""),
        ("app drawn / empty", "", f"{ratio[0]:.2f}x", f"{ratio[1]:.2f}x", "", f"<= {TARGET_RATIO:g}x", verdict),
    ]


def table(result: Result, title: str):
    """The rows as a rich table."""
    from rich.table import Table

    out = Table(title=title, caption="CPU s per round: the server's / the browser's (all eight sessions' "
                                      "chromium processes, on the same two cores)")
    for col in ("what", "visits", "p50 s", "p95 s", "CPU s per round", "target", "verdict"):
        out.add_column(col, justify="right")
    for row in rows(result):
        out.add_row(*row)
    return out


def main() -> None:
    from rich.console import Console

    from etl.generate import generate
    from etl.load import load

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} findes ikke: benchmarken kræver systemets chromium")
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
        generate(Path(tmp) / "in", scale=args.scale, seed=settings.DEFAULT_SEED)
        db = Path(tmp) / "rf.duckdb"
        load([Path(tmp) / "in"], db)
        result = measure(db, args.rounds)
    Console(width=160).print(table(result, f"Time to rendered, {SESSIONS} sessions at once, scale {args.scale:g} "
                                           f"({args.rounds} rounds, same run)"))


if __name__ == "__main__":
    main()
