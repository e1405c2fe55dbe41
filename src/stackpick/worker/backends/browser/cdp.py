"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``).

No chromedriver and no websocket: Chromium reads commands on its fd 3 and writes answers and
events on fd 4, each a JSON object ended by a NUL byte. Chromium stays in the worker's process
group, so the parent's kill of a hung worker takes the browser with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

# Quiet, deterministic, offline: no background services, no throttling of the timed page,
# and no name resolution except the loopback address the page is served on.
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
    "--disable-component-update", "--disable-extensions", "--disable-default-apps",
    "--disable-breakpad", "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows", "--metrics-recording-only", "--mute-audio",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)


_TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); "
               "os.dup2(w, 4); os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are above fd 9, so moving them to fds 3 and 4 cannot clobber one."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


class BrowserError(RuntimeError):
    """Chromium died, did not answer in time, or a command failed."""


class Chromium:
    """One headless Chromium process and one page target attached in flat session mode."""

    def __init__(self, binary: Path, profile_dir: Path, log: IO[bytes],
                 extra_flags: tuple[str, ...] = ()) -> None:
        to_r, self._to_w = _high_pipe()  # we write commands, Chromium reads them on fd 3
        self._from_r, from_w = _high_pipe()  # Chromium writes on fd 4, we read
        # A trampoline moves the pipe ends to fds 3 and 4, then becomes Chromium (subprocess
        # cannot renumber fds, and dash's redirections stop at fd 9).
        argv = [sys.executable, "-S", "-c", _TRAMPOLINE, str(to_r), str(from_w), str(binary),
                *FLAGS, *extra_flags, f"--user-data-dir={profile_dir}", "about:blank"]
        self.proc = subprocess.Popen(argv, pass_fds=(to_r, from_w), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        os.close(to_r)
        os.close(from_w)
        self._buffer = b""
        self._next = 0
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._from_r, selectors.EVENT_READ)
        self.events: list[dict[str, Any]] = []
        self.session = ""
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.command("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]

    def command(self, method: str, params: dict[str, Any] | None = None,
                timeout: float = 60.0) -> dict[str, Any]:
        """Send one command (to the page session once attached) and wait for its answer;
        events that arrive meanwhile are kept in ``events``."""
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        try:
            os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        except OSError as exc:
            raise BrowserError(f"chromium is gone ({exc})") from exc
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline, method)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def navigate(self, url: str, timeout: float) -> None:
        """Load ``url`` and wait for this navigation's own load event (not a late one from
        an earlier navigation)."""
        loader = self.command("Page.navigate", {"url": url}).get("loaderId")
        self.wait_event("Page.lifecycleEvent", timeout, lambda p: p.get("name") == "load"
                        and p.get("loaderId") == loader)

    def wait_event(self, method: str, timeout: float,
                   match: Callable[[dict[str, Any]], bool] = lambda p: True) -> dict[str, Any]:
        """The first kept or new event named ``method`` whose params ``match`` (removed from
        ``events``)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event["method"] == method and match(event.get("params", {})):
                    return self.events.pop(i)
            answer = self._read(deadline, method)
            if "method" in answer:
                self.events.append(answer)

    def _read(self, deadline: float, what: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                raise BrowserError(f"chromium did not answer {what} in time")
            chunk = os.read(self._from_r, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited (code {self.proc.poll()})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(line)

    def evaluate(self, expression: str, timeout: float = 60.0) -> Any:
        """Evaluate ``expression`` in the page, awaiting a promise; the JSON value it gives."""
        result = self.command("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
            "timeout": int(timeout * 1000)}, timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"page error: {text}")
        return result.get("result", {}).get("value")

    def requested_urls(self) -> list[str]:
        """Every URL the page (and the workers it started) asked the network for so far."""
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"]

    def close(self) -> None:
        """Ask Chromium to quit; kill it if it does not."""
        if self.proc.poll() is None:
            self.session = ""
            with contextlib.suppress(BrowserError):
                self.command("Browser.close", timeout=5)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._selector.close()
        for fd in (self._to_w, self._from_r):
            with contextlib.suppress(OSError):
                os.close(fd)
