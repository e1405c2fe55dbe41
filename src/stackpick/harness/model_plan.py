"""The study for a user's model: its runtimes as cells of one inference group.

The batch is the model's own (first dimension of its first input), learned by running the model
once in a worker at planning time (:func:`steps.inspect`), which also stops a broken model file
before anything is stored.
"""

from __future__ import annotations

from typing import Any

from stackpick.errors import UserError
from stackpick.harness import model_steps as steps
from stackpick.harness.plan import StudyPlan
from stackpick.harness.stopping import StopRule
from stackpick.protocol.cells import Cell
from stackpick.registry import parse_backends
from stackpick.usermodel.routes import RUNTIMES, runtime_backends
from stackpick.usermodel.spec import ModelSpec


def select_backends(spec: ModelSpec, text: str | None) -> list[tuple[str, str]]:
    """The kind's runtimes, kept to ``--backends`` when given (``all``: every one)."""
    if text is None or text.strip() == "all":
        return runtime_backends(spec.kind)
    chosen = runtime_backends(spec.kind, parse_backends(text))
    if not chosen:
        valid = ", ".join(b if v == "default" else f"{b}:{v}" for b, v in RUNTIMES[spec.kind])
        raise UserError(f"--backends {text}: none of them runs a {spec.kind} model "
                        f"({spec.shown}); use some of: {valid}")
    return chosen


def model_plan(spec: ModelSpec, backends: str | None, threads: int, device: str,
               rule: StopRule) -> StudyPlan:
    """Cells for ``spec`` (after checking, in a worker, that the model runs at all)."""
    chosen = select_backends(spec, backends)
    signature = steps.inspect(spec, threads, device)
    params = {"model": spec.to_dict(), "signature": signature}
    cells = [Cell(spec.name, b, v, "inference", int(signature["batch"]), device, params)
             for b, v in chosen]
    return StudyPlan(cells, threads, rule)


def model_info(plan: StudyPlan) -> dict[str, Any]:
    """``{"model": {...spec, "signature": ...}}`` for the run's notes; {} for reference studies."""
    for cell in plan.cells:
        if "model" in cell.workload_params:
            return {"model": {**cell.workload_params["model"],
                              "name": ModelSpec.from_dict(cell.workload_params["model"]).name,
                              "signature": cell.workload_params.get("signature")}}
    return {}
