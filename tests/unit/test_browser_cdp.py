"""The DevTools-pipe client against a scripted stand-in for Chromium (no browser needed):
fd 3/4 plumbing, answers matched by id, events kept, page errors, timeouts, shutdown."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stackpick.worker.backends.browser.cdp import BrowserError, Chromium

FAKE = '''
import json, os, sys
def send(m):
    os.write(4, json.dumps(m).encode() + b"\\0")
buf = b""
while True:
    chunk = os.read(3, 65536)
    if not chunk:
        sys.exit(0)
    buf += chunk
    while b"\\0" in buf:
        line, _, buf = buf.partition(b"\\0")
        msg = json.loads(line)
        method, i = msg["method"], msg["id"]
        if method == "Target.createTarget":
            send({"id": i, "result": {"targetId": "T"}})
        elif method == "Target.attachToTarget":
            send({"id": i, "result": {"sessionId": "S"}})
        elif method == "Runtime.evaluate":
            expr = msg["params"]["expression"]
            url = "http://127.0.0.1:1/" + expr
            send({"method": "Network.requestWillBeSent", "params": {"request": {"url": url}}})
            if expr == "throw":
                send({"id": i, "result": {"exceptionDetails": {
                    "text": "Uncaught", "exception": {"description": "Error: boom"}}}})
            elif expr != "hang":
                send({"id": i, "result": {"result": {"value": [msg.get("sessionId"), expr]}}})
        elif method == "Browser.close":
            send({"id": i, "result": {}})
            sys.exit(0)
        else:
            send({"id": i, "error": {"message": "unknown " + method}})
'''


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    script = tmp_path / "fake-chromium"
    script.write_text(f"#!{sys.executable}\n{FAKE}")
    script.chmod(0o755)
    with (tmp_path / "log").open("wb") as log:
        fake = Chromium(script, tmp_path / "profile", log)
        try:
            yield fake
        finally:
            fake.close()


def test_commands_go_to_the_attached_page_and_events_are_kept(browser: Chromium) -> None:
    assert browser.session == "S"
    assert browser.evaluate("first") == ["S", "first"]
    assert browser.evaluate("second") == ["S", "second"]
    assert browser.requested_urls() == ["http://127.0.0.1:1/first", "http://127.0.0.1:1/second"]


def test_page_exceptions_and_protocol_errors_are_browser_errors(browser: Chromium) -> None:
    with pytest.raises(BrowserError, match="page error: Error: boom"):
        browser.evaluate("throw")
    with pytest.raises(BrowserError, match=r"unknown Nope\.method"):
        browser.command("Nope.method")


def test_a_silent_browser_times_out(browser: Chromium) -> None:
    with pytest.raises(BrowserError, match="did not answer"):
        browser.command("Runtime.evaluate", {"expression": "hang"}, timeout=0.3)


def test_close_ends_the_process(browser: Chromium) -> None:
    browser.close()
    assert browser.proc.poll() == 0
