"""One browser cell's page: a temporary directory served on loopback, Chromium, the guard.

A :class:`BrowserPage` lives as long as its worker variant: Chromium starts once, and every
cell navigates to a fresh page load (a new JavaScript realm, a cold runtime) so that "page
load to first correct output" means the same for every cell.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from stackpick.protocol.scratch import scratch_root
from stackpick.worker.backends.base import Unavailable
from stackpick.worker.backends.browser.cdp import BrowserError, Chromium
from stackpick.worker.backends.browser.server import LOOPBACK, PageServer

ASSETS = ("page.html", "harness.js", "ort_runner.js", "tfjs_runner.js")
RUNTIME_SUFFIXES = (".js", ".mjs", ".wasm")
LOCAL_SCHEMES = ("blob", "data", "about")
PAGE_TIMEOUT = 120.0  # a cold 14 MB wasm compile on two busy cores takes seconds


def outside_loopback(urls: list[str], origin: str) -> list[str]:
    """The URLs in ``urls`` that leave the page's own loopback origin."""
    bad = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            continue
        if f"{parts.scheme}://{parts.netloc}" != origin or parts.hostname != LOOPBACK:
            bad.append(url)
    return bad


# The JSON the page's ``stackpick.init`` reads: the runtime, variant and threads, and the
# model files a cell wrote (each backend its own keys: page.html reads them).
PageConfig = dict[str, object]


@dataclass
class PageInfo:
    """What the page reports after loading its runtime (and model)."""

    threads: int | None = None  # the runtime's own thread setting; None: a GPU variant
    isolated: bool | None = None  # cross-origin isolated (SharedArrayBuffer, wasm threads)
    version: str | None = None  # the runtime's version
    init_ms: float | None = None
    cores: int | None = None  # navigator.hardwareConcurrency


class BrowserPage:
    """Chromium plus the loopback server of one worker variant.

    ``mounts`` maps URL folders to runtime folders (``{"ort": node_modules/.../dist}``); they
    are linked into the served directory, and only files under it are served.
    """

    def __init__(self, chromium: Path, mounts: dict[str, Path],
                 flags: tuple[str, ...] = ()) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stackpick-page-", dir=scratch_root()))
        self.root = self.dir / "site"
        (self.root / "model").mkdir(parents=True)
        assets = resources.files("stackpick.worker.backends.browser") / "assets"
        for name in ASSETS:
            (self.root / name).write_bytes((assets / name).read_bytes())
        for url_dir, target in mounts.items():
            (self.root / url_dir).symlink_to(target, target_is_directory=True)
        self.mounts = tuple(mounts)
        self.server = PageServer(self.root)
        self._closed = False
        # The worker ends with a plain return: without this Chromium would outlive it (a
        # killed worker takes Chromium along, since both share its process group).
        atexit.register(self.close)
        self._log = (self.dir / "chromium.log").open("wb")
        try:
            self.browser = Chromium(chromium, self.dir / "profile", self._log, flags)
            for domain in ("Network", "Runtime", "Page"):
                self.browser.command(f"{domain}.enable")
            self.browser.command("Page.setLifecycleEventsEnabled", {"enabled": True})
        except BrowserError:
            self.close()
            raise

    def model_dir(self) -> Path:
        """Where a cell writes its model and inputs (served under ``/model/``)."""
        return self.root / "model"

    def open(self, cfg: PageConfig) -> PageInfo:
        """A fresh page load, then ``stackpick.init(cfg)``; what the page reports."""
        self.server.log.clear()
        self.browser.events.clear()
        self.browser.navigate(f"{self.server.origin}/page.html", PAGE_TIMEOUT)
        try:
            info = self.evaluate(f"stackpick.init({json.dumps(cfg)})")
        except BrowserError as exc:
            text = str(exc)
            if "unavailable: " in text:
                raise Unavailable(text.split("unavailable: ", 1)[1].splitlines()[0]) from exc
            raise
        self.guard()
        thrown = [e["params"]["exceptionDetails"] for e in self.browser.events
                  if e["method"] == "Runtime.exceptionThrown"]
        if thrown:  # a script that threw while loading leaves a half-made runtime
            details = thrown[0]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"page script error: {text}")
        return msgspec.convert(info, PageInfo, strict=False)

    def evaluate(self, expression: str, timeout: float = PAGE_TIMEOUT) -> Any:
        return self.browser.evaluate(expression, timeout)

    def guard(self) -> None:
        """Fail when the page asked for anything outside its loopback origin: requests the
        DevTools protocol saw, and those the page's CSP refused (they never reach the network
        layer, so the protocol does not see them)."""
        refused = self.evaluate("window.stackpick ? stackpick.blocked : []") or []
        urls = self.browser.requested_urls() + [str(u) for u in refused]
        bad = outside_loopback(urls, self.server.origin)
        if bad:
            raise RuntimeError(f"the page requested {len(bad)} URL(s) outside loopback: "
                               f"{', '.join(bad[:3])}")

    def runtime_files(self) -> dict[str, int]:
        """Bytes of each runtime .js/.mjs/.wasm file the page loaded (each path once)."""
        files: dict[str, int] = {}
        for served in self.server.log:
            top = served.path.strip("/").split("/", 1)[0]
            if top in self.mounts and served.path.endswith(RUNTIME_SUFFIXES) and served.bytes:
                files[served.path] = served.bytes
        return files

    def blank(self) -> None:
        """Leave the cell's page, freeing its runtime and model."""
        with contextlib.suppress(BrowserError):
            self.browser.navigate("about:blank", PAGE_TIMEOUT)

    def close(self) -> None:
        """Quit Chromium, stop the server, remove the served directory (once)."""
        if self._closed:
            return
        self._closed = True
        if hasattr(self, "browser"):
            self.browser.close()
        self.server.close()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, limit: int = 1500) -> str:
        """The end of Chromium's own log, for error messages."""
        self._log.flush()
        text = (self.dir / "chromium.log").read_text(errors="replace")
        return text[-limit:]
