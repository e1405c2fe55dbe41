"""``torch-compile``: the same PyTorch models through ``torch.compile`` (inductor, default mode).

Inference compiles the module; training compiles forward + loss (AOTAutograd compiles the
backward with it) and keeps the optimizer step eager. Compilation happens on the first call,
which the worker times as first-call time. Inductor's on-disk caches (``TORCHINDUCTOR_CACHE_DIR``,
default ``/tmp/torchinductor_$USER``) make a repeated compile much cheaper (here ~5 s instead of
15-35 s for a tiny model on 2 cores), so the cache hits are recorded next to the number.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch._dynamo
import torch._inductor.compile_fx  # ~0.7 s on first torch.compile(): count it as import, not build
from torch._dynamo.utils import counters

from stackpick.protocol.extras import CacheStats, Extras
from stackpick.worker.backends.base import Job, ModelJob, Prepared
from stackpick.worker.backends.torch_backend.eager import TorchEagerBackend

MODE = "default"


class TorchCompileBackend(TorchEagerBackend):
    """PyTorch with ``torch.compile(backend="inductor")``."""

    def prepare(self, job: Job) -> Prepared:
        self._fresh()
        return super().prepare(job)

    def prepare_model(self, job: ModelJob) -> Prepared:
        self._fresh()
        return super().prepare_model(job)

    @staticmethod
    def _fresh() -> None:
        # One worker runs many cells in turn. Without a reset, dynamo would treat a second batch
        # size as a recompile (switching to dynamic shapes) and, past its recompile limit,
        # silently fall back to eager; each cell must compile fresh, with static shapes.
        torch._dynamo.reset()
        counters.clear()

    def _wrap(self, fn: Callable[..., torch.Tensor], task: str) -> Callable[..., torch.Tensor]:
        return torch.compile(fn, backend="inductor", mode=MODE)

    def _extras(self) -> Extras:
        return Extras(compile_note=f"inductor, mode={MODE}; training compiles forward+loss "
                      "(backward via AOTAutograd), optimizer step eager; first call includes "
                      "compile")

    def _annotate(self, extras: Extras) -> None:
        # Inductor caches compiled graphs on disk across processes, so first-call time depends
        # on whether this graph was compiled before on this machine: record hits and misses.
        extras.graphs = int(counters["stats"]["unique_graphs"])
        extras.graph_breaks = int(sum(counters["graph_break"].values()))
        extras.fx_graph_cache = CacheStats(int(counters["inductor"]["fxgraph_cache_hit"]),
                                           int(counters["inductor"]["fxgraph_cache_miss"]))
