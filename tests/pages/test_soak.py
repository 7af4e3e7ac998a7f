"""Several analysts at once: the real server, eight sessions opened together in the system chromium on
filters nobody has asked for yet, ten rounds, new versions published between rounds and while pages
render. Fails on a hang (the health endpoint silent), an exception on a page, or a page mixing
versions or missing a figure (its words, once drawn, differ from that version's own rendering of
the same view)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

import settings
from analysis import overview, pilot, stage_times
from analysis.database import LiveDatabase
from bench.concurrency import DRAWN
from etl.load import load
from etl.publish import Store
from tests.fixtures import CASES, GRANT_COLUMNS, GRANTS, write_dataset
from tests.pages.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, healthy
from ui import labels, pool_charts

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SESSIONS, ROUNDS = 8, 10
HANG_S = 60  # the health endpoint silent this long is a hang (a hang detector, not a speed limit)
RENDER_S = 300  # one page still not rendered after this long is a hang too
FOOTER = re.compile(r"Dataversion (\d+) \((?:syntetiske|indlæste) data\)")
# Versions: A, B, A, B, ... (1 and 2 give each view's reference rendering; 3.. are the soak's).
VERSIONS = 7


GRANT_MORE = ["G3", "147", "citizen_involvement", "Praktik nu", "500000", "250000", "2018-01-01", "2019-06-30"]


def _dataset(folder: Path, copies: int, more: int = 0) -> Path:
    """The tiny dataset's cases repeated `copies` times; with `more`, its courses repeated that many
    times again with a request for the coordinator each, and one grant more: figures on every page
    move (counts, rates, shares, the pool's kroner)."""
    write_dataset(folder, {"pool_grants": (GRANT_COLUMNS, [*GRANTS, GRANT_MORE] if more else GRANTS)})
    with open(folder / "cases.csv", "a", encoding="utf-8") as cases, \
            open(folder / "pilot_requests.csv", "a", encoding="utf-8") as requests:
        for i in range(copies + more):
            for row in CASES:
                if i < copies or row[6] == "resource_course":
                    cases.write(",".join([f"X{i:04d}{row[0]}", *row[1:]]) + "\n")
                if i >= copies and row[6] == "resource_course":
                    requests.write(",".join([f"R{i:04d}{row[0]}", f"X{i:04d}{row[0]}", "2018-03-01",
                                             "company_internship", "concrete_offer", "2018-03-08", "2018-03-20",
                                             "offer_adjusted"]) + "\n")
    return folder


def point(db: Path, version: int) -> None:
    """Publish version N: the atomic switch of the pointer a load ends with (etl.publish.Store)."""
    link = db.with_name(f".{db.name}.soak.tmp")
    os.symlink(os.path.relpath(Store(db).version_path(version), db.parent), link)
    os.replace(link, db)


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Path:
    """Versions 1..7 published from two datasets that differ (odd: A, even: B), pointer on 1."""
    base = tmp_path_factory.mktemp("soak")
    a, b = _dataset(base / "a", 40), _dataset(base / "b", 40, 25)
    db = base / "rf.duckdb"
    keep = settings.KEEP_VERSIONS
    settings.KEEP_VERSIONS = VERSIONS  # every version stays on disk for the soak to switch to
    try:
        for version in range(1, VERSIONS + 1):
            assert load([a if version % 2 else b], db).version == version
    finally:
        settings.KEEP_VERSIONS = keep
    point(db, 1)
    return db


def _views(db: Path) -> list[list[str]]:
    """Two sets of eight views (page and query) on every page but the briefing, each view new, on
    areas and groups the data have cases in."""
    live = LiveDatabase(db, pin=1)
    live.refresh()
    regions = overview.regions(live)["region_name"].to_list()
    capital, central = "Region Hovedstaden", "Region Midtjylland"
    assert {capital, central} <= set(regions)
    pilot_periods = [p.label for p in pilot.periods(live)]
    stage_periods = [p.label for p in stage_times.periods(live)]
    stage_names = list(stage_times.stages(live).values())
    outcomes = list(pool_charts.OUTCOME_LABELS.values())

    def q(page: str, **params: str) -> str:
        return f"/{page}?{urlencode(params)}"

    return [
        [q("overview", region=capital), q("overview", region=central),
         q("pilot", periode=pilot_periods[0], gruppe="Kvinder"),
         q("pilot", periode=pilot_periods[0], region=central),
         q("processing", periode=stage_periods[0], uger="8 uger", fase=stage_names[0]),
         q("processing", region=central, gruppe="Kvinder"),
         q("pool", fokus=labels.FOCUS_AREA["citizen_involvement"], maaneder="12 måneder"),
         q("pool", fra="2017K1", til="2019K2", udfald=outcomes[1])],
        [q("overview", region="Hele landet"), q("pilot", region=capital),
         q("pilot", periode=pilot_periods[0], gruppe="Mænd"),
         q("pilot", periode=pilot_periods[0]),
         q("processing", periode=stage_periods[1], fase=stage_names[-1], uger="13 uger"),
         q("processing", gruppe="Afgørelse: ressourceforløb", maal="share_over"),
         q("pool", region=capital, udfald=outcomes[2]),
         q("pool", fra="2016K1", til="2019K4")],
    ]


class Health(threading.Thread):
    """Polls /_stcore/health; `silent` is the longest time it went unanswered."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.silent, self.stopped = url + "/_stcore/health", 0.0, threading.Event()

    def run(self) -> None:
        last = time.monotonic()
        while not self.stopped.is_set():
            try:
                urllib.request.urlopen(self.url, timeout=5).read()
                last = time.monotonic()
            except OSError:
                pass
            self.silent = max(self.silent, time.monotonic() - last)
            self.stopped.wait(0.5)


@pytest.fixture(scope="module")
def server(versions: Path, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("the system chromium is not installed (.ci/run installs it)")
    port = _free_port()
    log = tmp_path_factory.mktemp("soak-log") / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=settings.ROOT, env={**os.environ, "RF_DB": str(versions)}, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://localhost:{port}"
    if not healthy(url, process):
        process.kill()
        pytest.fail("streamlit did not start: " + log.read_text(errors="replace")[-2000:])
    yield url, process, log
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("the server ignored SIGTERM after the soak")


# Noted in every page before its own scripts: the last time an element or a text changed.
CHANGES = """
window.__changed = performance.now();
new MutationObserver(() => { window.__changed = performance.now(); })
  .observe(document, {subtree: true, childList: true, characterData: true});
"""
# Rendered: the script has stopped, the footer (or an exception) is there, every element is drawn
# (no skeleton of an element whose code is still loading, every chart drawn: bench.concurrency),
# and nothing has changed for three seconds.
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
    && (/Dataversion \\d+ \\((syntetiske|indlæste) data\\)/.test(document.body.innerText)
        || document.querySelector('[data-testid="stException"]') !== null)
    && (""" + DRAWN + """)()
    && performance.now() - window.__changed > 3000;
}"""
# What a page says about its data in words: headings, key figures, captions, notes and text (tables
# and charts are canvas and SVG; their words would depend on how far drawing has got).
TEXT = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] :is([data-testid="stHeading"], '
  + '[data-testid="stMetric"], [data-testid="stCaptionContainer"], [data-testid="stAlert"], [data-testid="stMarkdown"])'
)).map(e => e.innerText.trim()).filter(Boolean).join('\\n')"""


def _open(browser, base: str, views: list[str], health: Health, publish=None) -> list[tuple[str, int, str]]:
    """Open the views in sessions of their own at once (optionally publishing meanwhile); each
    view's footer version, its words (the footer and version numbers taken out) and problems."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1400}) for _ in views]
    for context in contexts:
        context.add_init_script(CHANGES)
    pages = [c.new_page() for c in contexts]
    try:
        for page, view in zip(pages, views):
            page.goto(base + view, wait_until="commit")
        if publish is not None:
            publish()
        shown = []
        for page, view in zip(pages, views):
            try:
                page.wait_for_function(SETTLED, timeout=RENDER_S * 1000, polling=500)
            except Exception as exc:
                pytest.fail(f"{view} did not finish rendering ({exc.__class__.__name__}); the health endpoint "
                            f"was silent for up to {health.silent:.0f} s")
            exceptions = page.locator('[data-testid="stException"]').all_inner_texts()
            assert not exceptions, f"{view}: {exceptions}"
            footers = FOOTER.findall(page.inner_text("body"))
            assert len(footers) == 1, f"{view}: footer {footers}"
            lines = [line for line in page.evaluate(TEXT).splitlines() if not FOOTER.search(line)]
            words = re.sub(r"(?i)dataversion \d+", "dataversion #", "\n".join(lines))
            shown.append((view, int(footers[0]), words))
        return shown
    finally:
        for c in contexts:
            c.close()


def test_eight_sessions_at_once_with_versions_published_meanwhile(server, versions):
    from playwright.sync_api import sync_playwright

    base, process, log = server
    sets = _views(versions)
    health = Health(base)
    health.start()
    reference: dict[tuple[str, str], str] = {}  # (dataset, view) -> its words
    mismatches, published = [], []
    durations: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for round_ in range(ROUNDS):
                views = sets[round_ % 2]
                publish = None
                if round_ == 2:
                    point(versions, 2)  # published between rounds: B's reference renderings
                elif round_ == 4:
                    point(versions, 3)
                if 4 <= round_ < 8:  # published while the eight render, at a point that moves round to round
                    delay = (0.2 + 0.2 * (round_ - 4)) * (sorted(durations)[len(durations) // 2])
                    target = Store(versions).current()[0] + 1

                    def publish(delay=delay, target=target, round_=round_):
                        time.sleep(delay)
                        point(versions, target)
                        published.append((round_, target, round(delay, 1)))
                start = time.monotonic()
                shown = _open(browser, base, views, health, publish)
                durations.append(time.monotonic() - start)
                assert process.poll() is None, "the server died: " + log.read_text(errors="replace")[-2000:]
                assert health.silent < HANG_S, f"round {round_}: the health endpoint was silent {health.silent:.0f} s"
                for view, version, words in shown:
                    dataset = "A" if version % 2 else "B"
                    if round_ < 4:  # versions 1 and 2 rendered with nothing published meanwhile
                        reference.setdefault((dataset, view), words)
                    changed = _changed(reference[(dataset, view)], words)
                    if changed:
                        mismatches.append(f"round {round_}, {view}, footer version {version} ({dataset}):\n"
                                          + changed)
            browser.close()
    finally:
        health.stopped.set()
    assert not mismatches, f"pages mixing versions ({len(mismatches)}):\n" + "\n".join(mismatches[:5])
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")[-3000:]
    assert len(published) == 4, published
    # The soak can see a mix: nearly every view reads differently on the two datasets.
    same = [v for s in sets for v in s if reference[("A", v)] == reference[("B", v)]]
    assert len(same) <= 2, f"views that read the same on both datasets: {same}"


def _changed(expected: str, shown: str) -> str:
    """The lines the page shows otherwise than its version's own rendering does; '' when none.

    A line in place of another is a figure from elsewhere; a line missing or added is a figure or a
    row of key figures lost or doubled (the page is compared once it is drawn: see SETTLED).
    """
    import difflib

    a, b = expected.splitlines(), shown.splitlines()
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out += [f"- {line}" for line in a[i1:i2]] + [f"+ {line}" for line in b[j1:j2]]
    return "\n".join(out[:12])
