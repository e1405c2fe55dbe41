"""The study for a user's model: its runtimes as cells of one inference group.

The batch is the model's own (first dimension of its first input), learned by running the model
once in a worker at planning time (:func:`steps.inspect`), which also stops a broken model file
before anything is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stackpick.errors import UserError
from stackpick.harness import model_steps as steps
from stackpick.harness.plan import StudyPlan
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import Cell
from stackpick.registry import Choice
from stackpick.usermodel.routes import runtime_backends, runtimes
from stackpick.usermodel.spec import ModelSpec


def _labels(choices: Iterable[Choice]) -> str:
    return ", ".join(b if v == "default" else f"{b}:{v}" for b, v in choices)


def select_backends(spec: ModelSpec, wanted: list[Choice] | None) -> list[Choice]:
    """The kind's runtimes, kept to ``wanted`` when given (None: every one)."""
    if wanted is None:
        return runtime_backends(spec.kind)
    chosen = runtime_backends(spec.kind, wanted)
    if not chosen:
        raise UserError(f"--backends {_labels(wanted)}: none of them runs a {spec.kind} model "
                        f"({spec.shown}); use some of: {_labels(runtimes(spec.kind))}")
    return chosen


def model_plan(spec: ModelSpec, backends: list[Choice] | None, threads: int, device: str,
               rule: StopRule) -> StudyPlan:
    """Cells for ``spec`` (after checking, in a worker, that the model runs at all)."""
    chosen = select_backends(spec, backends)
    signature = steps.inspect(spec, threads, device)
    params = {"model": spec.to_dict(), "signature": signature.to_dict()}
    cells = [Cell(spec.name, b, v, "inference", signature.batch, device, params)
             for b, v in chosen]
    return StudyPlan(cells, threads, rule)


def model_note(plan: StudyPlan) -> dict[str, Any] | None:
    """The user's model of ``plan`` for the run's notes (its spec, name and signature); None
    for a study of the reference workloads."""
    for cell in plan.cells:
        if "model" in cell.workload_params:
            return {**cell.workload_params["model"],
                    "name": ModelSpec.from_dict(cell.workload_params["model"]).name,
                    "signature": cell.workload_params.get("signature")}
    return None
