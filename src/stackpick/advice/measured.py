"""One measured value of one stack in one group, and which stacks a backend measures (shared by
the evidence modules)."""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.advice.model import Reason
from stackpick.knowledge.stacks import STACKS


@dataclass(frozen=True)
class GroupValue:
    workload: str
    value: float
    reason: Reason
    device_class: str = "x86-cpu"
    low: float | None = None  # the value's range from the ratio interval (None: exact)
    high: float | None = None


def stacks_for(backend: str, task: str) -> list[str]:
    """Stacks whose serving runtime (inference) or training path ran ``backend``."""
    base = backend.partition(":")[0]
    attr = "infer_backends" if task == "inference" else "train_backends"
    return [s.id for s in STACKS if base in getattr(s, attr)
            or (task == "inference" and base in s.model_backends)]
