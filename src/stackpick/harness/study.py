"""The executor seam: what measures the missing cells of a stored plan. The pipeline has one
``execute`` and hands it a :class:`StudyExecutor`: :class:`LocalStudy` (worker processes on
this machine) or :class:`~stackpick.harness.fleet.FleetStudy` (a Ray cluster's machines).

Both get the same plan, the keys to skip (cells already stored), a callback per finished cell
(the store commits it) and one per conversion of a user's model; both report to ``progress``.
The local one also hands every finished process block to ``emit_block`` and carries on from
``stored`` blocks (an interrupted run's); a cluster's machines send whole cells only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from stackpick.harness.executor import LocalExecutor, Timeouts
from stackpick.harness.plan import StudyPlan
from stackpick.harness.progress import Progress
from stackpick.harness.runner import EmitBlock, EmitConversion, run_plan
from stackpick.protocol.blocks import CellBlock
from stackpick.protocol.cells import CellResult

Emit = Callable[[CellResult], None]
Stored = dict[str, list[CellBlock]]  # an interrupted run's blocks, by cell key


class StudyExecutor(Protocol):
    """Measures a plan's cells somewhere; the pipeline stores what it emits."""

    timeouts: Timeouts
    memory_limit_mb: int

    def prepare(self, plan: StudyPlan) -> StudyPlan:
        """``plan`` as this executor measures it, checked before the run is stored."""
        ...

    def measure(self, plan: StudyPlan, emit: Emit, *, skip: set[str],
                progress: Progress | None, emit_conversion: EmitConversion,
                stored: Stored | None = None, emit_block: EmitBlock | None = None) -> None:
        """Measure every cell of ``plan`` not in ``skip``; each result goes to ``emit``."""
        ...

    def close(self) -> None:
        """Stop whatever still runs (workers, the cluster connection)."""
        ...


class LocalStudy:
    """Worker processes on this machine (:class:`LocalExecutor`), driven by the runner."""

    def __init__(self, threads: int, device: str = "cpu", timeouts: Timeouts | None = None,
                 memory_limit_mb: int = 0) -> None:
        self.workers = LocalExecutor(threads, device, timeouts, memory_limit_mb)
        self.timeouts, self.memory_limit_mb = self.workers.timeouts, memory_limit_mb

    def prepare(self, plan: StudyPlan) -> StudyPlan:
        return plan

    def measure(self, plan: StudyPlan, emit: Emit, *, skip: set[str],
                progress: Progress | None, emit_conversion: EmitConversion,
                stored: Stored | None = None, emit_block: EmitBlock | None = None) -> None:
        run_plan(plan, emit, skip=skip, progress=progress, executor=self.workers,
                 emit_conversion=emit_conversion, stored=stored, emit_block=emit_block)

    def close(self) -> None:
        self.workers.close()
