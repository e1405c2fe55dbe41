"""The planner's own estimate of how long a cell and a group take, and a simulation of a fleet
study built from it (``benchmarks/fleet_sim.py`` prints one; docs/scale-out.md quotes it).

The per-cell estimate is an upper-end budget, not a measurement: worker start-up once per
backend per group, build + first call + parity + warm-up, timing up to the stop rule's cap
(interleaved rounds give every cell its turn, so a group's timing is the sum of its cells'),
and the memory pass. The start-up and build figures come from each backend's spec
(``start_s``, ``build_s``): round numbers of the order this project's 2-core CI machine shows
for the reference workloads; they move with the machine.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from dataclasses import dataclass

from stackpick.harness.plan import StudyPlan
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import Cell
from stackpick.registry import get_spec, lookup

WORKLOAD_SCALE = {"mlp": 1.0, "cnn": 1.5, "transformer": 2.0}
MEMORY_PASS_S = 0.5
GROUP_OVERHEAD_S = 2.0  # a cluster task's start, the group's materials, results streamed back
UNKNOWN_S = 5.0  # a backend this installation does not know (a stored plan's)


def start_s(backend: str) -> float:
    """A worker's framework import + configure (the backend spec's ``start_s``)."""
    spec = lookup(backend)
    return spec.start_s if spec else UNKNOWN_S


def build_s(backend: str, variant: str) -> float:
    """Build, export or compile, first call and parity of one cell (the spec's ``build_s``,
    or its variant's where that differs)."""
    spec = lookup(backend)
    if spec is None:
        return UNKNOWN_S
    v = spec.variant(variant)
    return v.build_s if v is not None and v.build_s is not None else spec.build_s


def estimate_cell_s(cell: Cell, rule: StopRule) -> float:
    """Seconds one cell takes once its worker is up (an upper-end budget)."""
    scale = WORKLOAD_SCALE.get(cell.workload, 2.0) * (1.5 if cell.task == "training" else 1.0)
    return build_s(cell.backend, cell.variant) * scale + rule.max_time_s + MEMORY_PASS_S


def _needs_worker(cell: Cell) -> bool:
    """Cells the runner settles without a worker (unsupported combinations) cost nothing."""
    return not get_spec(cell.backend).unsupported_reason(cell.task, cell.device, None)


def estimate_group_s(cells: Sequence[Cell], rule: StopRule) -> float:
    """Seconds one group takes on one machine: each worker's start-up, then its cells."""
    cells = [c for c in cells if _needs_worker(c)]
    workers = {(c.backend, c.variant) for c in cells}
    start = sum(start_s(backend) for backend, _ in workers)
    return start + sum(estimate_cell_s(c, rule) for c in cells)


@dataclass(frozen=True)
class FleetEstimate:
    machines: int
    every_node: bool
    groups: int
    wall_s: float  # from the first task to the last result
    serial_s: float  # all the work, in seconds of one machine of average speed
    retries: int  # groups started again after their machine died


def simulate_fleet(plan: StudyPlan, machines: int, *, every_node: bool = False,
                   speed_spread: float = 0.15, failure_rate: float = 0.0,
                   overhead_s: float = GROUP_OVERHEAD_S, seed: int = 0) -> FleetEstimate:
    """Simulate the scheduler of :class:`~stackpick.harness.cluster.FleetRun` on ``machines``
    machines whose speeds vary (lognormal, sigma ``speed_spread``). ``every_node``: each
    machine measures every group (a per-machine comparison); otherwise each group runs once,
    on the next free machine, longest first. A group attempt dies with its machine with
    probability ``failure_rate``, part-way through; the machine leaves and the group is
    retried on another one."""
    rng = random.Random(seed)
    speed = [rng.lognormvariate(0.0, speed_spread) for _ in range(machines)]
    work = sorted((estimate_group_s(cells, plan.rule) + overhead_s
                   for cells in plan.groups().values()), reverse=True)
    if every_node:
        jobs = [(m, w) for m in range(machines) for w in work]
        finish = [0.0] * machines
        retries = 0
        for m, w in jobs:  # a machine's groups run back to back; a death only adds a rerun
            if rng.random() < failure_rate:
                finish[m] += w * speed[m] * rng.random()
                retries += 1
            finish[m] += w * speed[m]
        return FleetEstimate(machines, True, len(work), max(finish),
                             sum(work) * machines, retries)
    free = [(0.0, m) for m in range(machines)]
    heapq.heapify(free)
    queue = [(0.0, w) for w in work]  # (when it can start, seconds of work left)
    wall, retries = 0.0, 0
    while queue and free:
        ready, w = queue.pop(0)
        at, m = heapq.heappop(free)
        start = max(at, ready)
        if rng.random() < failure_rate and free:  # the machine dies part-way; it leaves
            died = start + w * speed[m] * rng.random()
            queue.insert(0, (died, w * (1.0 - 0.5 * rng.random())))  # finished cells kept
            retries += 1
            wall = max(wall, died)
            continue
        done = start + w * speed[m]
        wall = max(wall, done)
        heapq.heappush(free, (done, m))
    return FleetEstimate(machines, False, len(work), wall, sum(work), retries)


def fleet_table(plan: StudyPlan, sizes: Sequence[int] = (1, 10, 100),
                failure_rate: float = 0.01) -> list[str]:
    """Lines of a small table: wall time of ``plan`` on fleets of ``sizes`` machines."""
    lines = [f"{'machines':>8}  {'mode':<11} {'groups':>6}  {'wall':>9}  {'machine time':>12}"
             f"  {'retries':>7}"]
    for n in sizes:
        for every in (False, True):
            e = simulate_fleet(plan, n, every_node=every, failure_rate=failure_rate)
            mode = "every-node" if every else "spread"
            lines.append(f"{n:>8}  {mode:<11} {e.groups:>6}  {_hms(e.wall_s):>9}  "
                         f"{_hms(e.serial_s):>12}  {e.retries:>7}")
    return lines


def _hms(seconds: float) -> str:
    minutes, s = divmod(round(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
