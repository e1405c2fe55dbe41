"""Which machines a fleet study used, and the same cell compared across them.

Cells measured on a cluster carry their machine's name (``StoredCell.node``) and fingerprint
(``metrics.node``). Across machines there are no shared interleaved rounds, so the comparison
here is a plain ratio of medians; `stackpick compare` gives intervals between two runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from stackpick.protocol.cells import StoredCell


@dataclass(frozen=True)
class Machine:
    name: str
    cpu: str
    arch: str
    labels: list[str]
    cells: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MachineTime:
    node: str
    cell_id: int
    median_ns: float
    vs_fastest: float  # this machine's median over the fastest machine's (>= 1)


@dataclass(frozen=True)
class MachineRow:
    """One cell (key without the machine) measured on two or more machines, fastest first."""

    key: str
    times: list[MachineTime]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "machines": [asdict(t) for t in self.times]}


def machines(cells: Sequence[StoredCell]) -> list[Machine]:
    """The machines that measured ``cells`` ([] for a local run)."""
    found: dict[str, tuple[dict[str, Any], int]] = {}
    for c in cells:
        if c.node:
            fp, count = found.get(c.node, (c.metrics.node or {}, 0))
            found[c.node] = (fp or c.metrics.node or {}, count + 1)
    out = []
    for name, (fp, count) in sorted(found.items()):
        cpu = fp.get("cpu") or {}
        out.append(Machine(name, str(cpu.get("model", "?")), str(cpu.get("arch", "?")),
                           list(fp.get("labels") or []), count))
    return out


def per_machine(cells: Sequence[StoredCell]) -> list[MachineRow]:
    """Cells timed on several machines, each machine's median against the fastest one's."""
    by_key: dict[str, dict[str, tuple[float, int]]] = {}
    for c in cells:
        latency = c.metrics.latency
        if c.node and c.status == "ok" and latency is not None:
            by_key.setdefault(c.base_key, {})[c.node] = (latency.median, c.id)
    rows = []
    for key, on in sorted(by_key.items()):
        if len(on) < 2:
            continue
        ranked = sorted(on.items(), key=lambda item: item[1][0])
        best = ranked[0][1][0]
        rows.append(MachineRow(key, [MachineTime(node, cell_id, median,
                                                 median / best if best > 0 else 1.0)
                                     for node, (median, cell_id) in ranked]))
    return rows
