"""``fake``: scripted latencies and failure modes for tests of the machinery.

Never used to produce a user-facing number. The variant is a ``+``-separated script:
``latency=300`` (microseconds per call, busy-waited so the clock sees real time),
``fail=crash|hang|raise|oom|parity|unsupported|export`` and ``at=configure|prepare|call``
(default prepare),
``after=N`` calls before an ``at=call`` failure (default 500: past warm-up, into timing),
``threads=N`` to misreport the thread count read back (a fairness-bug simulation).
Example: ``fake:latency=300+fail=crash+at=call``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from stackpick.worker.backends.base import Backend, ExportFailed, Job, Prepared, Unsupported
from stackpick.workloads.base import as_float64


def parse_script(variant: str) -> dict[str, str]:
    if variant in ("", "default"):
        return {}
    pairs = (item.partition("=") for item in variant.split("+"))
    return {k: v for k, _, v in pairs}


def _fail(mode: str) -> None:
    if mode == "crash":
        os.abort()  # SIGABRT, like a native segfault in a framework
    if mode == "hang":
        while True:
            time.sleep(3600)
    if mode == "raise":
        raise RuntimeError("fake backend failed on purpose")
    if mode == "oom":
        hog = []
        while True:  # grows until the worker's memory limit stops it
            hog.append(np.ones(64 * 1024 * 1024, dtype=np.uint8))
    if mode == "unsupported":
        raise Unsupported("fake backend does not support this cell on purpose")
    if mode == "export":
        raise ExportFailed("RuntimeError: fake converter failed on purpose")


class FakeBackend(Backend):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = parse_script(self.variant)
        self.latency_ns = int(float(self.script.get("latency", "200")) * 1000)

    def _maybe_fail(self, stage: str) -> None:
        fail = self.script.get("fail")
        if self.script.get("at", "prepare") == stage and fail not in (None, "parity"):
            _fail(fail)

    def configure(self) -> dict[str, Any]:
        self._maybe_fail("configure")
        if self.device != "cpu":
            raise Unsupported(f"fake backend has no {self.device} device")
        intra = int(self.script.get("threads", self.threads))
        return {"versions": {"fake": "1"}, "threads": {"intra_op": intra}, "device": "cpu"}

    def prepare(self, job: Job) -> Prepared:
        self._maybe_fail("prepare")
        latency_ns, stage_fail = self.latency_ns, self.script.get("at") == "call"
        after = int(self.script.get("after", "500"))
        counter = {"calls": 0}

        def call() -> None:
            counter["calls"] += 1
            if stage_fail and counter["calls"] > after:
                self._maybe_fail("call")
            end = time.perf_counter_ns() + latency_ns
            while time.perf_counter_ns() < end:
                pass

        return Prepared(call=call, fetch=lambda: self._expected(job))

    def _expected(self, job: Job) -> np.ndarray | dict[str, np.ndarray]:
        skew = 1.0 if self.script.get("fail") == "parity" else 0.0
        if job.task == "inference":
            return (job.workload.forward(job.weights, job.inputs) + skew).astype(np.float32)
        from stackpick.workloads.training import reference_train

        assert job.labels is not None  # training jobs carry labels
        params = reference_train(job.workload, as_float64(job.weights), job.inputs, job.labels,
                                 job.train)
        return {k: (v + skew).astype(np.float32) for k, v in params.items()}
