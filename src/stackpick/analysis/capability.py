"""The capability matrix of the transformation tasks: framework x transformation, from stored
cells. Pure (no framework, no store): reports, JSON and the advisor read these rows.

One row per (workload, batch, device, task, backend, variant) other than the naive baseline
(variant ``loop``), which it is compared with: the same backend's ``loop`` cell of the same
group. ``capability`` is

- ``native``: the framework's own transformation ran and passed parity;
- ``workaround``: it ran only through a fallback the framework offers (torch's vmap loop over
  an operation with no batching rule, TensorFlow's ``fallback_to_while_loop``), named in
  ``error``; it passed parity;
- ``wrong result``: it ran but failed the float64 parity gate (``error`` says by how much);
- ``unsupported``: it raised, crashed or timed out; ``error`` is the framework's own line;
- ``not measured``: the framework is not installed, or the cell is not defined for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from stackpick.analysis.intervals import CellRounds, pair_interval
from stackpick.protocol.cells import CellMetrics
from stackpick.workloads.transforms import TRANSFORM_TASKS

BASELINE = "loop"
CAPABILITIES = ("native", "workaround", "wrong result", "unsupported", "not measured")
Rounds = Callable[[int], Sequence[Sequence[float]]]


class CellLike(Protocol):
    """What a row needs of a stored cell (``store.StoredCell`` has it)."""

    id: int
    workload: str
    backend: str
    variant: str
    task: str
    batch: int
    device: str
    status: str
    reason: str | None
    metrics: CellMetrics


@dataclass(frozen=True)
class CapabilityRow:
    """One framework's answer to one transformation. Times in nanoseconds per call;
    ``speedup`` = baseline median / this median (> 1: faster than the naive loop), with the
    paired t interval over process blocks (analysis/intervals.py) when both ran in the same
    rounds."""

    workload: str
    batch: int
    device: str
    task: str
    backend: str
    variant: str
    capability: str
    status: str
    api: str | None
    median_ns: float | None
    baseline_api: str | None
    baseline_median_ns: float | None
    baseline_status: str | None
    speedup: float | None
    speedup_low: float | None
    speedup_high: float | None
    error: str | None
    cell: int
    baseline_cell: int | None

    @property
    def label(self) -> str:
        return self.backend if self.variant == "default" else f"{self.backend}:{self.variant}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


def _median(c: CellLike | None) -> float | None:
    if c is None or c.status != "ok":
        return None
    latency = c.metrics.latency
    return float(latency.median) if latency is not None and latency.median else None


def _error_line(reason: str | None) -> str | None:
    """The framework's own line from a stored reason (``setup: Type: message ...``).
    TensorFlow prefixes ``in user code:`` and a traceback: its last line is the error."""
    if not reason:
        return None
    lines = [s.strip() for s in reason.splitlines() if s.strip()]
    first = lines[0]
    for stage in ("setup: ", "timing: "):
        first = first.removeprefix(stage)
    if first.endswith("in user code:") and len(lines) > 1:
        kind, last = first.split(":", 1)[0], lines[-1]
        first = last if last.startswith(f"{kind}:") else f"{kind}: {last}"
    return first[:300]


def _capability(c: CellLike) -> tuple[str, str | None]:
    extras = c.metrics.extras
    if c.status == "ok":
        kind = extras.capability or "native"
        return ("workaround", extras.workaround) if kind == "workaround" else ("native", None)
    if c.status == "fail_parity":
        return "wrong result", c.reason
    if c.status in ("unavailable", "unsupported"):  # stackpick did not run it, or could not
        return "not measured", c.reason
    return "unsupported", _error_line(c.reason)


def _speedup(c: CellLike, base: CellLike | None,
             rounds: Rounds | None) -> tuple[float | None, float | None, float | None]:
    mine, theirs = _median(c), _median(base)
    if base is None or mine is None or theirs is None:
        return None, None, None
    same_session = c.metrics.session == base.metrics.session
    if rounds is None or not same_session:
        return theirs / mine, None, None
    def cell_rounds(x: CellLike) -> CellRounds:
        t = x.metrics.timing
        return CellRounds.from_samples("x", rounds(x.id), t.blocks if t else None)

    # time_base / time_c from paired rounds and worker processes (docs/statistics.md)
    iv = pair_interval(cell_rounds(c), cell_rounds(base))
    if iv.rounds == 0:
        return theirs / mine, None, None
    if not iv.ok:
        return iv.estimate, None, None
    return iv.estimate, iv.low, iv.high


def capability_matrix(cells: Iterable[CellLike],
                      rounds: Rounds | None = None) -> list[CapabilityRow]:
    """Rows for every transformation-task cell in ``cells`` that is not a baseline, sorted by
    workload, task and backend. ``rounds(cell_id)`` (e.g. ``Store.rounds``) adds intervals."""
    todo = [c for c in cells if c.task in TRANSFORM_TASKS]
    baselines = {(c.workload, c.batch, c.device, c.task, c.backend): c
                 for c in todo if c.variant == BASELINE}
    rows = []
    for c in todo:
        if c.variant == BASELINE:
            continue
        base = baselines.get((c.workload, c.batch, c.device, c.task, c.backend))
        capability, error = _capability(c)
        speedup, low, high = _speedup(c, base, rounds)
        rows.append(CapabilityRow(
            c.workload, c.batch, c.device, c.task, c.backend, c.variant, capability, c.status,
            c.metrics.extras.api, _median(c), base.metrics.extras.api if base else None,
            _median(base), base.status if base is not None else None, speedup, low, high,
            error, c.id,
            base.id if base is not None else None))
    order = {t: i for i, t in enumerate(TRANSFORM_TASKS)}
    return sorted(rows, key=lambda r: (r.workload, r.batch, order[r.task], r.label))
