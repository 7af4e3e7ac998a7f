"""The chart renderer's chromium: started with its calls home off, and nothing it does leaves the machine."""

from __future__ import annotations

import shlex
import shutil
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from tests import netlog
from ui import export

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="the system chromium is not installed (.ci/run installs it)"),
]

# What a chromium does by itself once started, each switched off by one of these.
CALLS_HOME_OFF = [
    "--disable-background-networking",  # variations, safe-browsing lists, translate and other fetches
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-component-extensions-with-background-pages",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-field-trial-config",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _browser_command(wrapper: int) -> list[str]:
    """The command line of the browser process below choreographer's wrapper (its helpers carry --type=)."""
    todo, commands = _children(wrapper), []
    while todo:
        pid = todo.pop()
        todo += _children(pid)
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")
        except OSError:
            continue
        if "--remote-debugging-pipe" in command and not any(a.startswith("--type=") for a in command):
            commands.append(command)
    assert len(commands) == 1, f"expected one browser process below {wrapper}, found {commands}"
    return commands[0]


def _switch(command: list[str], name: str) -> str | None:
    """The value chromium takes for a switch: the last one given."""
    values = [a.split("=", 1)[1] for a in command if a.startswith(f"--{name}=")]
    return values[-1] if values else None


@pytest.fixture
def renderer(monkeypatch):
    """The kept renderer, started the way the briefing page starts it."""
    monkeypatch.delenv("RF_BROWSER", raising=False)
    export.close_renderer()
    export.warm_up().join()
    assert export._renderer is not None, "the renderer did not start"
    yield export._renderer
    export.close_renderer()


def test_the_renderers_chromium_runs_with_its_calls_home_off(renderer):
    command = _browser_command(renderer.kaleido.subprocess.pid)
    missing = [flag for flag in CALLS_HOME_OFF if flag not in command]
    assert not missing, f"chromium started without {missing}: {command}"
    features = (_switch(command, "disable-features") or "").split(",")
    assert {"Translate", "OptimizationHints", "MediaRouter", "AutofillServerCommunication"} <= set(features)
    # The component updater, which still checks some components, is pointed at a port chromium refuses.
    assert _switch(command, "component-updater") == "url-source=http://127.0.0.1:9/"
    assert "about:blank" in command  # its first tab, not the search engine's start page
    # The browser so started still draws.
    png = renderer.render(go.Figure(go.Bar(x=["a", "b"], y=[3, 4])), {"format": "png", "width": 300, "height": 200})
    assert png.startswith(b"\x89PNG")


@pytest.mark.slow
def test_nothing_the_renderers_chromium_does_leaves_the_machine(tmp_path, monkeypatch):
    """Chromium's own net log of a renderer's start and one image: no name looked up but localhost,
    no connection to another machine, even for a figure that names an outside image."""
    log = tmp_path / "net.json"
    wrapper = tmp_path / "chromium"
    wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(CHROMIUM)} --log-net-log={shlex.quote(str(log))} "
                       '--net-log-capture-mode=Everything "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("RF_BROWSER", str(wrapper))
    export.close_renderer()
    try:
        figure = go.Figure(go.Bar(x=["a", "b"], y=[3, 4]))
        figure.add_layout_image(source="https://example.org/logo.png", x=0, y=1, sizex=0.2, sizey=0.2)
        png = export._render(export.require_browser(), figure, {"format": "png", "width": 300, "height": 200})
        assert png.startswith(b"\x89PNG")
        time.sleep(5)  # chromium's calls at start (sign-in, updates) come within its first seconds
    finally:
        export.close_renderer()
    recorded = netlog.read(log)
    requested = netlog.requested(recorded)
    assert any(url.startswith("https://example.org/") for url in requested), requested  # the log saw it
    assert netlog.outside(recorded) == []
