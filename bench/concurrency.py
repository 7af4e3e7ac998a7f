"""Eight first visits at once: time-to-rendered of the app's pages beside an empty Streamlit page.

Two real servers run side by side: the app on a published database and a one-line script. Each
round opens eight fresh browser sessions (the system chromium) at the same moment, on the app's
pages with filters not asked for before, then eight on the empty page. A page counts as rendered
when its script has stopped running and its content is on screen (the app's footer with the data
version; the empty page's one line); the moment is taken in the page itself, so waiting for one
page does not delay another's clock. Aim: the app's p50 and p95 at most 2x the empty page's.

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
# Runs in every page before its own scripts: note the first moment the script has stopped and the
# content is there, in ms since the navigation started.
CLOCK = """
(() => {
  const done = %s;
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (window.__rendered === undefined && app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.body && (done.test(document.body.innerText)
                             || document.querySelector('[data-testid="stException"]') !== null)) {
      window.__rendered = performance.now();
      clearInterval(timer);
    }
  };
  const timer = setInterval(check, 25);
})();
"""


@dataclass(frozen=True)
class Result:
    """Seconds to rendered for every visit, the app's and the empty page's, over all rounds."""

    app: list[float]
    empty: list[float]


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
def serve(script: Path, env: dict[str, str]) -> Iterator[str]:
    """A Streamlit server on `script` at a free port, stopped afterwards; yields its address."""
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
        yield url
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


def visit_at_once(browser, base: str, paths: list[str], done: str, timeout_s: float = 600) -> list[float]:
    """Open each path in a fresh session at the same moment; seconds until each was rendered."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in paths]
    try:
        pages = []
        for context in contexts:
            context.add_init_script(CLOCK % done)
            pages.append(context.new_page())
        for page, path in zip(pages, paths):
            page.goto(base + path, wait_until="commit")
        times = []
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
            times.append(page.evaluate("() => window.__rendered") / 1000)
        return times
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
        with serve(settings.ROOT / "app.py", {"RF_DB": str(db)}) as app_url, serve(script, {}) as empty_url, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for paths in views:
                app += visit_at_once(browser, app_url, paths, APP_DONE)
                empty += visit_at_once(browser, empty_url, ["/"] * SESSIONS, EMPTY_DONE)
            browser.close()
    return Result(app, empty)


def rows(result: Result) -> list[tuple[str, ...]]:
    """Table rows: what, visits, p50 s, p95 s, and the app's ratio to the empty page with the aim."""
    p = {name: (statistics.median(v), percentile(v, 95)) for name, v in
         (("app", result.app), ("empty", result.empty))}
    ratio = (p["app"][0] / p["empty"][0], p["app"][1] / p["empty"][1])
    verdict = " / ".join("ok" if r <= TARGET_RATIO else "over" for r in ratio)
    return [
        (f"{SESSIONS} first visits to the app's pages", str(len(result.app)), f"{p['app'][0]:.1f}",
         f"{p['app'][1]:.1f}", "", ""),
        (f"{SESSIONS} visits to an empty Streamlit page", str(len(result.empty)), f"{p['empty'][0]:.1f}",
         f"{p['empty'][1]:.1f}", "", ""),
        ("app / empty", "", f"{ratio[0]:.2f}x", f"{ratio[1]:.2f}x", f"<= {TARGET_RATIO:g}x", verdict),
    ]


def table(result: Result, title: str):
    """The rows as a rich table."""
    from rich.table import Table

    out = Table(title=title)
    for col in ("what", "visits", "p50 s", "p95 s", "target", "verdict"):
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
