"""Cells and study plans: plain data that serialises to JSON (an executor boundary for later
scale-out: cell in, measurement out)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import Cell
from stackpick.protocol.runs import PlanRecord
from stackpick.registry import get_spec
from stackpick.workloads import get_workload
from stackpick.workloads.transforms import TRANSFORM_TASKS, applies, default_batch

# What the study of `stackpick run` leaves out, and why (stored with the run and shown in its
# report); `stackpick bench --backends ...` measures any of them.
RUN_LEAVES_OUT = {
    "tensorflow:eager": "Keras trains (fit) and serves through tf.function: tensorflow:graph "
                        "and tensorflow:xla stand for TensorFlow; eager is a debugging mode",
}
QUICK_LEAVES_OUT = {
    **RUN_LEAVES_OUT,
    "torch-compile": "its compile takes seconds per graph and process; the full study "
                     "measures it",
}


def scoped(backends: list[tuple[str, str]], quick: bool
           ) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The backends `stackpick run` measures and, by label, those it leaves out, with why."""
    leaves_out = QUICK_LEAVES_OUT if quick else RUN_LEAVES_OUT
    label = {b: b[0] if b[1] == "default" else f"{b[0]}:{b[1]}" for b in backends}
    kept = [b for b in backends if label[b] not in leaves_out]
    return kept, {label[b]: leaves_out[label[b]] for b in backends if b not in kept}


@dataclass
class StudyPlan:
    cells: list[Cell]
    threads: int
    rule: StopRule = field(default_factory=StopRule)
    cold_start: bool = False  # fresh-process starts per backend variant (harness/cold_start)
    left_out: dict[str, str] = field(default_factory=dict)  # label -> why it is not measured

    def groups(self) -> dict[str, list[Cell]]:
        out: dict[str, list[Cell]] = {}
        for cell in self.cells:
            out.setdefault(cell.group, []).append(cell)
        return out

    def to_record(self) -> PlanRecord:
        """The plan as the store keeps it."""
        return PlanRecord(self.cells, self.threads, self.rule.to_dict(), self.cold_start,
                          self.left_out)

    @classmethod
    def from_record(cls, record: PlanRecord) -> StudyPlan:
        return cls(record.cells, record.threads, StopRule.from_dict(record.rule),
                   record.cold_start, record.left_out)

    def to_json(self) -> str:
        """As JSON text (a cluster task receives it)."""
        return json.dumps(self.to_record().to_dict())

    @classmethod
    def from_json(cls, text: str) -> StudyPlan:
        return cls.from_record(PlanRecord.from_dict(json.loads(text)))


def plan_study(
    workloads: list[str],
    backends: list[tuple[str, str]],
    tasks: list[str],
    batches: list[int] | None,
    train_batches: list[int] | None,
    threads: int,
    device: str = "cpu",
    rule: StopRule | None = None,
    workload_params: Mapping[str, Mapping[str, object]] | None = None,
    cold_start: bool = False,
) -> StudyPlan:
    """Expand the product of choices into cells; per-workload default batches when not given."""
    cells: list[Cell] = []
    for wname in workloads:
        params = dict((workload_params or {}).get(wname, {}))  # size overrides (tests)
        wl = get_workload(wname, params)
        for task in (t for t in tasks if applies(t, wname)):  # jacobian: the mlp only
            sizes = (batches or list(wl.default_batches)) if task == "inference" else (
                train_batches or [default_batch(wl, task) if task in TRANSFORM_TASKS
                                  else wl.default_train_batch])
            for batch in sizes:
                for name, variant in backends:
                    if get_spec(name).runs(variant, task):  # e.g. variant loop: transforms only
                        cells.append(Cell(wname, name, variant, task, batch, device, params))
    return StudyPlan(cells, threads, rule or StopRule(), cold_start)
