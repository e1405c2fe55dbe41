"""A study on a Ray cluster (``--ray``): the launching process plans, the machines measure,
and every cell comes back to this process, the store's only writer.

:mod:`stackpick.pipeline` calls :func:`fleet_plan` before the run is stored (so ``--resume``
finds the same machines in the plan) and :func:`execute` in place of the local one. Ray is
imported only here, inside the functions, and only when ``--ray`` is given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackpick.errors import UserError
from stackpick.harness.cluster import FleetRun, check_coverage, choose_nodes, pin_every_node
from stackpick.harness.plan import StudyPlan
from stackpick.protocol.cells import Cell, CellResult
from stackpick.protocol.conversions import Conversion

if TYPE_CHECKING:
    from stackpick.harness.executor import LocalExecutor
    from stackpick.harness.runner import Progress
    from stackpick.store import Store


@dataclass(frozen=True)
class ClusterOptions:
    """``--ray``, ``--nodes`` and ``--every-node`` as given."""

    address: str
    nodes: str | None = None
    every_node: bool = False


def cluster_options(ray: str | None, nodes: str | None,
                    every_node: bool) -> ClusterOptions | None:
    """The flags as options; refuses ``--nodes`` or ``--every-node`` without ``--ray``."""
    if ray is None:
        if nodes or every_node:
            raise UserError("--nodes and --every-node choose machines of a cluster: add "
                            "--ray auto (or --ray local to try it on this machine)")
        return None
    if not ray.strip():
        raise UserError("--ray needs an address: auto, HOST:PORT or local")
    return ClusterOptions(ray.strip(), nodes, every_node)


def _ray():
    from stackpick.harness import ray_executor

    return ray_executor


def fleet_plan(plan: StudyPlan, cluster: ClusterOptions) -> StudyPlan:
    """Check the cluster can measure ``plan`` (connecting to it); with ``--every-node``, one
    copy of each cell per chosen machine."""
    rx = _ray()
    rx.connect(cluster.address)
    nodes = choose_nodes(rx.cluster_nodes(), cluster.nodes)
    check_coverage(plan, nodes)
    return pin_every_node(plan, nodes) if cluster.every_node else plan


def cluster_plan(plan: StudyPlan, cluster: ClusterOptions | None) -> StudyPlan:
    """``plan`` as a study measures it: unchanged without ``--ray``, else checked against
    the cluster (see :func:`fleet_plan`)."""
    return plan if cluster is None else fleet_plan(plan, cluster)


def study_function(cluster: ClusterOptions | None,
                   local: Callable[..., int]) -> Callable[..., int]:
    """What measures a stored run's missing cells: ``local`` (the pipeline's own), or
    :func:`execute` on the cluster, with the same arguments."""
    return local if cluster is None else functools.partial(execute, cluster=cluster)


def execute(store: Store, run_id: int, plan: StudyPlan, executor: LocalExecutor,
            progress: Progress | None = None, *, cluster: ClusterOptions) -> int:
    """Measure the cells of ``plan`` not yet stored for ``run_id`` on the cluster's machines,
    committing each as it arrives; returns cells stored. ``executor`` gives the timeouts and
    memory limit that each machine's own executor uses."""
    rx = _ray()
    count = 0

    def save(result: CellResult) -> None:
        nonlocal count
        count += 1
        store.save_result(run_id, result)
        if progress is not None:
            progress.finished(result)

    def stage(cell: Cell, what: str) -> None:
        if progress is not None:
            progress.stage(cell, what)

    def save_conversion(cell: Cell, conversion: Conversion) -> None:
        store.save_conversion(run_id, cell, conversion)

    status = "interrupted"
    try:
        rx.connect(cluster.address)
        nodes = choose_nodes(rx.cluster_nodes(), cluster.nodes)
        check_coverage(plan, nodes)
        launcher = rx.RayLauncher(plan, executor.timeouts, executor.memory_limit_mb)
        FleetRun(nodes, launcher, save, stage, save_conversion).run(
            plan, skip=store.done_keys(run_id))
        status = "complete"
    finally:
        store.finish_run(run_id, status)
        rx.disconnect()
    return count
