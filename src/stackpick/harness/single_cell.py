"""Build one cell in a fresh worker and return what the worker said (no timing rounds).

Used by integration tests and by ``benchmarks/`` scripts: hello + setup, then close.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from stackpick.harness.client import WorkerHandle
from stackpick.harness.plan import Cell
from stackpick.protocol.group_arrays import GroupArrays, build_group_arrays, save_group_arrays
from stackpick.workloads import get_workload


def setup_in(handle: WorkerHandle, cell: Cell, materials: GroupArrays, timeout: float,
             warmup: dict[str, Any] | None = None, release: bool = False) -> dict[str, Any]:
    """hello + setup of ``cell`` in a running worker; ``release`` frees the model after."""
    hello = handle.request("hello", timeout, variant=cell.variant)
    extra = {"warmup": warmup} if warmup else {}
    with tempfile.TemporaryDirectory(prefix="stackpick-") as tmp:
        path = Path(tmp) / "materials.npz"
        save_group_arrays(materials, path)
        setup = handle.request("setup", timeout, key=cell.key, materials=str(path),
                               cell=cell.to_dict(), **extra)
    if release:
        handle.request("release", timeout, key=cell.key)
    return {"hello": hello, "setup": setup}


def setup_cell(cell: Cell, threads: int = 1, timeout: float = 300.0,
               materials_override: GroupArrays | None = None) -> dict[str, Any]:
    """``{"hello": ..., "setup": ...}`` for ``cell`` in a fresh worker; worker failures
    propagate as exceptions. ``materials_override`` lets a test corrupt weights or references.
    """
    workload = get_workload(cell.workload, cell.workload_params)
    materials = materials_override or build_group_arrays(workload, cell.task, cell.batch)
    handle = WorkerHandle(cell.backend, threads, cell.device, variant=cell.variant)
    try:
        return setup_in(handle, cell, materials, timeout)
    finally:
        handle.close()
