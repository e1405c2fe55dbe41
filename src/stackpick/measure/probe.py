"""Build one cell in a fresh worker and return what the worker said (no timing rounds).

Used by integration tests and by ``benchmarks/`` scripts: hello + setup, then close.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from stackpick.measure.client import WorkerHandle
from stackpick.measure.materials import build_materials, save_materials
from stackpick.measure.plan import Cell
from stackpick.workloads import get_workload


def setup_cell(cell: Cell, threads: int = 1, timeout: float = 300.0,
               materials_override: Any = None) -> dict[str, Any]:
    """``{"hello": ..., "setup": ...}`` for ``cell``; worker failures propagate as exceptions.

    ``materials_override`` (a :class:`Materials`) lets a test corrupt weights or references.
    """
    workload = get_workload(cell.workload, cell.workload_params)
    materials = materials_override or build_materials(workload, cell.task, cell.batch)
    with tempfile.TemporaryDirectory(prefix="stackpick-") as tmp:
        path = Path(tmp) / "materials.npz"
        save_materials(materials, path)
        handle = WorkerHandle(cell.backend, threads, cell.device, variant=cell.variant)
        try:
            hello = handle.request("hello", timeout, variant=cell.variant)
            setup = handle.request("setup", timeout, key=cell.key, materials=str(path),
                                   cell=cell.to_dict())
            return {"hello": hello, "setup": setup}
        finally:
            handle.close()
