"""``fake``: scripted latencies and failure modes for tests of the machinery.

Never used to produce a user-facing number. The variant is a ``+``-separated script:
``latency=300`` (microseconds per call), ``clock=script|real`` (default ``script``: each
sample is the scripted latency with a small random spread, reported by the cell's own timer
without busy-waiting, so a test's verdict does not depend on how loaded the machine is;
``real``: each call busy-waits the latency and the worker's clock times it),
``fail=crash|hang|raise|oom|parity|unsupported|export`` and
``at=configure|prepare|call|memory`` (default prepare; ``memory``: as the memory pass starts,
after the cell was timed), ``after=N`` calls before an ``at=call`` failure (default 500: past
warm-up, into timing), ``threads=N`` to misreport the thread count read back (a fairness-bug
simulation). Example: ``fake:latency=300+fail=crash+at=call``.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import numpy as np

from stackpick.protocol.messages import Configured, WarmupRule
from stackpick.worker.backends.base import (
    Backend,
    ExportFailed,
    Job,
    Outputs,
    Prepared,
    Unsupported,
)
from stackpick.worker.timing import WarmupResult
from stackpick.workloads.base import as_float64

SPREAD = 0.01  # each scripted sample within +-1% of the latency


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


class ScriptedTimer:
    """The cell's own clock: samples of the scripted latency, in about the time they would
    take (slept, not spun), counting calls toward an ``at=call`` failure."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend
        self.rng = random.Random()

    def calibrate_loops(self) -> int:
        return 1

    def warm_up(self, loops: int, rule: WarmupRule) -> WarmupResult:
        calls = rule.window * rule.min_windows * loops
        self.backend.count(calls)
        return WarmupResult(calls, calls * self.backend.latency_ns / 1e9, True)

    def take_samples(self, loops: int, budget_s: float, max_samples: int) -> list[float]:
        latency = self.backend.latency_ns
        n = int(min(max_samples, max(1.0, budget_s * 1e9 / (latency * loops))))
        self.backend.count(n * loops)
        time.sleep(n * loops * latency / 1e9)
        return [latency * (1.0 + self.rng.uniform(-SPREAD, SPREAD)) for _ in range(n)]


class FakeBackend(Backend):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = parse_script(self.variant)
        self.latency_ns = int(float(self.script.get("latency", "200")) * 1000)
        self.calls = 0

    def _maybe_fail(self, stage: str) -> None:
        fail = self.script.get("fail")
        if self.script.get("at", "prepare") == stage and fail not in (None, "parity"):
            _fail(fail)

    def count(self, calls: int) -> None:
        """``calls`` more calls of the cell; past ``after=N``, an ``at=call`` failure."""
        self.calls += calls
        if self.script.get("at") == "call" and self.calls > int(self.script.get("after", "500")):
            self._maybe_fail("call")

    def configure(self) -> Configured:
        self._maybe_fail("configure")
        if self.device != "cpu":
            raise Unsupported(f"fake backend has no {self.device} device")
        intra = int(self.script.get("threads", self.threads))
        return Configured({"fake": "1"}, {"intra_op": intra}, "cpu")

    def reset_device_memory(self) -> None:
        """Called as the memory pass starts: where ``at=memory`` fails."""
        self._maybe_fail("memory")

    def prepare(self, job: Job) -> Prepared:
        self._maybe_fail("prepare")
        self.calls = 0
        latency_s = self.latency_ns / 1e9
        if self.script.get("clock", "script") == "real":
            return Prepared(call=self._spin, fetch=lambda: self._expected(job))

        def call() -> None:
            self.count(1)
            time.sleep(latency_s)

        return Prepared(call=call, fetch=lambda: self._expected(job),
                        timer=ScriptedTimer(self))

    def _spin(self) -> None:
        self.count(1)
        end = time.perf_counter_ns() + self.latency_ns
        while time.perf_counter_ns() < end:
            pass

    def _expected(self, job: Job) -> Outputs:
        skew = 1.0 if self.script.get("fail") == "parity" else 0.0
        if job.task == "inference":
            return (job.workload.forward(job.weights, job.inputs) + skew).astype(np.float32)
        from stackpick.workloads.training import reference_train

        assert job.labels is not None  # training jobs carry labels
        params = reference_train(job.workload, as_float64(job.weights), job.inputs, job.labels,
                                 job.train)
        return {k: (v + skew).astype(np.float32) for k, v in params.items()}
