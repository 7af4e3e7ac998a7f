"""Accessible to every analyst: axe-core's WCAG 2.1 A/AA rules on every page in the system
chromium, a Danish document, text alternatives beside the charts, and filters by keyboard."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.pages.test_browser import browser, server  # noqa: F401  (the shared fixtures)

pytestmark = pytest.mark.browser

PAGES = ["/", "/pilot", "/processing", "/pool", "/briefing"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def page_db(synthetic_db):
    # Half the default data: every section has released figures and charts to check.
    return synthetic_db(0.5)


def _open(browser, url: str, height: int = 1400):  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url)
    settled = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    page.wait_for_selector(settled, timeout=120_000)
    # A page that writes its view into the address runs once more: wait for that run too.
    page.wait_for_timeout(1_000)
    page.wait_for_selector(settled, timeout=120_000)
    page.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
    return page


@pytest.mark.parametrize("path", PAGES)
def test_every_page_passes_axe_and_declares_danish(server, browser, path):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    page = _open(browser, server + path, height=6000)  # tall: axe checks contrast on what is rendered
    assert page.evaluate("document.documentElement.lang") == "da"
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = result.response["violations"]
    assert not violations, "\n".join(
        f"{v['id']} ({len(v['nodes'])}): {v['help']} — {v['nodes'][0]['target']}" for v in violations)
    page.close()


@pytest.mark.parametrize("path", ["/pilot", "/processing", "/pool", "/"])
def test_every_chart_has_a_text_alternative_and_its_data_one_click_away(server, browser, path):  # noqa: F811
    page = _open(browser, server + path, height=6000)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    count = charts.count()
    texts = page.locator('[data-testid="stCaptionContainer"]:has-text("Figur (")')
    assert texts.count() >= count
    tables = page.locator('[data-testid="stExpander"]:has-text("Data bag figuren")')
    assert tables.count() >= count
    tables.first.locator("summary").click()
    tables.first.locator("table").first.wait_for(state="visible", timeout=10_000)
    page.close()


def test_a_filter_can_be_changed_by_keyboard_alone(server, browser):  # noqa: F811
    page = _open(browser, server + "/processing")
    page.wait_for_selector('[data-testid="stSelectbox"] input', timeout=60_000)
    before = page.url
    # Tab from the top of the page until a filter (a select box) has the focus.
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => document.activeElement && document.activeElement.tagName === 'INPUT'"
            " && document.activeElement.closest('[data-testid=\"stSelectbox\"]') !== null")
        if focused:
            break
    else:
        pytest.fail("no filter reached by Tab")
    label = page.evaluate("() => document.activeElement.closest('[data-testid=\"stSelectbox\"]').innerText")
    page.keyboard.press("ArrowDown")  # opens the list of options
    page.wait_for_selector('[role="option"]', timeout=10_000)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.location.href !== {before!r}", timeout=30_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    assert urllib.parse.urlparse(page.url).query, f"the filter {label!r} did not reach the link"
    page.close()
