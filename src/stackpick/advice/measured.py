"""One measured value of one stack in one group, and which stacks a backend measures (shared by
the evidence modules)."""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.advice.model import Reason
from stackpick.knowledge.stacks import STACKS
from stackpick.registry import lookup


@dataclass(frozen=True)
class GroupValue:
    workload: str
    value: float
    reason: Reason
    device_class: str = "x86-cpu"
    low: float | None = None  # the value's range from the ratio interval (None: exact)
    high: float | None = None


def stacks_for(backend: str, task: str) -> list[str]:
    """Stacks whose serving runtime (inference) or training path ran ``backend``, as its spec
    says (``serves``, ``trains``), in catalogue order."""
    spec = lookup(backend)
    if spec is None:  # a backend this installation does not know speaks for no stack
        return []
    ids = spec.serves if task == "inference" else spec.trains
    return [s.id for s in STACKS if s.id in ids]
