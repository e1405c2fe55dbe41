"""Run a study: groups of cells, parity first, then blocks of interleaved timing rounds.

Within a group (same workload, task, batch, device) backends take turns round by round, in a
random order per round, so slow drift of the machine hits all of them alike and ratios are
computed per round. Each block of rounds runs in fresh worker processes (process-to-process
variation is part of what a rerun sees); the sequential rule stops a group once its verdicts
are decided (docs/statistics.md). Every finished block goes to ``emit_block`` and a decided
group's cells to ``emit`` at once (the store commits both).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from stackpick.analysis.intervals import CellRounds
from stackpick.analysis.sequential import Decision
from stackpick.harness.blocks import round_order, run_in_passes
from stackpick.harness.cell_record import (
    add_notes,
    cell_metrics,
    failure_result,
    parity_reason,
    precheck,
)
from stackpick.harness.checkpoint import ActiveCell, usable_blocks
from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.cold_start import ColdStartPass
from stackpick.harness.executor import LocalExecutor
from stackpick.harness.plan import StudyPlan
from stackpick.harness.progress import NullProgress, Progress
from stackpick.harness.rundir import run_directory
from stackpick.harness.stopping import StopRule
from stackpick.harness.turns import take_turn
from stackpick.protocol.blocks import CellBlock
from stackpick.protocol.cells import Cell, CellMetrics, CellResult, MemoryUse, fault_warning
from stackpick.protocol.conversions import Conversion
from stackpick.protocol.extras import ColdStart
from stackpick.protocol.group_arrays import build_group_arrays, save_group_arrays
from stackpick.protocol.messages import Memory, Release, Sample, Setup, SetupReply
from stackpick.workloads import get_workload

EmitConversion = Callable[[Cell, Conversion], None]
EmitBlock = Callable[[str, list[CellBlock]], None]  # (group, one record per cell) per block
TAIL_PASS_S = 0.2  # single-call samples for p90/p99 of loop-timed cells (27 us: ~7000)
TOO_BIG = "the group's inputs and float64 reference do not fit in memory; use a smaller batch"


class GroupRun:
    """One group of cells, one block of interleaved rounds at a time (harness/blocks.py runs
    the blocks in passes over the study, with fresh worker processes for every pass)."""

    def __init__(self, cells: list[Cell], executor: LocalExecutor, rule: StopRule,
                 workdir: Path, emit: Callable[[CellResult], None], progress: Progress,
                 emit_conversion: EmitConversion, cold: ColdStartPass | None = None,
                 emit_block: EmitBlock | None = None) -> None:
        # Cells timed in the same rounds share a session; a group resumed from its stored
        # blocks keeps it (restore), one measured afresh gets a new one, and paired ratios
        # are only computed between cells of one session.
        self.session = uuid.uuid4().hex[:12]
        self.cells, self.executor, self.rule = cells, executor, rule
        self.workdir, self.emit, self.progress = workdir, emit, progress
        self.emit_conversion = emit_conversion
        self.artifacts: dict[str, str] = {}  # files earlier steps made for these cells
        self.arrays: Path | None = None
        self.active: list[ActiveCell] = []
        self.next_round, self.costs = 0, (0.0, 0.0)  # costs: last block's processes, a round
        self.cold = cold  # cold starts: reference workloads only (self.arrays set by _prepare)
        self.user_model, self.rounds = False, rule.rounds_per_block  # rounds: analysis/allocation
        self.emit_block, self.blocks_run = emit_block, 0
        self.restored = 0  # blocks taken from the store (--resume): not run again

    def restore(self, stored: dict[str, list[CellBlock]]) -> int:
        """Carry on from the blocks an interrupted run stored; how many (0: start afresh)."""
        n = usable_blocks(self.cells, stored)
        if n:
            self.active = [ActiveCell.restore(c, stored[c.key][:n]) for c in self.cells]
            last = stored[self.cells[0].key][n - 1]
            self.session, self.next_round, self.restored = last.session, last.next_round, n
            self.costs = last.costs  # the next block's rounds follow from them, as they would
        return n

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
        try:
            self.arrays = self._materials(pending[0])
        except MemoryError:  # the batch's float64 reference does not fit: data, not a crash
            for cell in pending:
                self.emit(CellResult(cell, "oom", reason=TOO_BIG))
            return []
        return pending

    def run_block(self, block: int) -> None:
        """Every live cell set up in its (fresh) worker, one unrecorded settling round, then
        ``self.rounds`` rounds in a random order; the first block adds the memory pass and,
        for loop-timed cells, a per-call pass for p90/p99. A block restored from the store
        is not run again; a finished one goes to ``emit_block``."""
        self.blocks_run += 1
        if block < self.restored:
            return
        start = time.perf_counter()
        if block == 0:
            fresh = [self._setup(c) for c in self._prepare()]
            self.active = [a for a in fresh if a is not None]
        else:
            self.arrays = self.arrays or self._materials(self.cells[0])  # resumed: none yet
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
        if self.emit_block and self.active and not self.user_model:
            self.emit_block(self.cells[0].group, [a.block_record(
                block, self.session, self.next_round, self.costs) for a in self.active])

    def _live(self) -> list[ActiveCell]:
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

    def _setup(self, cell: Cell) -> ActiveCell | None:
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
        return ActiveCell(cell, setup, handle, first_calls=[setup.first_call_s])

    def _resetup(self, a: ActiveCell, block: int) -> None:
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
            a.done = True
            a.late_failure = fault_warning(f"process {block + 1} failed at setup: {why}")
            return
        a.handle, setup = got
        a.first_calls.append(setup.first_call_s)

    def _sample(self, a: ActiveCell, block: int, record: bool = True) -> None:
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

    def _extra_passes(self, a: ActiveCell) -> None:
        """Memory, and single-call samples for the tail when calls are timed in loops. A
        worker failure here leaves the timing intact and says which figures it cost."""
        t = self.executor.timeouts
        if a.handle is None:
            return
        stage = "memory pass"
        try:
            self.progress.stage(a.cell, stage)
            a.memory = a.handle.call(Memory(a.cell.key, a.cell.variant), t.memory)
            stage = "cold-start pass"
            a.cold = self._cold_start(a, a.handle)
            if (a.setup.loops or 1) > 1:
                stage = "per-call pass"
                self.progress.stage(a.cell, "per-call pass (p90/p99)")
                reply = a.handle.call(Sample(a.cell.key, TAIL_PASS_S, per_call=True),
                                      t.sample + TAIL_PASS_S)
                a.tail = (reply.samples_ns, reply.clock_ns or 0.0)
        except WorkerFailure as exc:
            self.executor.discard(a.cell.backend, a.cell.variant)
            a.memory, a.handle = a.memory or MemoryUse(error=str(exc)), None
            cold = self.cold is not None and self.cold.runs > 0 and not self.user_model
            a.faults.append(fault_warning(f"{exc.status} in the {stage} ({exc}); "
                                          f"not measured: {', '.join(a.missing(cold))}"))
        if a.cold is not None and not a.cold.runs:
            why = a.cold.error or "; ".join(a.cold.errors) or "no run"
            a.faults.append(fault_warning(f"cold start not measured: {why}"))

    def _cold_start(self, a: ActiveCell, handle: WorkerHandle) -> ColdStart | None:
        """Fresh-process starts of this cell's variant (once per run), while its model is
        still loaded in the worker to hand over its artifact."""
        if self.cold is None or self.arrays is None or self.user_model:
            return None
        self.progress.stage(a.cell, "cold start (fresh processes)")
        return self.cold.measure_once(a.cell, handle, self.arrays)

    def _release(self, a: ActiveCell) -> None:
        if a.handle is not None:
            with contextlib.suppress(WorkerFailure):
                a.handle.call(Release(a.cell.key), self.executor.timeouts.memory)
        a.handle = None

    def _timing_failed(self, a: ActiveCell, exc: WorkerFailure) -> None:
        """A worker failed mid-timing. A cell with a whole block of samples keeps them (with
        a warning); one without is stored as failed, with what it measured."""
        if exc.status in ("crash", "timeout"):
            self.executor.discard(a.cell.backend, a.cell.variant)
            a.handle = None
        else:  # the worker lives on: free the model so later cells are not inflated
            self._release(a)
        a.done = True
        if len(a.rounds) >= self.rule.rounds_per_block:
            a.late_failure = fault_warning(f"{exc.status} after {len(a.rounds)} rounds: {exc}")
            return
        self.active.remove(a)
        result = failure_result(a.cell, exc, "timing")
        result.metrics = self._metrics(a if a.rounds else None, a.setup, a.cell)
        result.rounds = a.rounds
        self.emit(result)

    def workers(self) -> set[tuple[str, str]]:
        """The (backend, variant) workers this group's next block needs."""
        if self.blocks_run < self.restored:
            return set()  # the next block is restored from the store
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
            metrics = add_notes(self._metrics(a, a.setup, a.cell, decision.reason), a)
            self.emit(CellResult(a.cell, "ok", metrics, rounds=a.rounds))
        self.active = []

    def _metrics(self, a: ActiveCell | None, setup: SetupReply, cell: Cell,
                 stop: str | None = None) -> CellMetrics:
        return cell_metrics(a, setup, cell, self.executor.info(cell.backend, cell.variant),
                            self.session, self.rule.ci_rel, stop)


def run_plan(plan: StudyPlan, emit: Callable[[CellResult], None], *, skip: set[str] | None = None,
             progress: Progress | None = None, executor: LocalExecutor | None = None,
             emit_conversion: EmitConversion | None = None,
             stored: dict[str, list[CellBlock]] | None = None,
             emit_block: EmitBlock | None = None) -> None:
    """Measure every cell of ``plan`` not in ``skip``; results go to ``emit`` as each group
    is decided (a user model's conversions to ``emit_conversion``, and every finished block
    to ``emit_block``). A group whose blocks are in ``stored`` carries on from them."""
    progress = progress or NullProgress()
    device = plan.cells[0].device if plan.cells else "cpu"
    executor = executor or LocalExecutor(plan.threads, device)
    cold = ColdStartPass(plan.threads, device) if plan.cold_start else None

    def emit_and_report(result: CellResult) -> None:
        emit(result)
        progress.finished(result)

    try:
        with run_directory() as tmp:
            executor.tmpdir = tmp  # whatever the workers leave in TMPDIR goes with it
            groups = []
            for cells in plan.groups().values():
                todo = [c for c in cells if c.key not in (skip or set())]
                if todo:
                    groups.append(GroupRun(todo, executor, plan.rule, tmp, emit_and_report,
                                           progress, emit_conversion or (lambda *_: None), cold,
                                           emit_block))
                    if stored and groups[-1].restore(stored) and cold is not None:
                        cold.adopt((a.cell, a.cold) for a in groups[-1].active)
            # every pass after the first starts from fresh worker processes. An interrupted
            # study keeps the groups decided and the blocks measured; resume goes on from them.
            try:
                run_in_passes(groups, plan.rule.sequential(), executor.close,
                              lambda _, still: executor.prestart(
                                  set().union(*(g.workers() for g in still))))
            finally:  # before the directory goes: the workers write into it
                executor.close()
    finally:
        executor.tmpdir = None

