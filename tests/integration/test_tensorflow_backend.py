"""The TensorFlow/Keras backend in real worker processes: parity, threads, devices, corruption.

TensorFlow takes seconds to import, so the parity matrix (3 variants x 3 workloads x 2 tasks)
shares one worker, as a study does: one worker per backend, configured once per variant. The
thread, device and corruption checks each start their own worker through ``setup_cell``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from stackpick.harness.client import WorkerHandle, WorkerUnsupported
from stackpick.harness.single_cell import Probe, setup_cell, setup_in
from stackpick.protocol.cells import Cell
from stackpick.protocol.group_arrays import GroupArrays, build_group_arrays
from stackpick.protocol.messages import WarmupRule
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

# find_spec, not importorskip: TensorFlow must load only in the worker, never in pytest itself.
_MISSING = get_spec("tensorflow").unavailable_reason()
pytestmark = [pytest.mark.integration, pytest.mark.skipif(_MISSING is not None,
                                                          reason=_MISSING or "")]

VARIANTS = ("eager", "graph", "xla")
TASKS = ("inference", "training")
# Even image size on purpose: that is where TF's "same" padding would go asymmetric at stride 2.
TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": [8, 8]},
    "cnn": {"image": 8, "channels": [4, 8]},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}
BATCH = 2
TIMEOUT = 120.0
# The parity matrix needs no timing: keep the setup op's warm-up to a token amount.
SHORT_WARMUP = WarmupRule(window=2, min_windows=1, max_calls=4, max_seconds=0.1)


def _cell(workload: str, variant: str, task: str, device: str = "cpu") -> Cell:
    return Cell(workload, "tensorflow", variant, task, BATCH, device, TINY[workload])


def _materials(cell: Cell) -> GroupArrays:
    return build_group_arrays(get_workload(cell.workload, cell.workload_params), cell.task,
                           cell.batch)


@pytest.fixture(scope="module")
def worker() -> Iterator[WorkerHandle]:
    handle = WorkerHandle("tensorflow", threads=1)
    try:
        yield handle
    finally:
        handle.close()


def _setup_in(handle: WorkerHandle, cell: Cell, materials: GroupArrays) -> Probe:
    """hello + setup in a shared worker with a short warm-up, then release the model."""
    return setup_in(handle, cell, materials, TIMEOUT, SHORT_WARMUP, release=True)


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("workload", list(TINY))
@pytest.mark.parametrize("variant", VARIANTS)
def test_parity(worker: WorkerHandle, variant: str, workload: str, task: str) -> None:
    cell = _cell(workload, variant, task)
    out = _setup_in(worker, cell, _materials(cell))
    assert out.hello.threads == {"intra_op": 1, "inter_op": 1}
    assert out.setup.parity.ok, out.setup.parity
    assert out.setup.extras.variant == variant


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_read_back(threads: int) -> None:
    out = setup_cell(_cell("mlp", "graph", "inference"), threads=threads, timeout=TIMEOUT)
    assert out.hello.threads == {"intra_op": threads, "inter_op": 1}
    assert set(out.hello.versions) == {"tensorflow", "keras"}
    assert out.setup.parity.ok


def test_corrupted_weight_fails_parity() -> None:
    cell = _cell("cnn", "xla", "inference")
    clean = _materials(cell)
    weights = {k: v.copy() for k, v in clean.weights.items()}
    weights["block2.conv1.W"][1, 2, 0, 2] += 0.05  # one element of a stride-2 conv kernel
    corrupted = dataclasses.replace(clean, weights=weights)
    parity = setup_cell(cell, timeout=TIMEOUT, materials_override=corrupted).setup.parity
    assert not parity.ok
    assert parity.max_abs > parity.atol


def test_cuda_without_gpu_is_unsupported() -> None:
    """tensorflow-cpu sees no GPU: a cuda cell is 'unsupported', not an error or a CPU run."""
    try:
        out = setup_cell(_cell("mlp", "graph", "inference", device="cuda"), timeout=TIMEOUT)
    except WorkerUnsupported as exc:
        assert "GPU" in str(exc)
        return
    assert out.hello.device.startswith("cuda")  # a GPU build on a GPU machine
    assert out.setup.parity.ok

