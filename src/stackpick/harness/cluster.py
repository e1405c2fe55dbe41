"""Fleet studies: which cluster machine measures which group, and what happens when one dies.

Nothing here imports Ray: the cluster is reached through a :class:`Launcher` (Ray's is in
:mod:`stackpick.harness.ray_executor`), so the scheduling rules are tested without one.

Rules: a group runs on exactly one machine (its rounds interleave there); a machine runs one
group at a time (the launcher reserves the whole node); a machine that dies mid-group keeps the
cells it finished, and the rest go to another matching machine that has not yet tried the
group, or are stored as ``lost_node`` with the reason.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from stackpick.errors import UserError
from stackpick.harness.plan import StudyPlan
from stackpick.protocol.cells import Cell, CellResult
from stackpick.protocol.conversions import Conversion

# Custom resources that say what a machine is (set with `ray start --resources`).
LABELS = ("cpu-x86", "cpu-arm", "gpu-nvidia")


@dataclass(frozen=True)
class Node:
    """One machine of the cluster, as the planner sees it."""

    name: str  # unique and short: how --nodes, cells and reports name it
    node_id: str  # the cluster's own id
    address: str = ""
    resources: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    @property
    def labels(self) -> list[str]:
        return [label for label in LABELS if self.resources.get(label, 0) > 0]

    def serves(self, device: str) -> bool:
        """Can this machine measure cells of ``device``?"""
        if self.resources.get("CPU", 0) < 1:
            return False  # e.g. a head node started with --num-cpus 0: coordination only
        if device == "cuda":
            return self.resources.get("gpu-nvidia", 0) > 0 or self.resources.get("GPU", 0) > 0
        return True

    def describe(self) -> str:
        return f"{self.name} ({', '.join(self.labels) or 'no labels'})"


class NodeLost(Exception):
    """The machine (or the task on it) went away before the group finished."""


class Launcher(Protocol):
    def launch(self, node: Node, cells: list[Cell]) -> Iterator[tuple[Any, ...]]:
        """Run one group on ``node``; yields ``("cell", CellResult)``, ``("stage", Cell,
        str)`` and ``("conversion", Cell, Conversion)`` as they happen; raises NodeLost."""
        ...

    def cancel(self) -> None:
        """Stop every group still running (Ctrl-C)."""
        ...


def choose_nodes(nodes: list[Node], spec: str | None) -> list[Node]:
    """The machines ``--nodes`` names (names, id prefixes, addresses or labels); all if None."""
    if not spec:
        return nodes
    chosen: list[Node] = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        hits = [n for n in nodes if item in (n.name, n.address) or n.node_id.startswith(item)
                or item in n.labels]
        if not hits:
            known = "; ".join(n.describe() for n in nodes) or "none"
            raise UserError(f"--nodes {item!r} matches no machine of the cluster; "
                            f"machines: {known}")
        chosen += [n for n in hits if n not in chosen]
    return chosen


def pin_every_node(plan: StudyPlan, nodes: list[Node]) -> StudyPlan:
    """The plan with every cell once per matching machine (a per-machine comparison)."""
    cells = [replace(c, node=n.name) for c in plan.cells for n in nodes if n.serves(c.device)]
    return replace(plan, cells=cells)


def check_coverage(plan: StudyPlan, nodes: list[Node]) -> None:
    """Refuse before measuring when some device has no machine to run on."""
    for device in sorted({c.device for c in plan.cells}):
        if not any(n.serves(device) for n in nodes):
            known = "; ".join(n.describe() for n in nodes) or "none"
            raise UserError(f"no machine of the cluster serves --device {device} (machines: "
                            f"{known}); add one, e.g. `ray start --resources "
                            "'{\"gpu-nvidia\": 1}'` on a GPU node, or change --nodes")


@dataclass
class _Group:
    key: str
    cells: list[Cell]
    tried: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def eligible(self, node: Node) -> bool:
        pinned = {c.node for c in self.cells} - {""}
        return (node.serves(self.cells[0].device) and node.name not in self.tried
                and (not pinned or node.name in pinned))


@dataclass
class FleetRun:
    """Drive the groups of a plan over the machines; results reach ``emit`` in this thread
    (the launching process is the store's only writer)."""

    nodes: list[Node]
    launcher: Launcher
    emit: Callable[[CellResult], None]
    stage: Callable[[Cell, str], None] = lambda cell, what: None
    emit_conversion: Callable[[Cell, Conversion], None] = lambda cell, conv: None
    events: queue.Queue[tuple[Any, ...]] = field(default_factory=queue.Queue)

    def run(self, plan: StudyPlan, skip: set[str] | None = None) -> None:
        pending = [_Group(k, [c for c in cells if c.key not in (skip or set())])
                   for k, cells in plan.groups().items()]
        pending = [g for g in pending if g.cells]
        idle, alive, running = list(self.nodes), list(self.nodes), 0
        try:
            while pending or running:
                for node in list(idle):
                    group = next((g for g in pending if g.eligible(node)), None)
                    if group is not None:
                        pending.remove(group)
                        idle.remove(node)
                        group.tried.append(node.name)
                        running += 1
                        threading.Thread(target=self._pump, args=(node, group),
                                         daemon=True).start()
                for group in [g for g in pending if not any(g.eligible(n) for n in alive)]:
                    pending.remove(group)
                    self._lose(group)
                if not running:
                    continue
                kind, node, group, *rest = self.events.get()
                if kind == "event":
                    self._deliver(node, group, rest[0])
                    continue
                running -= 1
                if kind == "done":
                    idle.append(node)
                    if group.cells:  # the harness answers for every cell; be safe anyway
                        group.reasons.append(f"{node.name} returned without these cells")
                        pending.append(group)
                else:
                    alive.remove(node)
                    group.reasons.append(f"{node.name}: {rest[0]}")
                    pending.append(group)
        except BaseException:
            self.launcher.cancel()
            raise

    def _pump(self, node: Node, group: _Group) -> None:
        """In a thread: forward one group's events; the main thread does the rest."""
        try:
            for event in self.launcher.launch(node, list(group.cells)):
                self.events.put(("event", node, group, event))
        except NodeLost as exc:
            self.events.put(("lost", node, group, str(exc)))
        except Exception as exc:  # a harness bug on the machine: the group is lost there
            self.events.put(("lost", node, group, f"{type(exc).__name__}: {exc}"))
        else:
            self.events.put(("done", node, group))

    def _deliver(self, node: Node, group: _Group, event: tuple[Any, ...]) -> None:
        if event[0] == "cell":
            result: CellResult = event[1]
            group.cells = [c for c in group.cells if c.key != result.cell.key]
            self.emit(result)
        elif event[0] == "stage":
            self.stage(event[1], f"{event[2]} on {node.name}")
        elif event[0] == "conversion":
            self.emit_conversion(event[1], event[2])

    def _lose(self, group: _Group) -> None:
        why = "; ".join(group.reasons) or "no machine left"
        tried = ", ".join(group.tried) or "none"
        for cell in group.cells:
            self.emit(CellResult(cell, "lost_node", reason=(
                f"lost with its machine ({why}); tried: {tried}; no other matching machine "
                "left. Measure it again with --resume")))
