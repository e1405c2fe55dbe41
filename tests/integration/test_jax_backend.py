"""The JAX backend in real worker processes, on tiny workloads: parity, threads, device check.

JAX is never imported here: every cell runs in a worker started by ``setup_cell``.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from stackpick.harness.client import WorkerUnsupported
from stackpick.harness.single_cell import setup_cell
from stackpick.protocol.cells import Cell
from stackpick.protocol.group_arrays import build_group_arrays
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

_missing = get_spec("jax").unavailable_reason()
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(_missing is not None, reason=_missing or "")]

TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": [8, 8]},
    "cnn": {"image": 8, "channels": [4, 8]},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}
BATCH = 3


def tiny_cell(workload: str, task: str, device: str = "cpu") -> Cell:
    return Cell(workload, "jax", "default", task, BATCH, device, TINY[workload])


@pytest.mark.parametrize("task", ["inference", "training"])
@pytest.mark.parametrize("workload", sorted(TINY))
def test_parity_with_the_float64_reference(workload: str, task: str) -> None:
    out = setup_cell(tiny_cell(workload, task))
    parity = out.setup.parity
    assert parity.ok, parity
    assert parity.max_abs < 1e-5  # float32 rounding only, far inside the tolerance
    assert out.setup.extras.compile_s > 0  # the first call compiled, and was recorded


@pytest.mark.parametrize("threads", [1, 2])
def test_thread_count_is_enforced_and_read_back(threads: int) -> None:
    if len(os.sched_getaffinity(0)) < threads:
        pytest.skip(f"needs {threads} CPUs")
    hello = setup_cell(tiny_cell("mlp", "inference"), threads=threads).hello
    got = hello.threads
    assert got["intra_op"] == threads, got
    assert len(got["cpus"]) == threads
    assert "tf_XLAEigen" in got["how"]  # read back from the pool, not just echoed
    assert hello.versions["jax"] and hello.versions["jaxlib"]
    assert hello.device == "cpu"
    assert hello.details["matmul_precision"] == "highest"


def test_a_corrupted_weight_fails_parity() -> None:
    cell = tiny_cell("mlp", "inference")
    workload = get_workload(cell.workload, cell.workload_params)
    materials = build_group_arrays(workload, cell.task, cell.batch)
    materials.weights["fc2.W"] = materials.weights["fc2.W"] + 0.05  # reference left as it was
    parity = setup_cell(cell, materials_override=materials).setup.parity
    assert not parity.ok
    assert parity.max_abs > 1e-3


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a GPU may be visible")
def test_cuda_without_a_gpu_is_unsupported() -> None:
    with pytest.raises(WorkerUnsupported, match="no GPU"):
        setup_cell(tiny_cell("mlp", "inference", device="cuda"))


@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="no NVIDIA GPU here")
@pytest.mark.parametrize("task", ["inference", "training"])
def test_cuda_keeps_fp32_and_parity(task: str) -> None:
    out = setup_cell(tiny_cell("transformer", task, device="cuda"))
    assert out.hello.device == "cuda"
    assert out.hello.details["matmul_precision"] == "highest"  # no TF32 behind float32's back
    assert out.setup.parity.ok, out.setup.parity
