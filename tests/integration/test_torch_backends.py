"""The PyTorch-family backends in real worker processes: torch, torch-compile, onnxruntime.

Parity of every tiny workload against the float64 reference (inference for all three, training
for the two torch backends), thread read-back, unsupported CUDA, and a corrupted weight that
must fail parity. As in a study, one worker per backend serves many cells; torch.compile costs
seconds per graph on a small machine, so it gets two cells only (one per task).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stackpick.harness.client import WorkerHandle, WorkerUnsupported
from stackpick.harness.single_cell import Probe, setup_in
from stackpick.protocol.cells import Cell
from stackpick.protocol.extras import Extras
from stackpick.protocol.group_arrays import GroupArrays, build_group_arrays
from stackpick.protocol.messages import WarmupRule
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

# find_spec, not importorskip: the frameworks load only in workers, never in pytest itself.
_MISSING = get_spec("torch").unavailable_reason()
_MISSING_ONNX = get_spec("onnxruntime").unavailable_reason()
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")]
needs_onnx = pytest.mark.skipif(_MISSING_ONNX is not None, reason=_MISSING_ONNX or "")

BACKENDS = ("torch", "torch-compile", "onnxruntime")
TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": [8, 8]},
    "cnn": {"image": 8, "channels": [4, 8]},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}
BATCH = 2
TIMEOUT = 180.0  # a cold inductor compile on 2 busy cores takes tens of seconds
# The parity checks need no timing: keep the setup op's warm-up to a token amount.
SHORT_WARMUP = WarmupRule(window=2, min_windows=1, max_calls=4, max_seconds=0.1)


def _cell(backend: str, workload: str, task: str, device: str = "cpu") -> Cell:
    return Cell(workload, backend, "default", task, BATCH, device, TINY[workload])


def _materials(cell: Cell) -> GroupArrays:
    return build_group_arrays(get_workload(cell.workload, cell.workload_params), cell.task,
                           cell.batch)


def _corrupt(materials: GroupArrays, name: str, index: tuple[int, ...]) -> GroupArrays:
    weights = {k: v.copy() for k, v in materials.weights.items()}
    weights[name][index] += 0.05
    return dataclasses.replace(materials, weights=weights)


class Workers:
    """One worker per backend (threads=1), started on first use, as a study does."""

    def __init__(self) -> None:
        self.handles: dict[str, WorkerHandle] = {}

    def __getitem__(self, backend: str) -> WorkerHandle:
        if backend not in self.handles:
            self.handles[backend] = WorkerHandle(backend, threads=1)
        return self.handles[backend]


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    pool = Workers()
    try:
        yield pool
    finally:
        for handle in pool.handles.values():
            handle.close()


def _setup_in(handle: WorkerHandle, cell: Cell, materials: GroupArrays) -> Probe:
    """hello + setup in a shared worker with a short warm-up, then release the model."""
    return setup_in(handle, cell, materials, TIMEOUT, SHORT_WARMUP, release=True)


PARITY = [
    *[("torch", w, t) for w in TINY for t in ("inference", "training")],
    *[pytest.param("onnxruntime", w, "inference", marks=needs_onnx) for w in TINY],
    # Attention, embeddings, LayerNorm, GELU through inductor; conv + frozen BN backward.
    ("torch-compile", "transformer", "inference"),
    ("torch-compile", "cnn", "training"),
]


# What each backend must say about its build (checked on the parity cells, at no extra cost).
EXTRAS_CHECKS: dict[str, Callable[[Extras], bool]] = {
    "torch": lambda e: e == Extras(),
    # One graph, no break: a break would silently run part of the model eagerly.
    "torch-compile": lambda e: (e.graphs, e.graph_breaks) == (1, 0)
    and "inductor" in (e.compile_note or ""),
    "onnxruntime": lambda e: (e.export_s or 0) > 0 and (e.artifact_bytes or 0) > 0
    and e.opset == 18 and e.providers == ["CPUExecutionProvider"],
}


@pytest.mark.parametrize(("backend", "workload", "task"), PARITY)
def test_parity(workers: Workers, backend: str, workload: str, task: str) -> None:
    cell = _cell(backend, workload, task)
    out = _setup_in(workers[backend], cell, _materials(cell))
    assert out.hello.threads["intra_op"] == 1
    assert out.setup.parity.ok, out.setup.parity
    assert EXTRAS_CHECKS[backend](out.setup.extras), out.setup.extras


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("backend", [*BACKENDS[:2], pytest.param(BACKENDS[2], marks=needs_onnx)])
def test_threads_read_back(backend: str, threads: int) -> None:
    """Thread settings are applied in ``configure``: the hello answer is enough to check them."""
    handle = WorkerHandle(backend, threads=threads)
    try:
        hello = handle.request("hello", TIMEOUT, variant="default")
    finally:
        handle.close()
    assert hello["threads"]["intra_op"] == threads
    assert hello["threads"]["inter_op"] == 1
    assert "torch" in hello["versions"]


CORRUPTIONS = [
    ("torch", "mlp", "inference", "fc1.W", (0, 0)),  # a transposed nn.Linear weight
    pytest.param("onnxruntime", "transformer", "inference", "layer0.attn.k.W", (3, 5),
                 marks=needs_onnx),  # inside the fused q/k/v projection
    ("torch", "cnn", "training", "block2.shortcut.W", (1, 2, 0, 0)),  # stride-2 1x1 conv
]


@pytest.mark.parametrize(("backend", "workload", "task", "name", "index"), CORRUPTIONS)
def test_corrupted_weight_fails_parity(workers: Workers, backend: str,
                                       workload: str, task: str, name: str,
                                       index: tuple[int, ...]) -> None:
    cell = _cell(backend, workload, task)
    materials = _corrupt(_materials(cell), name, index)
    parity = _setup_in(workers[backend], cell, materials).setup.parity
    assert not parity.ok
    assert parity.max_abs is not None and parity.atol is not None
    assert parity.max_abs > parity.atol


@pytest.mark.parametrize("backend", ["torch", pytest.param("onnxruntime", marks=needs_onnx)])
def test_cuda_without_gpu_is_unsupported(backend: str) -> None:
    """A CPU build sees no GPU: a cuda cell is 'unsupported', not an error or a CPU run."""
    handle = WorkerHandle(backend, threads=1, device="cuda")
    try:
        hello = handle.request("hello", TIMEOUT, variant="default")
    except WorkerUnsupported as exc:
        assert "CUDA" in str(exc)
        return
    finally:
        handle.close()
    assert hello["device"].startswith("cuda")  # a GPU build on a GPU machine
