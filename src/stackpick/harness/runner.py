"""Run a study: groups of cells, parity first, then blocks of interleaved timing rounds.

Within a group (same workload, task, batch, device) backends take turns round by round, in a
random order per round, so slow drift of the machine hits all of them alike and ratios are
computed per round. Each block of rounds runs in fresh worker processes (process-to-process
variation is part of what a rerun sees); the sequential rule stops a group once its verdicts
are decided (docs/statistics.md). A decided group's cells go to ``emit`` at once.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackpick.analysis.intervals import CellRounds
from stackpick.analysis.sequential import Decision
from stackpick.harness import footprint
from stackpick.harness.blocks import round_order, run_in_passes
from stackpick.harness.cell_record import cell_timing, failure_result, parity_reason
from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.cold_start import ColdStartPass
from stackpick.harness.executor import LocalExecutor
from stackpick.harness.plan import StudyPlan
from stackpick.harness.progress import NullProgress, Progress
from stackpick.harness.stopping import StopRule
from stackpick.harness.turns import TurnCounts, take_turn
from stackpick.protocol.cells import Cell, CellMetrics, CellResult, MemoryUse
from stackpick.protocol.conversions import Conversion
from stackpick.protocol.group_arrays import build_group_arrays, save_group_arrays
from stackpick.protocol.messages import Memory, Release, Sample, Setup, SetupReply
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

EmitConversion = Callable[[Cell, Conversion], None]
TAIL_PASS_S = 0.2  # single-call samples for p90/p99 of loop-timed cells (27 us: ~7000)


@dataclass
class _Active:
    cell: Cell
    setup: SetupReply  # the first process's setup (cold: first call, compile)
    handle: WorkerHandle | None = None  # this block's worker
    rounds: list[list[float]] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    round_ids: list[int] = field(default_factory=list)
    sampling_s: float = 0.0
    done: bool = False  # no more blocks (failed after it had samples, or finished)
    late_failure: str | None = None  # a failure after the cell had samples
    memory: MemoryUse | None = None
    tail: tuple[list[float], float] | None = None  # per-call pass and the clock's cost
    first_calls: list[float] = field(default_factory=list)  # per process: cold, then warm
    cold: dict[str, Any] = field(default_factory=dict)  # fresh-process starts (once per run)
    turns: TurnCounts = field(default_factory=TurnCounts)  # turns repeated (machine busy)


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


class GroupRun:
    """One group of cells, one block of interleaved rounds at a time (harness/blocks.py runs
    the blocks in passes over the study, with fresh worker processes for every pass)."""

    def __init__(self, cells: list[Cell], executor: LocalExecutor, rule: StopRule,
                 workdir: Path, emit: Callable[[CellResult], None], progress: Progress,
                 emit_conversion: EmitConversion, cold: ColdStartPass | None = None) -> None:
        # Cells timed in the same rounds share a session; a resumed group gets a new one,
        # and paired ratios are only computed between cells of one session.
        self.session = uuid.uuid4().hex[:12]
        self.cells, self.executor, self.rule = cells, executor, rule
        self.workdir, self.emit, self.progress = workdir, emit, progress
        self.emit_conversion = emit_conversion
        self.artifacts: dict[str, str] = {}  # files earlier steps made for these cells
        self.arrays: Path | None = None
        self.active: list[_Active] = []
        self.next_round, self.costs = 0, (0.0, 0.0)  # costs: last block's processes, a round
        self.cold = cold  # cold starts: reference workloads only (self.arrays set by _prepare)
        self.user_model, self.rounds = False, rule.rounds_per_block  # rounds: analysis/allocation

    def _prepare(self) -> list[Cell]:
        pending = []
        for cell in self.cells:
            early = precheck(cell)
            if early:
                self.emit(early)
            else:
                pending.append(cell)
        if not pending:
            return []
        if "model" in pending[0].workload_params:  # a user's model: reference, conversions
            from stackpick.harness.model_steps import prepare_group

            ready = prepare_group(pending, self.executor, self.workdir, self.emit,
                                  self.emit_conversion, self.progress.stage)
            if ready is None:
                return []
            self.arrays, self.artifacts = ready.arrays, ready.artifacts
            self.user_model = True
            return ready.pending
        self.arrays = self._materials(pending[0])
        return pending

    def run_block(self, block: int) -> None:
        """Every live cell set up in its (fresh) worker, one unrecorded settling round, then
        ``self.rounds`` rounds in a random order; the first block adds the memory pass and,
        for loop-timed cells, a per-call pass for p90/p99."""
        start = time.perf_counter()
        if block == 0:
            fresh = [self._setup(c) for c in self._prepare()]
            self.active = [a for a in fresh if a is not None]
        else:
            for a in self._live():
                self._resetup(a, block)
        for a in self._live():  # background work left by the builds and compiles dies down
            self._sample(a, block, record=False)
        rounds_start = time.perf_counter()
        for _ in range(self.rounds):
            turn = self._live()
            for i in round_order(len(turn), self.next_round, self.session):
                self._sample(turn[i], block)
            self.next_round += 1
        self.costs = (rounds_start - start, (time.perf_counter() - rounds_start) / self.rounds)
        for a in self._live():
            if block == 0:
                self._extra_passes(a)
            self._release(a)

    def _live(self) -> list[_Active]:
        return [a for a in self.active if not a.done]

    def _materials(self, cell: Cell) -> Path:
        path = self.workdir / f"{cell.group.replace('/', '_')}.npz"
        if not path.exists():
            workload = get_workload(cell.workload, cell.workload_params)
            save_group_arrays(build_group_arrays(workload, cell.task, cell.batch), path)
        return path

    def _call_setup(self, cell: Cell) -> tuple[WorkerHandle, SetupReply] | str:
        """Set ``cell`` up in its variant's worker; a string says why it cannot be timed."""
        self.progress.stage(cell, "starting worker")
        handle = self.executor.worker(cell.backend, cell.variant)
        asked, got = self.executor.threads, self.executor.info(cell.backend,
                                                               cell.variant).intra_op
        if got != asked:
            return f"fairness: {cell.label} runs {got} intra-op threads, asked {asked}"
        self.progress.stage(cell, "build, parity, warm-up")
        setup = handle.call(Setup(cell.key, str(self.arrays), cell, self.artifacts),
                            self.executor.timeouts.setup)
        return handle, setup

    def _setup(self, cell: Cell) -> _Active | None:
        try:
            got = self._call_setup(cell)
        except WorkerFailure as exc:
            if exc.status in ("crash", "timeout"):
                self.executor.discard(cell.backend, cell.variant)
            self.emit(failure_result(cell, exc, "setup"))
            return None
        if isinstance(got, str):
            self.emit(CellResult(cell, "error", reason=got))
            return None
        handle, setup = got
        if not setup.parity.ok:
            self.emit(CellResult(cell, "fail_parity", self._metrics(None, setup, cell),
                                 reason=parity_reason(setup.parity)))
            return None
        return _Active(cell, setup, handle, first_calls=[setup.first_call_s])

    def _resetup(self, a: _Active, block: int) -> None:
        """The cell in a fresh process for block ``block``; a failure now keeps the blocks
        it already has, with a warning."""
        try:
            got = self._call_setup(a.cell)
        except WorkerFailure as exc:
            if exc.status in ("crash", "timeout"):
                self.executor.discard(a.cell.backend, a.cell.variant)
            got = f"{exc.status}: {exc}"
        if isinstance(got, str) or not got[1].parity.ok:
            why = got if isinstance(got, str) else parity_reason(got[1].parity)
            a.done, a.late_failure = True, f"worker process {block + 1} failed at setup: {why}"
            return
        a.handle, setup = got
        a.first_calls.append(setup.first_call_s)

    def _sample(self, a: _Active, block: int, record: bool = True) -> None:
        if a.done or a.handle is None:
            return
        self.progress.stage(a.cell, f"timing, block {block + 1}, round {len(a.rounds) + 1}")
        start = time.perf_counter()
        try:  # a turn other processes disturbed is taken again (harness/turns.py)
            answer = take_turn(a.handle, a.cell.key, self.rule, self.executor.timeouts.sample,
                               a.turns, record)
        except WorkerFailure as exc:
            self._timing_failed(a, exc)
            return
        if record:
            a.sampling_s += time.perf_counter() - start
            a.rounds.append(answer.samples_ns)
            a.blocks.append(block)
            a.round_ids.append(self.next_round)

    def _extra_passes(self, a: _Active) -> None:
        """Memory, and single-call samples for the tail when calls are timed in loops."""
        t = self.executor.timeouts
        if a.handle is None:
            return
        try:
            self.progress.stage(a.cell, "memory pass")
            a.memory = a.handle.call(Memory(a.cell.key, a.cell.variant), t.memory)
            a.cold = self._cold_start(a, a.handle)
            if (a.setup.loops or 1) > 1:
                self.progress.stage(a.cell, "per-call pass (p90/p99)")
                reply = a.handle.call(Sample(a.cell.key, TAIL_PASS_S, per_call=True),
                                      t.sample + TAIL_PASS_S)
                a.tail = (reply.samples_ns, reply.clock_ns or 0.0)
        except WorkerFailure as exc:
            self.executor.discard(a.cell.backend, a.cell.variant)
            a.memory, a.handle = a.memory or MemoryUse(error=str(exc)), None

    def _cold_start(self, a: _Active, handle: WorkerHandle) -> dict[str, Any]:
        """Fresh-process starts of this cell's variant (once per run), while its model is
        still loaded in the worker to hand over its artifact."""
        if self.cold is None or self.arrays is None or self.user_model:
            return {}
        self.progress.stage(a.cell, "cold start (fresh processes)")
        return self.cold.measure_once(a.cell, handle, self.arrays)

    def _release(self, a: _Active) -> None:
        if a.handle is not None:
            with contextlib.suppress(WorkerFailure):
                a.handle.call(Release(a.cell.key), self.executor.timeouts.memory)
        a.handle = None

    def _timing_failed(self, a: _Active, exc: WorkerFailure) -> None:
        """A worker failed mid-timing. A cell with a whole block of samples keeps them (with
        a warning); one without is stored as failed, with what it measured."""
        if exc.status in ("crash", "timeout"):
            self.executor.discard(a.cell.backend, a.cell.variant)
            a.handle = None
        else:  # the worker lives on: free the model so later cells are not inflated
            self._release(a)
        a.done = True
        if len(a.rounds) >= self.rule.rounds_per_block:
            a.late_failure = f"{exc.status} after {len(a.rounds)} rounds: {exc}"
            return
        self.active.remove(a)
        result = failure_result(a.cell, exc, "timing")
        result.metrics = self._metrics(a if a.rounds else None, a.setup, a.cell)
        result.rounds = a.rounds
        self.emit(result)

    def workers(self) -> set[tuple[str, str]]:
        """The (backend, variant) workers this group's next block needs."""
        cells = [a.cell for a in self._live()] if self.active else [
            c for c in self.cells if precheck(c) is None]
        return {(c.backend, c.variant) for c in cells if "model" not in c.workload_params}

    def cell_rounds(self) -> list[CellRounds]:
        """What the stop rule judges: every cell with samples, its rounds and blocks."""
        return [CellRounds.from_samples(a.cell.label, a.rounds, a.blocks, a.round_ids)
                for a in self.active if a.rounds]

    def sessions(self) -> list[list[CellRounds]]:
        return [self.cell_rounds()]

    def finish(self, decision: Decision) -> None:
        """Store every cell that has samples, with why its group stopped."""
        for a in self.active:
            metrics = self._metrics(a, a.setup, a.cell, decision.reason)
            if a.cold:
                metrics.cold_start_s, metrics.cold_start = a.cold.get("total_s"), a.cold
            if a.late_failure:
                metrics.warnings.append(a.late_failure)
            metrics.warnings.extend(a.turns.warnings())
            self.emit(CellResult(a.cell, "ok", metrics, rounds=a.rounds))
        self.active = []

    def _metrics(self, a: _Active | None, setup: SetupReply, cell: Cell,
                 stop: str | None = None) -> CellMetrics:
        info = self.executor.info(cell.backend, cell.variant)
        timing = None if a is None else cell_timing(
            a.rounds, a.blocks, a.round_ids, setup.loops or 1, a.tail, stop, a.sampling_s,
            cell.batch, self.rule.ci_rel)
        extras = dict(setup.extras)
        install = footprint.install_footprint(get_spec(cell.backend).runtime_dists)
        if install:
            extras.update(install_bytes=install["bytes"], install=install)
        if a is not None and len(a.first_calls) > 1:
            extras["first_call_s_by_process"] = a.first_calls  # cold, then warm caches
        return CellMetrics(
            build_s=setup.build_s, first_call_s=setup.first_call_s, parity=setup.parity,
            extras=extras, loops=setup.loops, warmup=setup.warmup,
            threads=info.threads, versions=info.versions, import_s=info.import_s,
            rss_before=setup.rss_before, rss_after=setup.rss_after, session=self.session,
            timing=timing, memory=a.memory if a else None)


def run_plan(plan: StudyPlan, emit: Callable[[CellResult], None], *, skip: set[str] | None = None,
             progress: Progress | None = None, executor: LocalExecutor | None = None,
             emit_conversion: EmitConversion | None = None) -> None:
    """Measure every cell of ``plan`` not in ``skip``; results go to ``emit`` as each group
    is decided (and a user model's conversions to ``emit_conversion``)."""
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
            groups = []
            for cells in plan.groups().values():
                todo = [c for c in cells if c.key not in (skip or set())]
                if todo:
                    groups.append(GroupRun(todo, executor, plan.rule, Path(tmp),
                                           emit_and_report, progress,
                                           emit_conversion or _drop, cold))
            # every pass after the first starts from fresh worker processes. An interrupted
            # study keeps the groups already decided; resume measures the others afresh.
            run_in_passes(groups, plan.rule.sequential(), executor.close,
                          lambda _, still: executor.prestart(
                              set().union(*(g.workers() for g in still))))
    finally:
        if owned:
            executor.close()


def _drop(cell: Cell, conversion: Conversion) -> None:
    """Where conversions go when nobody stores them (e.g. a plan run without a store)."""
