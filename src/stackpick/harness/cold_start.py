"""Cold start: fresh processes from interpreter start to the first correct output.

Measured once per backend variant per run (not per cell: five fresh processes per variant are
what the pass costs), on the first cell of that variant that passed parity and was timed; the
result is copied into every later cell of the variant with ``measured_on`` naming the cell. A
process whose output fails parity is not a start, and the pass says so. ``stackpick bench``
runs the pass for the backends it measures; ``stackpick run`` only when the profile's targets
need it (serverless, on-device), so the default study does not pay for it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import msgspec

from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.environment import worker_environment
from stackpick.protocol.cells import Cell
from stackpick.protocol.cold_start import ColdStartRequest, ColdStartStamps
from stackpick.protocol.extras import ColdStart
from stackpick.protocol.messages import Deploy
from stackpick.protocol.scratch import RUN_DIR_ENV
from stackpick.registry import Choice, study_backends

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


def profile_backends(targets: tuple[str, ...] | list[str]) -> list[Choice]:
    """`stackpick run`'s backends: every server-side one, and the on-device runtimes when a
    target needs them (they are proxies measured on this host's CPU)."""
    on_device = study_backends(on_device=True) if ON_DEVICE_TARGETS & set(targets) else []
    return [*study_backends(), *on_device]


@dataclass(frozen=True)
class Phases:
    """One fresh process, in seconds: import (interpreter start included), load, first call."""

    import_s: float
    load_s: float
    first_call_s: float
    total_s: float


def phases(start: float, child: ColdStartStamps) -> Phases:
    """Wall-clock stamps -> seconds."""
    return Phases(child.imported - start, child.loaded - child.imported,
                  child.called - child.loaded, child.called - start)


def summarize(cold: ColdStart, runs: list[Phases]) -> ColdStart:
    """``cold`` with the medians of each phase over the processes that gave a correct first
    output."""
    return replace(cold, total_s=statistics.median(r.total_s for r in runs),
                   import_s=statistics.median(r.import_s for r in runs),
                   load_s=statistics.median(r.load_s for r in runs),
                   first_call_s=statistics.median(r.first_call_s for r in runs),
                   totals_s=[r.total_s for r in runs])


class ColdStartPass:
    """The cold-start measurements of one run, by (backend, variant)."""

    def __init__(self, threads: int, device: str, runs: int | None = None) -> None:
        self.threads, self.device = threads, device
        self.runs = int(os.environ.get(RUNS_ENV, RUNS)) if runs is None else runs
        self.done: dict[tuple[str, str], ColdStart] = {}

    def adopt(self, measured: Iterable[tuple[Cell, ColdStart | None]]) -> None:
        """Cold starts an interrupted run measured already (``--resume``): not again."""
        for cell, cold in measured:
            if cold is not None:
                self.done.setdefault((cell.backend, cell.variant), cold)

    def measure_once(self, cell: Cell, handle: WorkerHandle, materials: Path
                     ) -> ColdStart | None:
        """The cold start of ``cell``'s variant: measured now if this is its first cell, else
        the earlier one; None when the pass is off."""
        key = (cell.backend, cell.variant)
        if self.runs < 1:
            return None
        if key not in self.done:
            self.done[key] = self._measure(cell, handle, materials)
        return self.done[key]

    def _measure(self, cell: Cell, handle: WorkerHandle, materials: Path) -> ColdStart:
        # beside the group's arrays: in the study's run directory, removed with it
        with tempfile.TemporaryDirectory(prefix="stackpick-cold-", dir=materials.parent) as tmp:
            try:
                artifact = handle.call(Deploy(cell.key, tmp), TIMEOUT_S).artifact
            except WorkerFailure as exc:
                return ColdStart(cell.key, error=f"deploy: {exc}")
            req = ColdStartRequest(cell.backend, cell.variant, self.threads, self.device,
                                   str(materials), cell, artifact)
            runs: list[Phases] = []
            errors: list[str] = []
            for i in range(self.runs):
                got = self._one(req, Path(tmp), i)
                if isinstance(got, str):
                    errors.append(got)
                else:
                    runs.append(got)
                if errors and not runs:  # a start that fails once fails every time: stop
                    break
        cold = ColdStart(cell.key, len(runs),
                         artifact.loader if artifact else "rebuild from weights",
                         errors=errors[:2])
        return summarize(cold, runs) if runs else cold

    def _one(self, req: ColdStartRequest, tmp: Path, i: int) -> Phases | str:
        """One fresh process's phases, or why it gave no correct first output."""
        from stackpick.registry import get_spec

        request, result = tmp / f"req{i}.json", tmp / f"out{i}.json"
        request.write_bytes(msgspec.json.encode(req))
        env = worker_environment(self.threads, self.device,
                                 {**get_spec(req.backend).worker_env(req.variant),
                                  RUN_DIR_ENV: str(tmp)})
        start = time.time()  # wall clock, as the child stamps it
        try:
            subprocess.run([sys.executable, "-m", "stackpick.worker.cold_start",
                            str(request), str(result)], env=env, timeout=TIMEOUT_S,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            return f"no first output within {TIMEOUT_S:.0f} s"
        try:
            child = msgspec.json.decode(result.read_bytes(), type=ColdStartStamps)
        except (OSError, msgspec.DecodeError):
            return "the process exited without a result"
        if child.error:
            return child.error
        if not child.parity_ok:
            return "first output failed parity"
        return phases(start, child)
