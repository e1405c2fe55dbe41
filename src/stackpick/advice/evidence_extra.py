"""Cold start, install size and capability probes from stored cells (parts of the evidence).

Cold start is ``metrics.cold_start_s`` when the worker recorded it, else import + first call
(``import_s`` + ``first_call_s``); install size is ``metrics.extras.install_bytes``. Both give
a stack the ratio own / smallest per workload, scored as smallest / own. A capability probe is
a cell of task ``per_example_grad``, ``hvp`` or ``jacobian``: ``ok`` means the backend can do
it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from stackpick.advice.devices import device_class
from stackpick.advice.measured import GroupValue, stacks_for
from stackpick.advice.model import Reason
from stackpick.protocol.cells import CellMetrics

if TYPE_CHECKING:
    from stackpick.store import StoredCell

CAPABILITY_TASKS = ("per_example_grad", "hvp", "jacobian")
NEED_TASKS = {"per-example-gradients": ("per_example_grad",),
              "higher-order-derivatives": ("hvp",),
              "functional-transforms": ("per_example_grad", "hvp", "jacobian")}


def _cold_s(m: CellMetrics) -> float | None:
    if m.cold_start_s is not None:
        return m.cold_start_s
    if m.import_s is not None and m.first_call_s is not None:
        return m.import_s + m.first_call_s
    return None


def _install(m: CellMetrics) -> float | None:
    size = m.extras.install_bytes
    return float(size) if size is not None and size > 0 else None


def _relative(cells: Iterable[StoredCell], measure: Any, unit: str
              ) -> dict[str, list[GroupValue]]:
    best: dict[tuple[str, str], tuple[float, StoredCell]] = {}  # (workload, stack)
    for c in cells:
        amount = measure(c.metrics) if c.task == "inference" else None
        if amount is None:
            continue
        for stack in stacks_for(c.backend, "inference"):
            key = (c.workload, stack)
            if key not in best or amount < best[key][0]:
                best[key] = (amount, c)
    out: dict[str, list[GroupValue]] = {}
    for (workload, stack), (amount, c) in sorted(best.items()):
        low = min(a for (w, _), (a, _) in best.items() if w == workload)
        shown = f"{amount:.2f} s" if unit == "s" else f"{amount / 2**20:.0f} MiB"
        least = f"{low:.2f} s" if unit == "s" else f"{low / 2**20:.0f} MiB"
        reason = Reason(f"{c.label} on {workload}: {shown} (least {least})", cells=(c.id,))
        out.setdefault(stack, []).append(
            GroupValue(workload, amount / low if low else 1.0, reason,
                       device_class(c.backend, c.device)))
    return out


def cold_starts(cells: list[StoredCell]) -> dict[str, list[GroupValue]]:
    """Per stack: measured cold start (import + first call) relative to the quickest."""
    return _relative(cells, _cold_s, "s")


def install_sizes(cells: list[StoredCell]) -> dict[str, list[GroupValue]]:
    """Per stack: installed size relative to the smallest."""
    return _relative(cells, _install, "bytes")


def capabilities(cells: list[StoredCell]) -> dict[str, dict[str, tuple[bool, int, str]]]:
    """Per stack and probe task: (supported, cell id, a sentence with the number)."""
    out: dict[str, dict[str, tuple[bool, int, str]]] = {}
    for c in cells:
        if c.task not in CAPABILITY_TASKS:
            continue
        median = c.metrics.latency.median if c.metrics.latency else None
        ok = c.status == "ok"
        text = (f"{c.label} ran {c.task} on {c.workload}"
                + (f" in {median / 1e6:.2f} ms (median)" if ok and median else "")
                if ok else f"{c.label} could not run {c.task}: {c.reason or c.status}")
        for stack in stacks_for(c.backend, "training"):
            have = out.setdefault(stack, {}).get(c.task)
            if have is None or (ok and not have[0]):
                out[stack][c.task] = (ok, c.id, text)
    return out
