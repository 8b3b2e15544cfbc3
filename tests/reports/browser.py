"""A headless Chromium driven over the DevTools protocol (websocket-client), networking off.

Launched with the flags the issue asks for plus a dead proxy and a resolver that finds
nothing, so any request a page tried would fail and be seen. Collects console messages,
uncaught exceptions and network requests while a page loads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--proxy-server=127.0.0.1:9",  # nothing listens there: no request can leave
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-port=0",
    "--window-size=1280,2000",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    evaluated: dict[str, Any] = field(default_factory=dict)


class DevTools:
    def __init__(self, ws_url: str) -> None:
        import websocket

        self._ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < deadline:
            message = json.loads(self._ws.recv())
            self.events.append(message)
            if message.get("method") == method:
                return
        raise TimeoutError(method)

    def close(self) -> None:
        self._ws.close()


@contextmanager
def chromium(binary: str, profile: Path) -> Iterator[int]:
    """A running headless Chromium; yields its DevTools port."""
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        yield int(port_file.read_text().split()[0])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def load(port: int, path: Path, script: str) -> PageLoad:
    """Open ``path`` in a new tab, wait for it to load, evaluate ``script`` (JSON result)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:  # local DevTools only
        target = json.loads(response.read())
    tools = DevTools(target["webSocketDebuggerUrl"])
    url = path.resolve().as_uri()
    page = PageLoad(url)
    try:
        for domain in ("Page", "Runtime", "Network", "Log"):
            tools.call(f"{domain}.enable")
        tools.call("Page.navigate", url=url)
        tools.wait_for("Page.loadEventFired")
        result = tools.call("Runtime.evaluate", expression=script, returnByValue=True)
        page.evaluated = json.loads(result["result"]["value"])
        tools.call("Runtime.evaluate", expression="1")  # drain late events
    finally:
        tools.close()
    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            page.console_errors.append(json.dumps(params.get("args"))[:300])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            page.console_errors.append(params["entry"].get("text", "")[:300])
        elif method == "Runtime.exceptionThrown":
            page.exceptions.append(json.dumps(params.get("exceptionDetails"))[:300])
    return page


def required() -> bool:
    return os.environ.get("GOVERN_TEST_REQUIRE_BROWSER") == "1"
