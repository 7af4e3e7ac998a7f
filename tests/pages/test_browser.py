"""One real browser: the system chromium, driven by Playwright, opens the served dashboard."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

# The flags the machine notes give: no sandbox as root, no background calls to the outside.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> bool:
    """Whether the server at `url` answers its health check within `seconds` (False once it died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return True
        except OSError:
            time.sleep(0.3)
    return False


@pytest.fixture(scope="module")
def server(page_db: Path):
    if not Path(CHROMIUM).exists():
        pytest.skip("the system chromium is not installed (.ci/run installs it)")
    port = _free_port()
    env = {**os.environ, "RF_DB": str(page_db)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=settings.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    if not healthy(url, process):
        process.kill()
        pytest.fail("streamlit did not start: " + process.stdout.read().decode(errors="replace")[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)


def test_a_first_visitor_on_a_deep_link_gets_the_page_inside_the_app(server, browser):
    # The server has not served anyone yet: Streamlit would run pages/briefing.py as a bare file
    # (its old multipage mode), without the app's navigation and footer.
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(server + "/briefing")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_selector("text=Dataversion 1", timeout=60_000)
    text = page.inner_text("body")
    assert "Briefing til forligskredsen" in text and "Sagsbehandlingstider" in text  # the app's navigation
    assert "processing" not in page.inner_text('[data-testid="stSidebar"]')  # not the bare file list


def test_browser_shows_the_overview_figures_and_the_region_goes_into_the_link(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(server + "/")
    _settled(page)
    text = page.inner_text("body")
    assert "Ressourceforløb – overblik" in text
    assert "Forløb i forsøgsperioden" in text
    assert "Dataversion 1" in text
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert len(values) == 6 and ".." in values
    assert any(v.replace(".", "").isdigit() and int(v.replace(".", "")) >= 5 for v in values)
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    # Choose a region: the URL changes, and opening that URL shows the same view.
    page.locator('[data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Region Midtjylland").click()
    page.wait_for_function("() => window.location.search.includes('region=')", timeout=30_000)
    _settled(page)
    link = page.url
    assert "Midtjylland" in urllib.request.unquote(link.replace("+", " "))
    again = browser.new_page(viewport={"width": 1400, "height": 1800})
    again.goto(link)
    _settled(again)
    assert "Nøgletal, Region Midtjylland" in again.inner_text("body")
