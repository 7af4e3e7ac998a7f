"""What a chromium net log (--log-net-log) says went out: host names looked up and sockets to other machines."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from urllib.parse import urlsplit

# Names chromium may look up without leaving the machine; "~notfound" is where --host-resolver-rules
# sends every other name (the lookup fails inside chromium, no resolver is asked).
LOCAL_NAMES = {"localhost", "~notfound"}


def read(path: Path) -> dict:
    """The net log; one cut short by a killed browser is closed so its events can be read."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.rstrip().rstrip(",") + "]}")


def _is_local(host: str) -> bool:
    host = host.strip("[]")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(value: str) -> str:
    """The host of 'https://h:443', 'h:443', '[::1]:80' or 'h'."""
    if "://" not in value:
        value = "//" + value
    return urlsplit(value).hostname or value


def outside(log: dict) -> list[str]:
    """Every lookup of a name that is not local, every connection to another machine, and every
    datagram sent to one (a UDP socket connected only to learn a route sends nothing)."""
    constants = log["constants"]
    names = {number: name for name, number in constants["logEventTypes"].items()}
    sources = {number: name for name, number in constants["logSourceType"].items()}
    found: list[str] = []
    udp: dict[int, str] = {}
    sent: set[int] = set()
    for event in log["events"]:
        kind = names.get(event["type"], "")
        params = event.get("params") or {}
        source = event["source"]
        if kind == "HOST_RESOLVER_MANAGER_REQUEST" and "host" in params:
            if not _is_local(_host(params["host"])):
                found.append(f"looked up {params['host']}")
        elif kind in ("SOCKET_CONNECT", "TCP_CONNECT_ATTEMPT") and "address" in params:
            if _is_local(_host(params["address"])):
                continue
            if sources.get(source["type"]) == "UDP_CLIENT_SOCKET":
                udp[source["id"]] = params["address"]
            else:
                found.append(f"connected to {params['address']}")
        elif kind == "UDP_BYTES_SENT":
            sent.add(source["id"])
    found += [f"sent to {address}" for socket, address in udp.items() if socket in sent]
    return found


def requested(log: dict) -> list[str]:
    """The web addresses the browser started a request for (those stopped inside chromium too)."""
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    return [event["params"]["url"] for event in log["events"]
            if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in (event.get("params") or {})]
