"""Run a study: groups of cells, parity first, then interleaved timing rounds, then memory.

Within a group (same workload, task, batch, device) backends take turns — A B C A B C … —
so slow drift of the machine hits all of them alike, and ratios are computed per round.
Every finished cell is handed to ``on_result`` at once (the store commits it).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from stackpick.analysis.stability import sample_warnings
from stackpick.analysis.stats import summarize
from stackpick.harness import footprint
from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.cold_start import ColdStartPass
from stackpick.harness.executor import LocalExecutor
from stackpick.harness.plan import StudyPlan
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import Cell, CellMetrics, CellResult, MemoryUse, Parity, Timing
from stackpick.protocol.conversions import Conversion
from stackpick.protocol.group_arrays import build_group_arrays, save_group_arrays
from stackpick.protocol.messages import Memory, Release, Sample, Setup, SetupReply
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

EmitConversion = Callable[[Cell, Conversion], None]


class Progress(Protocol):
    def stage(self, cell: Cell, what: str) -> None: ...
    def finished(self, result: CellResult) -> None: ...


class NullProgress:
    def stage(self, cell: Cell, what: str) -> None:
        pass

    def finished(self, result: CellResult) -> None:
        pass


@dataclass
class _Active:
    cell: Cell
    handle: WorkerHandle
    setup: SetupReply
    rounds: list[list[float]] = field(default_factory=list)
    sampling_s: float = 0.0
    stop: str | None = None
    late_failure: str | None = None  # a failure after the cell had its verdict


def precheck(cell: Cell) -> CellResult | None:
    """Cells that need no worker: unsupported combinations and missing frameworks."""
    spec = get_spec(cell.backend)
    model = cell.workload_params.get("model")
    kind = model.get("kind") if isinstance(model, dict) else None
    reason = spec.unsupported_reason(cell.task, cell.device, kind)
    if reason:
        return CellResult(cell, "unsupported", reason=reason)
    reason = spec.unavailable_reason(cell.variant)
    if reason:
        return CellResult(cell, "unavailable", reason=reason)
    return None


def failure_result(cell: Cell, exc: WorkerFailure, stage: str) -> CellResult:
    return CellResult(cell, exc.status, reason=f"{stage}: {exc}", error_tail=exc.tail or None)


class GroupRun:
    """One group of cells through setup, rounds, memory and release."""

    def __init__(self, cells: list[Cell], executor: LocalExecutor, rule: StopRule,
                 workdir: Path, emit: Callable[[CellResult], None], progress: Progress,
                 emit_conversion: EmitConversion, cold: ColdStartPass | None = None) -> None:
        # Cells timed in the same rounds share a session; a resumed group gets a new one,
        # and ratios are only computed between cells of one session.
        self.session = uuid.uuid4().hex[:12]
        self.cells, self.executor, self.rule = cells, executor, rule
        self.workdir, self.emit, self.progress = workdir, emit, progress
        self.emit_conversion = emit_conversion
        self.artifacts: dict[str, str] = {}  # files earlier steps made for these cells
        self.cold, self.materials = cold, None  # cold starts: reference workloads only

    def run(self) -> None:
        pending = []
        for cell in self.cells:
            early = precheck(cell)
            if early:
                self.emit(early)
            else:
                pending.append(cell)
        if not pending:
            return
        if "model" in pending[0].workload_params:  # a user's model: reference, conversions
            from stackpick.harness.model_steps import prepare_group

            ready = prepare_group(pending, self.executor, self.workdir, self.emit,
                                  self.emit_conversion, self.progress.stage)
            if ready is None:
                return
            materials, self.artifacts, pending = ready.arrays, ready.artifacts, ready.pending
        else:
            materials = self.materials = self._materials(pending[0])
        active = [a for a in (self._setup(c, materials) for c in pending) if a is not None]
        self._rounds(active)
        for a in active:
            if a.stop is not None:
                self._finish(a)

    def _materials(self, cell: Cell) -> Path:
        path = self.workdir / f"{cell.group.replace('/', '_')}.npz"
        if not path.exists():
            workload = get_workload(cell.workload, cell.workload_params)
            save_group_arrays(build_group_arrays(workload, cell.task, cell.batch), path)
        return path

    def _setup(self, cell: Cell, materials: Path) -> _Active | None:
        t = self.executor.timeouts
        try:
            self.progress.stage(cell, "starting worker")
            handle = self.executor.worker(cell.backend, cell.variant)
            info = self.executor.info(cell.backend, cell.variant)
            asked, got = self.executor.threads, info.intra_op
            if got != asked:
                self.emit(CellResult(cell, "error", reason=(
                    f"fairness: {cell.label} runs {got} intra-op threads, asked {asked}")))
                return None
            self.progress.stage(cell, "build, parity, warm-up")
            setup = handle.call(Setup(cell.key, str(materials), cell, self.artifacts), t.setup)
        except WorkerFailure as exc:
            if exc.status in ("crash", "timeout"):
                self.executor.discard(cell.backend, cell.variant)
            self.emit(failure_result(cell, exc, "setup"))
            return None
        if not setup.parity.ok:
            self.emit(CellResult(cell, "fail_parity", self._metrics(cell, setup, None),
                                 reason=_parity_reason(setup.parity)))
            return None
        return _Active(cell, handle, setup)

    def _rounds(self, active: list[_Active]) -> None:
        """Interleaved rounds until every cell has a stop verdict. A cell that has one keeps
        its turn while others still sample: ratios pair rounds by index, and pairing only a
        fast cell's first rounds with a slow one's would let start-up effects pick a winner.
        One unrecorded settling round goes first (background work left over from the
        group's builds and compiles, e.g. inductor's compile workers, dies down)."""
        for a in active:
            self._sample(a, record=False)
        while True:
            live = [a for a in active if a.stop != "failed"]
            if all(a.stop is not None for a in live):
                return
            for a in live:
                self._sample(a)
            for a in live:
                if a.stop is None:
                    flat = [v for r in a.rounds for v in r]
                    a.stop = self.rule.verdict(flat, a.sampling_s, len(a.rounds))

    def _sample(self, a: _Active, record: bool = True) -> None:
        self.progress.stage(a.cell, f"timing, round {len(a.rounds) + 1}")
        timeout = self.executor.timeouts.sample + self.rule.round_time_s
        start = time.perf_counter()
        try:
            answer = a.handle.call(Sample(a.cell.key, self.rule.round_time_s), timeout)
        except WorkerFailure as exc:
            self._timing_failed(a, exc)
            return
        if record:
            a.sampling_s += time.perf_counter() - start
            a.rounds.append(answer.samples_ns)

    def _timing_failed(self, a: _Active, exc: WorkerFailure) -> None:
        """A worker failed mid-timing. A cell that already had its verdict keeps its samples
        (with a warning); one that had not is stored as failed, with what it measured."""
        if exc.status in ("crash", "timeout"):
            self.executor.discard(a.cell.backend, a.cell.variant)
        else:  # the worker lives on: free the model so later cells are not inflated
            with contextlib.suppress(WorkerFailure):
                a.handle.call(Release(a.cell.key), self.executor.timeouts.memory)
        if a.stop is not None and a.rounds:
            a.late_failure = f"{exc.status} after its samples were complete: {exc}"
            self._finish(a, measure_memory=False)
        else:
            result = failure_result(a.cell, exc, "timing")
            result.metrics = self._metrics(a.cell, a.setup, a if a.rounds else None)
            result.rounds = a.rounds
            self.emit(result)
        a.stop = "failed"

    def _finish(self, a: _Active, measure_memory: bool = True) -> None:
        if a.stop == "failed":
            return
        t = self.executor.timeouts
        memory: MemoryUse | None = None
        cold: dict[str, Any] = {}
        try:
            if measure_memory:
                self.progress.stage(a.cell, "memory pass")
                memory = a.handle.call(Memory(a.cell.key, a.cell.variant), t.memory)
                cold = self._cold_start(a)
                a.handle.call(Release(a.cell.key), t.memory)
        except WorkerFailure as exc:
            self.executor.discard(a.cell.backend, a.cell.variant)
            memory = MemoryUse(error=str(exc))
        metrics = self._metrics(a.cell, a.setup, a, memory)
        if cold:
            metrics.cold_start_s, metrics.cold_start = cold.get("total_s"), cold
        if a.late_failure:
            metrics.warnings.append(a.late_failure)
        self.emit(CellResult(a.cell, "ok", metrics, rounds=a.rounds))

    def _cold_start(self, a: _Active) -> dict[str, Any]:
        """Fresh-process starts of this cell's variant (once per run), while its model is
        still loaded in the worker to hand over its artifact."""
        if self.cold is None or self.materials is None:
            return {}
        self.progress.stage(a.cell, "cold start (fresh processes)")
        return self.cold.measure_once(a.cell, a.handle, self.materials)

    def _metrics(self, cell: Cell, setup: SetupReply, a: _Active | None,
                 memory: MemoryUse | None = None) -> CellMetrics:
        info = self.executor.info(cell.backend, cell.variant)
        timing = None
        if a is not None:
            s = summarize([v for r in a.rounds for v in r])
            timing = Timing(s, s.cv, s.robust_cv, a.stop, len(a.rounds), a.sampling_s,
                            cell.batch / (s.median / 1e9),
                            sample_warnings(s, a.stop or "", self.rule.ci_rel))
        extras = dict(setup.extras)
        install = footprint.install_footprint(get_spec(cell.backend).runtime_dists)
        if install:
            extras.update(install_bytes=install["bytes"], install=install)
        return CellMetrics(
            build_s=setup.build_s, first_call_s=setup.first_call_s, parity=setup.parity,
            extras=extras, loops=setup.loops, warmup=setup.warmup,
            threads=info.threads, versions=info.versions, import_s=info.import_s,
            rss_before=setup.rss_before, rss_after=setup.rss_after, session=self.session,
            timing=timing, memory=memory)


def _parity_reason(p: Parity) -> str:
    if p.max_abs is None:
        return f"parity: {p.detail or 'output unusable'}"
    return (f"parity: max abs error {p.max_abs:.3g} exceeds {p.atol:g} + "
            f"{p.rtol:g} x |reference| ({p.detail or 'logits'})")


def run_plan(plan: StudyPlan, emit: Callable[[CellResult], None], *, skip: set[str] | None = None,
             progress: Progress | None = None, executor: LocalExecutor | None = None,
             emit_conversion: EmitConversion | None = None) -> None:
    """Measure every cell of ``plan`` not in ``skip``; results go to ``emit`` as they finish
    (and a user model's conversions to ``emit_conversion``)."""
    progress = progress or NullProgress()
    owned = executor is None
    device = plan.cells[0].device if plan.cells else "cpu"
    executor = executor or LocalExecutor(plan.threads, device)
    cold = ColdStartPass(plan.threads, device) if plan.cold_start else None

    def emit_and_report(result: CellResult) -> None:
        emit(result)
        progress.finished(result)

    try:
        with tempfile.TemporaryDirectory(prefix="stackpick-") as tmp:
            for cells in plan.groups().values():
                todo = [c for c in cells if c.key not in (skip or set())]
                if todo:
                    GroupRun(todo, executor, plan.rule, Path(tmp), emit_and_report,
                             progress, emit_conversion or _drop, cold).run()
    finally:
        if owned:
            executor.close()


def _drop(cell: Cell, conversion: Conversion) -> None:
    """Where conversions go when nobody stores them (e.g. a plan run without a store)."""
