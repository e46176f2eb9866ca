"""The pages of `kg serve` in a real browser: headless Chromium, driven over the DevTools
protocol (a small WebSocket client below: no Selenium, no driver binary).

Opens the home page, an entity page and a stored query's page, runs the query by filling its
form and clicking Run, reads the rows of the results table, runs a query in the editor, and
checks that no page asks for anything but the server's own URLs (the pages work offline).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from kg.viz import CHROMIUM_FLAGS, find_chromium

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (apt-get install chromium)")


# -- the server ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    out = tmp / "stdout"
    exe = shutil.which("kg")
    cmd = ([exe] if exe else [sys.executable, "-m", "kg.cli"]) + ["--root", str(ROOT), "serve", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=out.open("w"), stderr=(tmp / "stderr").open("w"))
    deadline = time.monotonic() + 90
    while not (m := re.search(r"http://127\.0\.0\.1:\d+", out.read_text())):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError((tmp / "stderr").read_text()[-2000:])
        time.sleep(0.1)
    yield m.group(0)
    proc.terminate()
    assert proc.wait(15) == 0


# -- a minimal DevTools protocol client ------------------------------------------------------------

class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, masked from the client."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        m = re.fullmatch(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace").splitlines()[0])
        self.buffer = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, text: str) -> None:
        payload = text.encode()
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 1 << 16 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        mask = os.urandom(4)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self) -> str:
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode == 0x9:  # ping
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()


class Browser:
    """Headless Chromium with one page, driven by DevTools protocol commands."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        self.proc = subprocess.Popen([find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}",
                                      "--remote-debugging-port=0", "--window-size=1280,1000", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 30
        while port is None:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                port = int(m.group(1))
            elif (not line and self.proc.poll() is not None) or time.monotonic() > deadline:
                raise AssertionError("Chromium did not start")
        for _ in range(100):
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            time.sleep(0.1)
        self.ws = WebSocket(pages[0]["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events: list[dict] = []
        self.requests: list[str] = []
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Runtime.enable")

    def _pump(self) -> dict:
        msg = json.loads(self.ws.recv())
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])
        if "method" in msg:
            self.events.append(msg)
        return msg

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = self._pump()
            if msg.get("id") == mine:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def wait_for(self, event: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e["method"] == event:
                    del self.events[: i + 1]
                    return e
            self._pump()
        raise AssertionError(f"no {event} within {timeout} s")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        self.events.clear()
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_for("Page.loadEventFired")

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def _own(site: str, urls: list[str]) -> list[str]:
    return [u for u in urls if not (u.startswith(site + "/") or u.startswith(("data:", "about:")))]


# -- the tests -----------------------------------------------------------------------------------

def test_home_page(site, browser):
    browser.requests.clear()
    browser.open(site + "/")
    assert "Report on the Work of the Government" in browser.js("document.title")
    centers = browser.js("[...document.querySelectorAll('#centers li a')].map(a => a.textContent)")
    assert len(centers) == 5 and "international shipping center" in centers
    assert browser.js("document.querySelectorAll('#counts tr').length") > 20
    targets = browser.js("[...document.querySelectorAll('#main-targets tbody tr')].map(r => r.innerText)")
    assert any("around 5%" in t for t in targets)
    assert browser.js("getComputedStyle(document.querySelector('header')).display") == "flex"  # the stylesheet loaded
    assert _own(site, browser.requests) == []


def test_search_from_the_home_page(site, browser):
    browser.open(site + "/")
    browser.js("document.querySelector('#home-search').value = 'elderly care'")
    browser.click_and_wait("form.big-search button")
    assert browser.js("location.pathname") == "/queries/search"
    labels = browser.js("[...document.querySelectorAll('#results tbody td[data-var=label]')].map(c => c.innerText)")
    assert any("elderly" in x.lower() for x in labels)


def test_entity_page(site, browser):
    browser.requests.clear()
    browser.open(site + "/id/pudong-new-area")
    assert browser.js("document.querySelector('h1').innerText").startswith("Pudong New Area")
    assert "District" in browser.js("document.querySelector('.kind').innerText")
    marks = browser.js("[...document.querySelectorAll('#quotes blockquote mark')].map(m => m.innerText)")
    assert any("18 regulations and 22 management measures" in m for m in marks)
    assert browser.js("document.querySelectorAll('#figures tbody tr').length") >= 3
    assert browser.js("document.querySelectorAll('#links-in a').length") > 5
    # the interactive graph around it, in its frame
    browser.js("document.querySelector('iframe.viz').scrollIntoView()")
    deadline = time.monotonic() + 20
    nodes = 0
    while time.monotonic() < deadline and not nodes:
        nodes = browser.js("(() => { const d = document.querySelector('iframe.viz').contentDocument;"
                           " return d ? d.querySelectorAll('#nodes > *').length : 0 })()")
        time.sleep(0.2)
    assert nodes > 3
    assert _own(site, browser.requests) == []


def test_stored_query_page_runs_and_shows_rows(site, browser):
    browser.open(site + "/queries/main-targets")
    assert browser.js("document.querySelectorAll('#results').length") == 0  # nothing run yet
    browser.js("document.querySelector('#param-year').value = '2024'")
    browser.click_and_wait("#run")
    rows = browser.js("[...document.querySelectorAll('#results tbody tr')].map("
                      "r => Object.fromEntries([...r.cells].map(c => [c.dataset.var, c.innerText.trim()])))")
    assert len(rows) == 9
    assert rows[0]["indicator"] == "GDP growth rate" and rows[0]["statedForm"] == "around 5%"
    assert {r["comparator"] for r in rows} >= {"about", "at most"}
    csv_link = browser.js("document.querySelector('#csv').href")
    assert csv_link.startswith(site + "/queries/main-targets.csv?") and "year=2024" in csv_link
    with urllib.request.urlopen(csv_link, timeout=30) as resp:
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert resp.read().decode().count("\r\n") == 10


def test_query_editor_posts_to_the_endpoint(site, browser):
    browser.open(site + "/sparql")
    query = ("PREFIX gwr: <https://w3id.org/gwr/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "SELECT ?d ?label WHERE { ?d a gwr:District ; skos:prefLabel ?label FILTER(lang(?label) = 'en') } "
             "ORDER BY ?label")
    browser.js(f"document.querySelector('#query').value = {json.dumps(query)}")
    browser.click_and_wait("#run-query")
    labels = browser.js("[...document.querySelectorAll('#results tbody td[data-var=label]')].map(c => c.innerText)")
    assert len(labels) == 16 and "Pudong New Area" in labels
    assert browser.js("document.querySelector('#query').value") == query
    # a malformed query comes back with the parser's message, the text kept for fixing
    browser.js("document.querySelector('#query').value = 'SELECT * WHERE { ?s ?p }'")
    browser.click_and_wait("#run-query")
    assert "SPARQL syntax error" in browser.js("document.querySelector('#error').innerText")
