"""A study on a Ray cluster (``--ray``): the launching process plans, the machines measure,
and every cell comes back to this process, the store's only writer.

:class:`FleetStudy` is the cluster side of the executor seam (:mod:`stackpick.harness.study`):
its :meth:`~FleetStudy.prepare` checks the plan against the machines before the run is stored
(so ``--resume`` finds the same machines in the plan) and :meth:`~FleetStudy.measure` runs
the groups there (:class:`~stackpick.harness.cluster.FleetRun`). Ray is imported only by
:mod:`stackpick.harness.ray_executor`, inside these methods, and only when ``--ray`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from stackpick.harness.cluster import FleetRun, check_coverage, choose_nodes, pin_every_node
from stackpick.harness.executor import Timeouts
from stackpick.harness.plan import StudyPlan
from stackpick.harness.progress import NullProgress, Progress
from stackpick.harness.runner import EmitBlock, EmitConversion
from stackpick.harness.study import Emit, Stored
from stackpick.protocol.cells import CellResult


@dataclass(frozen=True)
class ClusterOptions:
    """``--ray``, ``--nodes`` and ``--every-node`` as given."""

    address: str
    nodes: str | None = None
    every_node: bool = False


def _ray() -> ModuleType:
    from stackpick.harness import ray_executor

    return ray_executor


class FleetStudy:
    """The cluster's machines measure; each machine's own executor uses ``timeouts`` and
    ``memory_limit_mb``."""

    def __init__(self, cluster: ClusterOptions, timeouts: Timeouts | None = None,
                 memory_limit_mb: int = 0) -> None:
        self.cluster = cluster
        self.timeouts, self.memory_limit_mb = timeouts or Timeouts(), memory_limit_mb

    def prepare(self, plan: StudyPlan) -> StudyPlan:
        """Check the cluster can measure ``plan`` (connecting to it); with ``--every-node``,
        one copy of each cell per chosen machine."""
        rx = _ray()
        rx.connect(self.cluster.address)
        nodes = choose_nodes(rx.cluster_nodes(), self.cluster.nodes)
        check_coverage(plan, nodes)
        return pin_every_node(plan, nodes) if self.cluster.every_node else plan

    def measure(self, plan: StudyPlan, emit: Emit, *, skip: set[str],
                progress: Progress | None, emit_conversion: EmitConversion,
                stored: Stored | None = None, emit_block: EmitBlock | None = None) -> None:
        """The cells of ``plan`` not in ``skip`` on the cluster's machines, each handed to
        ``emit`` as it arrives. The machines send whole cells, not blocks: ``stored`` and
        ``emit_block`` are not used (an interrupted fleet study resumes by cell)."""
        rx = _ray()
        report = progress or NullProgress()

        def save(result: CellResult) -> None:
            emit(result)
            report.finished(result)

        rx.connect(self.cluster.address)
        nodes = choose_nodes(rx.cluster_nodes(), self.cluster.nodes)
        check_coverage(plan, nodes)
        launcher = rx.RayLauncher(plan, self.timeouts, self.memory_limit_mb)
        FleetRun(nodes, launcher, save, report.stage, emit_conversion).run(plan, skip=skip)

    def close(self) -> None:
        _ray().disconnect()
