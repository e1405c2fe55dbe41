"""Cold start: fresh processes from interpreter start to the first correct output.

Measured once per backend variant per run (not per cell: five fresh processes per variant are
what the pass costs), on the first cell of that variant that passed parity and was timed; the
result is copied into every later cell of the variant with ``measured_on`` naming the cell. A
process whose output fails parity is not a start, and the pass says so. ``stackpick bench``
runs the pass for the backends it measures; ``stackpick run`` only when the profile's targets
need it (serverless, on-device), so the default study does not pay for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.environment import worker_environment
from stackpick.protocol.cells import Cell
from stackpick.protocol.messages import Deploy, encode

RUNS = 5
RUNS_ENV = "STACKPICK_COLD_START_RUNS"  # fewer (or 0: none) for the machinery's own tests
TIMEOUT_S = 300.0
# Profile targets whose answer rests on a fresh process's start (serverless, on-device): for
# them `stackpick run` adds this pass; on-device targets also add the on-device runtimes.
ON_DEVICE_TARGETS = frozenset({"android", "ios", "microcontroller"})
COLD_START_TARGETS = ON_DEVICE_TARGETS | {"serverless"}


def needs_cold_start(targets: tuple[str, ...] | list[str]) -> bool:
    """Whether `stackpick run` measures cold starts for a profile with ``targets``."""
    return bool(COLD_START_TARGETS & set(targets))


def profile_backends(targets: tuple[str, ...] | list[str]) -> str:
    """`stackpick run`'s backends: every server-side one, and the on-device runtimes when a
    target needs them (they are proxies measured on this host's CPU)."""
    return "all,on-device" if ON_DEVICE_TARGETS & set(targets) else "all"


def phases(start: float, child: dict[str, Any]) -> dict[str, float]:
    """Wall-clock stamps -> seconds: import (interpreter start included), load, first call."""
    return {"import_s": child["imported"] - start, "load_s": child["loaded"] - child["imported"],
            "first_call_s": child["called"] - child["loaded"],
            "total_s": child["called"] - start}


def summarize(runs: list[dict[str, float]]) -> dict[str, Any]:
    """Medians of each phase over the processes that gave a correct first output."""
    out: dict[str, Any] = {k: statistics.median(r[k] for r in runs)
                           for k in ("total_s", "import_s", "load_s", "first_call_s")}
    out["totals_s"] = [r["total_s"] for r in runs]
    return out


class ColdStartPass:
    """The cold-start measurements of one run, by (backend, variant)."""

    def __init__(self, threads: int, device: str, runs: int | None = None) -> None:
        self.threads, self.device = threads, device
        self.runs = int(os.environ.get(RUNS_ENV, RUNS)) if runs is None else runs
        self.done: dict[tuple[str, str], dict[str, Any]] = {}

    def measure_once(self, cell: Cell, handle: WorkerHandle, materials: Path
                     ) -> dict[str, Any]:
        """The cold start of ``cell``'s variant (``total_s``, the split, ``runs``,
        ``measured_on``): measured now if this is its first cell, else the earlier one;
        ``{}`` when the pass is off."""
        key = (cell.backend, cell.variant)
        if self.runs < 1:
            return {}
        if key not in self.done:
            self.done[key] = self._measure(cell, handle, materials)
        return self.done[key]

    def _measure(self, cell: Cell, handle: WorkerHandle, materials: Path) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="stackpick-cold-") as tmp:
            try:
                artifact = encode(handle.call(Deploy(cell.key, tmp), TIMEOUT_S))
            except WorkerFailure as exc:
                return {"error": f"deploy: {exc}", "measured_on": cell.key}
            req = {"backend": cell.backend, "variant": cell.variant, "threads": self.threads,
                   "device": self.device, "materials": str(materials), "cell": cell.to_dict(),
                   "artifact": artifact if artifact.get("loader") else None}
            runs: list[dict[str, float]] = []
            errors: list[dict[str, Any]] = []
            for i in range(self.runs):
                got = self._one(req, Path(tmp), i)
                (errors if "error" in got else runs).append(got)
                if errors and not runs:  # a start that fails once fails every time: stop
                    break
        info: dict[str, Any] = {"measured_on": cell.key, "runs": len(runs),
                                "what": artifact.get("loader") or "rebuild from weights"}
        if errors:
            info["errors"] = [e["error"] for e in errors][:2]
        if runs:
            info.update(summarize(runs))
        return info

    def _one(self, req: dict[str, Any], tmp: Path, i: int) -> dict[str, Any]:
        from stackpick.registry import get_spec

        request, result = tmp / f"req{i}.json", tmp / f"out{i}.json"
        request.write_text(json.dumps(req))
        env = worker_environment(self.threads, self.device,
                                 get_spec(req["backend"]).worker_env(req["variant"]))
        start = time.time()  # wall clock, as the child stamps it
        try:
            subprocess.run([sys.executable, "-m", "stackpick.worker.cold_start",
                            str(request), str(result)], env=env, timeout=TIMEOUT_S,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"no first output within {TIMEOUT_S:.0f} s"}
        child: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            child = json.loads(result.read_text())
        if not child:
            return {"error": "the process exited without a result"}
        if "error" in child:
            return child
        if not child.get("parity_ok"):
            return {"error": "first output failed parity"}
        return phases(start, child)
