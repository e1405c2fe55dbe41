"""Reference workloads by name. Pure NumPy: safe to import anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackpick.errors import UserError
from stackpick.workloads.base import TrainConfig, Workload
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP
from stackpick.workloads.transformer import Transformer

__all__ = ["WORKLOADS", "TrainConfig", "Workload", "get_workload"]

WORKLOADS: dict[str, type[Workload]] = {w.name: w for w in (MLP, CNN, Transformer)}


def get_workload(name: str, params: Mapping[str, object] | None = None) -> Workload:
    """Build a workload by registry name, optionally with size overrides (tests use tiny ones:
    ``{"hidden": [8, 8]}``; lists become the tuples the workload's fields are)."""
    try:
        cls = WORKLOADS[name]
    except KeyError:
        raise UserError(
            f"unknown workload {name!r}; valid names: {', '.join(WORKLOADS)} (or 'all')"
        ) from None
    fixed: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                             for k, v in (params or {}).items()}
    return cls(**fixed)
