"""Measured evidence: a stored run turned into per-stack standings, each tagged with the device
class it was measured on (see :mod:`stackpick.advice.devices`).

The measured criteria (:mod:`stackpick.advice.measured_criteria`) each extract their standings
(speed: see :mod:`stackpick.advice.evidence_speed`). Memory (inference cells only): the stack's
peak RSS / the smallest in the group, differences under 10% a tie. Only a stack whose serving
runtime ran a cell gets a standing from it; training cells count for training speed only.
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
from stackpick.advice.measured_criteria import MEASURED
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


@dataclass(frozen=True)
class Failure:
    """A cell that failed: the stacks its backend stands for, where it ran, and the caveat."""

    stacks: tuple[str, ...]
    device_class: str
    caveat: Caveat


@dataclass
class Evidence:
    """What one run says, by criterion and stack (values per group, reduced later)."""

    run: dict[str, Any]
    measured: dict[str, dict[str, list[GroupValue]]] = field(default_factory=dict)  # crit->stack
    memory: dict[str, list[GroupValue]] = field(default_factory=dict)
    cold: dict[str, list[GroupValue]] = field(default_factory=dict)
    install: dict[str, list[GroupValue]] = field(default_factory=dict)
    capability: dict[str, dict[str, tuple[bool, int, str]]] = field(default_factory=dict)
    cells: list[int] = field(default_factory=list)
    notes: list[Failure] = field(default_factory=list)
    backends: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)  # device classes with a successful cell
    latency: dict[str, dict[str, tuple[int, float]]] = field(default_factory=dict)
    blocked: dict[str, list[Reason]] = field(default_factory=dict)  # stack -> failed paths
    model_kind: str | None = None  # pytorch | onnx | keras for a run of the user's model

    def chosen(self, groups: list[GroupValue], family: str | None) -> list[GroupValue]:
        """The groups of the model family's workload when there are any, else all."""
        wanted = FAMILY_WORKLOAD.get(family or "")
        return [g for g in groups if g.workload == wanted] or groups

    def value(self, groups: list[GroupValue], family: str | None) -> tuple[float, list[Reason]]:
        """The mean linear standing (footprint, cold start) and its reasons."""
        chosen = self.chosen(groups, family)
        return mean(g.value for g in chosen), [g.reason for g in chosen]


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
        ratio = bytes_ / low
        ratio = 1.0 if low / bytes_ >= 1 - MEMORY_TIE else ratio
        text = f"{group.key}: peak RSS {bytes_ / 2**20:.0f} MiB (smallest {low / 2**20:.0f} MiB)"
        out[stack] = GroupValue(group.cells[0].workload, ratio, Reason(text, cells=(cell_id,)),
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


def _failure_notes(results: RunView) -> list[Failure]:
    # A user model's conversion rows earn no points either way: the matrix shows them, and a
    # failed one rules its stack out with the reason. A cell `unsupported` by design (a
    # backend that only serves, asked to train) is no surprise: the report lists it.
    return [Failure(tuple({*stacks_for(c.backend, "inference"), *stacks_for(c.backend, c.task)}),
                    device_class(c.backend, c.device),
                    Caveat(f"cell {c.id} ({c.label}, {c.group}) {c.status}: "
                           f"{c.reason or 'see the run report'}; it earns no points",
                           cells=(c.id,)))
            for c in results.failures() if c.status != "unsupported"]


def from_results(results: RunView) -> Evidence:
    """Evidence from a loaded run (see the module docstring for the rules)."""
    run = results.run
    ev = Evidence({"id": run.id, "kind": run.kind, "status": run.status,
                   "started_at": run.started_at})
    ev.measured = {m.id: m.extract(results) for m in MEASURED}
    for group in results.groups:
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
