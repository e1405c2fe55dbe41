"""``torch-compile``: the same PyTorch models through ``torch.compile`` (inductor, default mode).

Inference compiles the module; training compiles forward + loss (AOTAutograd compiles the
backward with it) and keeps the optimizer step eager. Compilation happens on the first call,
which the worker times as first-call time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch._dynamo
from torch._dynamo.utils import counters

from stackpick.backends.base import Job, Prepared
from stackpick.backends.torch_eager import TorchEagerBackend

MODE = "default"


class TorchCompileBackend(TorchEagerBackend):
    """PyTorch with ``torch.compile(backend="inductor")``."""

    def configure(self) -> dict[str, Any]:
        info = super().configure()
        info["versions"]["inductor"] = torch.__version__  # ships with torch; named for the report
        return info

    def prepare(self, job: Job) -> Prepared:
        # One worker runs many cells in turn. Without a reset, dynamo would treat a second batch
        # size as a recompile (switching to dynamic shapes) and, past its recompile limit,
        # silently fall back to eager; each cell must compile fresh, with static shapes.
        torch._dynamo.reset()
        counters.clear()
        return super().prepare(job)

    def _wrap(self, fn: Callable[..., torch.Tensor], task: str) -> Callable[..., torch.Tensor]:
        return torch.compile(fn, backend="inductor", mode=MODE)

    def _extras(self) -> dict[str, Any]:
        return {"compile_note": f"inductor, mode={MODE}; training compiles forward+loss "
                "(backward via AOTAutograd), optimizer step eager; first call includes compile"}

    def _annotate(self, extras: dict[str, Any]) -> None:
        extras["graphs"] = int(counters["stats"]["unique_graphs"])
        extras["graph_breaks"] = int(sum(counters["graph_break"].values()))
