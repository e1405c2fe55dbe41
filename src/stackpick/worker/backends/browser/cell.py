"""What the two browser backends share: Chromium per worker variant, one page load per cell.

Subclasses say which runtime folders the page needs (``mounts``), which variants need a GPU,
and write the cell's model into the page's directory (``write_model``); this class does the
rest: thread read-back, the cell's Prepared with the page's timer, sizes and start-up times.
"""

from __future__ import annotations

import os
from abc import abstractmethod
from pathlib import Path

import numpy as np

from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured, ThreadReadBack
from stackpick.registry import browser_runtime as browser_spec
from stackpick.worker.backends.base import Backend, Job, Prepared, Unavailable, Unsupported
from stackpick.worker.backends.browser.page import BrowserPage, PageConfig, PageInfo
from stackpick.worker.backends.browser.timing import MIN_SAMPLE_NS, PageTimer

GPU_FLAGS = ("--enable-unsafe-webgpu", "--enable-features=Vulkan")


class BrowserBackend(Backend):
    """A runtime in headless Chromium; ``runtime`` names its ``<runtime>_runner.js``."""

    runtime = ""
    package = ""  # the npm package whose version the page reports
    gpu_variants: frozenset[str] = frozenset()

    @abstractmethod
    def mounts(self, node_modules: Path) -> dict[str, Path]:
        """URL folder -> runtime folder under node_modules."""

    @abstractmethod
    def write_model(self, job: Job, folder: Path) -> PageConfig:
        """Write the model and inputs into ``folder``; return the page's cfg entries."""

    @abstractmethod
    def versions(self) -> dict[str, str]:
        """Versions of what this backend uses besides the page's runtime."""

    def configure(self) -> Configured:
        chromium, node_modules = browser_spec.chromium_binary(), browser_spec.node_modules()
        if chromium is None or node_modules is None:  # the parent's precheck says the same
            raise Unavailable(browser_spec.missing_reason(self.runtime) or "browser missing")
        flags = GPU_FLAGS if self.variant in self.gpu_variants else ()
        self.page = BrowserPage(chromium, self.mounts(node_modules), flags)
        probe = self.page.open(self.probe_cfg())
        self.check_threads(probe)
        versions = {**self.versions(), self.package: str(probe.version),
                    "chromium": self.page.browser.command("Browser.getVersion")["product"]}
        threads: ThreadReadBack = {
                   "intra_op": self.threads if probe.threads is None else probe.threads,
                   "inter_op": 1, "source": self.thread_source(probe),
                   "cross_origin_isolated": probe.isolated}
        return Configured(versions, threads,
                          f"browser (headless Chromium, {self.runtime} {self.variant})")

    def probe_cfg(self) -> PageConfig:
        """The page's cfg for loading the runtime alone (model-free where it can be)."""
        return {"runtime": self.runtime, "variant": self.variant, "threads": self.threads}

    def thread_source(self, probe: PageInfo) -> str:
        if probe.threads is None:
            return "a GPU variant: no CPU thread pool; the worker's setting is reported"
        return f"read back in the page from {self.runtime}'s own setting"

    def check_threads(self, info: PageInfo) -> None:
        got = info.threads
        if got is not None and got != self.threads:
            why = "" if info.isolated else " (the page is not cross-origin isolated)"
            raise Unsupported(f"{self.runtime} {self.variant} runs {got} thread(s), asked "
                              f"{self.threads}{why}")

    def prepare(self, job: Job) -> Prepared:
        if job.task != "inference":
            raise Unsupported(f"{self.runtime} in the browser serves inference only here")
        folder = self.page.model_dir()
        for old in folder.iterdir():
            old.unlink()
        written = self.write_model(job, folder)
        model_bytes = sum(p.stat().st_size for p in folder.iterdir() if p.name != "input.bin")
        cfg = {**self.probe_cfg(), **written, "workload": job.workload.name}
        info = self.page.open(cfg)
        self.check_threads(info)
        files = self.page.runtime_files()
        extras = Extras(runtime_bundle_bytes=sum(files.values()), runtime_files=files,
                        model_bytes=model_bytes, page_init_ms=info.init_ms,
                        cross_origin_isolated=info.isolated, browser_cores=info.cores,
                        min_sample_ns=MIN_SAMPLE_NS, timer="performance.now() in the page")
        shape = (job.batch, job.workload.num_classes)
        return Prepared(call=lambda: self.page.evaluate("stackpick.run()"),
                        fetch=lambda: self._fetch(extras, shape), extras=extras,
                        close=self.page.blank, timer=PageTimer(self.page))

    def device_memory(self) -> dict[str, int] | None:
        """Chromium's summed RSS after the memory pass (a reading, not a peak): the worker's
        own peak RSS, which the pass measures, does not include the browser."""
        rss = _tree_rss(self.page.browser.proc.pid)
        return None if rss is None else {"browser_rss_bytes": rss}

    def _fetch(self, extras: Extras, shape: tuple[int, ...]) -> np.ndarray:
        """The last output (the first call's, right after it), and its time since page load."""
        out = self.page.evaluate("stackpick.output()")
        if extras.page_load_to_first_output_ms is None:
            extras.page_load_to_first_output_ms = out["first_output_ms"]
        if extras.browser_rss_bytes is None:
            extras.browser_rss_bytes = _tree_rss(self.page.browser.proc.pid)
        self.page.guard()
        return np.asarray(out["values"], dtype=np.float32).reshape(shape)


def _tree_rss(pid: int) -> int | None:
    """Summed resident memory of Chromium's processes (shared pages count more than once)."""
    try:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        total, todo = 0, [pid]
        while todo:
            p = todo.pop()
            todo += children.get(p, [])
            with open(f"/proc/{p}/statm", "rb") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return total
    except (OSError, ValueError, IndexError):
        return None
