"""Measured evidence: a stored run turned into per-stack values, each tagged with the device
class it was measured on (see :mod:`stackpick.advice.devices`).

Speed, per group (workload/task/batch/device): a stack's best backend scores 1.0 when it is the
fastest or its comparison's verdict is ``tie``; otherwise 1 / point ratio (an ``inconclusive``
verdict scores its point ratio too, with a caveat: never full credit). The ratio interval gives
the value's own range, used to judge near-ties. Groups with a single timed backend prove
nothing and are skipped. Memory (inference cells only): smallest peak RSS in the group / the
stack's, differences under 10% a tie. Only a stack whose serving runtime ran a cell gets a value
from it; training cells count for training speed only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackpick.advice.devices import device_class
from stackpick.advice.evidence_extra import capabilities, cold_starts, install_sizes
from stackpick.advice.measured import GroupValue, stacks_for
from stackpick.advice.model import Caveat, Reason
from stackpick.errors import UserError
from stackpick.usermodel.routes import failed_paths


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


if TYPE_CHECKING:
    from stackpick.analysis.run_view import GroupView, RunView

MEMORY_TIE = 0.10
FAMILY_WORKLOAD = {"mlp": "mlp", "cnn": "cnn", "transformer": "transformer",
                   "llm": "transformer"}
BENCH_ALL = "stackpick bench --workload all --backends all --task inference,training"


@dataclass
class Evidence:
    """What one run says, by criterion and stack (values per group, reduced later)."""

    run: dict[str, Any]
    speed: dict[str, dict[str, list[GroupValue]]] = field(default_factory=dict)  # task -> stack
    memory: dict[str, list[GroupValue]] = field(default_factory=dict)
    cold: dict[str, list[GroupValue]] = field(default_factory=dict)
    install: dict[str, list[GroupValue]] = field(default_factory=dict)
    capability: dict[str, dict[str, tuple[bool, int, str]]] = field(default_factory=dict)
    cells: list[int] = field(default_factory=list)
    notes: list[Caveat] = field(default_factory=list)
    backends: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)  # device classes with a successful cell
    latency: dict[str, dict[str, tuple[int, float]]] = field(default_factory=dict)
    blocked: dict[str, list[Reason]] = field(default_factory=dict)  # stack -> failed paths
    model_kind: str | None = None  # pytorch | onnx | keras for a run of the user's model

    def value(self, groups: list[GroupValue], family: str | None) -> tuple[float, list[Reason]]:
        wanted = FAMILY_WORKLOAD.get(family or "")
        chosen = [g for g in groups if g.workload == wanted] or groups
        return mean(g.value for g in chosen), [g.reason for g in chosen]

    def span(self, groups: list[GroupValue], family: str | None) -> tuple[float, float]:
        """The lowest and highest mean the measurement intervals allow."""
        wanted = FAMILY_WORKLOAD.get(family or "")
        chosen = [g for g in groups if g.workload == wanted] or groups
        lo = mean(g.value if g.low is None else g.low for g in chosen)
        hi = mean(g.value if g.high is None else g.high for g in chosen)
        return lo, hi


def _standing(cmp: Any) -> tuple[float, float, float, str]:
    """(value, low, high, text) of the slower side of one comparison."""
    r = cmp.ratio
    verdict = cmp.verdict
    if verdict == "tie":
        return 1.0, 1.0 / max(r.high, 1.0), 1.0, cmp.sentence()
    value = 1.0 / r.value
    low, high = 1.0 / max(r.high, r.value), min(1.0, 1.0 / max(min(r.low, r.value), 1e-9))
    text = cmp.sentence() + ("; inconclusive: scored by its point ratio"
                             if verdict == "inconclusive" else "")
    return value, low, high, text


def _speed_group(group: GroupView) -> dict[str, GroupValue]:
    """Per stack: its best backend's standing against the fastest backend in this group."""
    if not group.comparisons:
        return {}
    first = group.cells[0]
    fastest = group.comparisons[0].fast
    cls = {c.label: device_class(c.backend, c.device) for c in group.cells}
    scored: dict[str, tuple[float, float, float, str, tuple[int, ...]]] = {
        fastest.label: (1.0, 1.0, 1.0, f"{fastest.label} was the fastest", (fastest.cell_id,))}
    for cmp in group.comparisons:
        value, low, high, text = _standing(cmp)
        scored[cmp.slow.label] = (value, low, high, text, (cmp.fast.cell_id, cmp.slow.cell_id))
    # The fastest by median should never be slower in the paired rounds; when it is, the run
    # contradicts itself and its values here are anyone's guess (range 0..1).
    if any(cmp.ratio.value < 1 for cmp in group.comparisons):
        scored = {k: (v, 0.0, 1.0, t + "; medians and paired rounds disagree: uncertain", c)
                  for k, (v, _, _, t, c) in scored.items()}
    out: dict[str, GroupValue] = {}
    for label, (value, low, high, text, cells) in scored.items():
        where = cls.get(label, "x86-cpu")
        for stack in stacks_for(label, first.task):
            if stack not in out or value > out[stack].value:
                out[stack] = GroupValue(first.workload, value,
                                        Reason(f"{group.key}: {text}", cells=cells), where,
                                        low, high)
    return out


def _memory_group(group: GroupView) -> dict[str, GroupValue]:
    rss: dict[str, tuple[float, int, str]] = {}
    for cell in group.cells:
        peak = cell.metrics.memory.peak_rss_bytes if cell.metrics.memory else None
        if cell.status != "ok" or not peak or cell.task != "inference":
            continue
        for stack in stacks_for(cell.backend, "inference"):
            if stack not in rss or peak < rss[stack][0]:
                rss[stack] = (float(peak), cell.id, device_class(cell.backend, cell.device))
    if len(rss) < 2:
        return {}
    low = min(v for v, _, _ in rss.values())
    out = {}
    for stack, (bytes_, cell_id, cls) in rss.items():
        ratio = low / bytes_
        value = 1.0 if ratio >= 1 - MEMORY_TIE else ratio
        text = f"{group.key}: peak RSS {bytes_ / 2**20:.0f} MiB (smallest {low / 2**20:.0f} MiB)"
        out[stack] = GroupValue(group.cells[0].workload, value, Reason(text, cells=(cell_id,)),
                                cls)
    return out


def _batch1_latency(results: RunView) -> dict[str, dict[str, tuple[int, float]]]:
    """Per stack and workload, the best median batch-1 inference latency (cell id, ms), for
    checking a latency budget."""
    out: dict[str, dict[str, tuple[int, float]]] = {}
    for c in results.cells:
        median = c.metrics.latency.median if c.metrics.latency else None
        if c.status != "ok" or c.task != "inference" or c.batch != 1 or not median:
            continue
        for stack in stacks_for(c.backend, "inference"):
            best = out.setdefault(stack, {}).get(c.workload)
            if best is None or median / 1e6 < best[1]:
                out[stack][c.workload] = (c.id, median / 1e6)
    return out


def _failure_notes(results: RunView) -> list[Caveat]:
    # A user model's conversion rows earn no points either way: the matrix shows them, and a
    # failed one rules its stack out with the reason.
    return [Caveat(f"cell {c.id} ({c.label}, {c.group}) {c.status}: "
                   f"{c.reason or 'see the run report'}; it earns no points", cells=(c.id,))
            for c in results.failures()]


def from_results(results: RunView) -> Evidence:
    """Evidence from a loaded run (see the module docstring for the rules)."""
    run = results.run
    ev = Evidence({"id": run.id, "kind": run.kind, "status": run.status,
                   "started_at": run.started_at})
    for group in results.groups:
        task = group.cells[0].task if group.cells else ""
        for stack, gv in _speed_group(group).items():
            ev.speed.setdefault(task, {}).setdefault(stack, []).append(gv)
        for stack, gv in _memory_group(group).items():
            ev.memory.setdefault(stack, []).append(gv)
    ok = [c for c in results.cells if c.status == "ok"]
    ev.cold, ev.install = cold_starts(ok), install_sizes(ok)
    ev.capability = capabilities(results.cells)
    ev.latency = _batch1_latency(results)
    ev.cells = sorted(c.id for c in results.cells)
    ev.backends = {c.backend for c in ok}
    ev.classes = {device_class(c.backend, c.device) for c in ok}
    ev.notes = _failure_notes(results)
    model = results.run.notes.model
    ev.model_kind = str(model["kind"]) if model and model.get("kind") else None
    if ev.model_kind:  # stacks whose path failed for the user's model
        ev.blocked = {stack: [Reason(why, cells=cells) for why, cells in found]
                      for stack, found in failed_paths(ev.model_kind, results.paths).items()}
    return ev


def load_evidence(db: Path | None, run_id: int | None) -> Evidence | None:
    """The given run, or the latest one; None when there is no store or no run yet."""
    from stackpick.store import default_db_path, open_store

    path = Path(db) if db else default_db_path()
    if not path.exists():  # advising must not create an empty store as a side effect
        if run_id is not None:
            raise UserError(f"--run {run_id}: there is no store at {path}; measure first with: "
                            f"{BENCH_ALL}, or pass --db")
        return None
    with open_store(path) as store:
        run_id = run_id if run_id is not None else store.latest_run_id()
        if run_id is None:
            return None
        from stackpick.analysis.run_view import load_results

        return from_results(load_results(store, run_id))


def age_days(started_at: str, today: date) -> int | None:
    try:
        return (today - datetime.fromisoformat(started_at).date()).days
    except ValueError:
        return None


def missing_backends(ev: Evidence, wanted: Iterable[str]) -> list[str]:
    have = {b.partition(":")[0] for b in ev.backends}
    return sorted(set(wanted) - have)
