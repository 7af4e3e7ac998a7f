"""Nothing leaves the machine: the served app, one page of each kind and a chart image and a briefing
drawn by the renderer, all in a network namespace with only loopback; every request stays on it.

The test runs this file again under `unshare -rn` (a user and a network namespace of its own) as the
driver: it starts the server and the system chromium there and records three things: what the
browser asks for, the server's own lookups and connections (an audit hook) and the renderer
chromium's net log. It writes them in a report the test reads.
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":  # run as the driver, outside pytest
    sys.path.insert(0, str(ROOT))

from tests import netlog  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
UNSHARE = shutil.which("unshare")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
# One page of each kind, with what its title says.
PAGES = {
    "": "Ressourceforløb – overblik",
    "pilot": "sundhedskoordinator",
    "processing": "Sagsbehandlingstider",
    "pool": "Bedre ressourceforløb",
    "briefing": "Briefing til forligskredsen",
}
LOCAL_SCHEMES = {"data", "blob", "about"}


def _local_host(host: str | None) -> bool:
    """This machine: localhost, a loopback address, or none or any (a server binding)."""
    if host in (None, "", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _stays_on_the_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.scheme in {"http", "https", "ws", "wss"}
                                             and parts.hostname not in (None, "")
                                             and _local_host(parts.hostname))


def _namespaces_work() -> bool:
    if UNSHARE is None:
        return False
    return subprocess.run([UNSHARE, "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_asks_for_anything_outside_the_machine(synthetic_db, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("the system chromium is not installed (.ci/run installs it)")
    if not _namespaces_work():
        pytest.skip("no network namespaces here (`unshare -rn` is refused)")
    db = synthetic_db(0.1)
    done = subprocess.run([UNSHARE, "-rn", sys.executable, __file__, str(db), str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))

    assert report["interfaces"] == ["lo"]  # the namespace has no way out
    titles = report["titles"]
    assert len(titles) == len(PAGES) and all(p in t for p, t in zip(PAGES.values(), titles)), titles  # all drawn
    assert report["downloads"]["png"] > 1000 and report["downloads"]["pdf"] > 1000  # the renderer drew
    requests = report["requests"]
    assert any("/_stcore/" in url for url in requests)  # the recording saw the app's own requests
    assert [url for url in requests if not _stays_on_the_machine(url)] == []
    # The server: every name it looked up and every address it connected to was this machine's.
    assert ["socket.bind", "0.0.0.0"] in report["server"], report["server"]  # the recording works
    assert [host for _, host in report["server"] if not _local_host(host)] == [], report["server"]
    # The renderer's chromium, from its own net log: nothing looked up but localhost, no connection out.
    assert netlog.outside(netlog.read(tmp_path / "renderer-net.json")) == []


# --- the driver, run inside the namespace -----------------------------------------------------------

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _loopback_up() -> None:
    """Bring `lo` up (a new network namespace starts with it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settled(page) -> str:
    """The page's title once its script has run."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=180_000)
    heading = page.locator("h1").first
    heading.wait_for(timeout=180_000)
    return heading.inner_text()


# The server under an audit hook that writes down every name it looks up and every address it
# binds, connects or sends to (Python's own sockets: the renderer's chromium keeps its own net log).
SERVER = """
import json, runpy, sys
record = open(sys.argv.pop(1), "a", buffering=1)
def hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event in ("socket.bind", "socket.connect", "socket.sendto") and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    record.write(json.dumps([event, host.decode() if isinstance(host, bytes) else host]) + "\\n")
sys.addaudithook(hook)
sys.argv[0] = "streamlit"
runpy.run_module("streamlit", run_name="__main__", alter_sys=True)
"""


def _drive(db: Path, out: Path) -> dict:
    from playwright.sync_api import sync_playwright

    # The renderer's chromium writes its net log: RF_BROWSER points the app at a wrapper that asks for it.
    wrapper = out / "chromium"
    wrapper.write_text(f'#!/bin/sh\nexec "{CHROMIUM}" --log-net-log="{out / "renderer-net.json"}" '
                       '--net-log-capture-mode=Everything "$@"\n')
    wrapper.chmod(0o755)
    port = _free_port()
    env = {**os.environ, "RF_DB": str(db), "RF_BROWSER": str(wrapper)}
    # Listening on every interface, as a shared server would (the namespace has only loopback).
    with open(out / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(out / "server-sockets.jsonl"), "run", "app.py",
             "--server.port", str(port), "--server.address", "0.0.0.0"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    requests: list[str] = []
    titles: list[str] = []
    downloads: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
            context.on("request", lambda request: requests.append(request.url))
            page = context.new_page()
            page.on("websocket", lambda ws: requests.append(ws.url))
            for path in PAGES:
                page.goto(f"{url}/{path}")
                title = _settled(page)
                titles.append(title)
                if path == "pilot":  # a chart as an image, drawn by the renderer
                    with page.expect_download(timeout=180_000) as png:
                        page.get_by_role("button", name="Figur (PNG)").first.click()
                    downloads["png"] = os.path.getsize(png.value.path())
                if path == "briefing":  # a briefing, its four charts drawn by the renderer
                    page.get_by_role("button", name="Dan briefing (Word og PDF)").click()
                    button = page.get_by_role("button", name="Hent briefing (PDF)")
                    button.wait_for(timeout=300_000)
                    with page.expect_download(timeout=180_000) as pdf:
                        button.click()
                    downloads["pdf"] = os.path.getsize(pdf.value.path())
            page.wait_for_timeout(3000)  # late requests of the last page (fonts, icons)
            browser.close()
    finally:
        server.terminate()  # the app stops its renderer on exit, which ends the net log
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    sockets = [json.loads(line) for line in (out / "server-sockets.jsonl").read_text().splitlines()]
    return {"interfaces": [name for _, name in socket.if_nameindex()], "titles": titles,
            "requests": requests, "downloads": downloads, "server": sockets}


def main(db: str, out: str) -> None:
    _loopback_up()
    report = _drive(Path(db), Path(out))
    (Path(out) / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
