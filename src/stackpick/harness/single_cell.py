"""Build one cell in a fresh worker and return what the worker said, as typed replies (no
timing rounds): the probe that integration tests and ``benchmarks/`` scripts use (hello +
setup, then close).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from stackpick.harness.client import WorkerHandle
from stackpick.protocol.cells import Cell
from stackpick.protocol.group_arrays import GroupArrays, build_group_arrays, save_group_arrays
from stackpick.protocol.messages import Hello, HelloReply, Release, Setup, SetupReply, WarmupRule
from stackpick.workloads import get_workload


@dataclass
class Probe:
    """The worker's answers: its framework as configured, and the cell's set-up."""

    hello: HelloReply
    setup: SetupReply


def setup_in(handle: WorkerHandle, cell: Cell, materials: GroupArrays, timeout: float,
             warmup: WarmupRule | None = None, release: bool = False) -> Probe:
    """hello + setup of ``cell`` in a running worker; ``release`` frees the model after."""
    hello = handle.call(Hello(cell.variant), timeout)
    with tempfile.TemporaryDirectory(prefix="stackpick-") as tmp:
        path = Path(tmp) / "arrays.npz"
        save_group_arrays(materials, path)
        setup = handle.call(Setup(cell.key, str(path), cell, warmup=warmup), timeout)
    if release:
        handle.call(Release(cell.key), timeout)
    return Probe(hello, setup)


def setup_cell(cell: Cell, threads: int = 1, timeout: float = 300.0,
               materials_override: GroupArrays | None = None) -> Probe:
    """The probe of ``cell`` in a fresh worker; worker failures propagate as exceptions.
    ``materials_override`` lets a test corrupt weights or references."""
    workload = get_workload(cell.workload, cell.workload_params)
    materials = materials_override or build_group_arrays(workload, cell.task, cell.batch)
    handle = WorkerHandle(cell.backend, threads, cell.device, variant=cell.variant)
    try:
        return setup_in(handle, cell, materials, timeout)
    finally:
        handle.close()
