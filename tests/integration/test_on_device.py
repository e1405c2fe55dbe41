"""The on-device runtimes in real worker processes: LiteRT and ExecuTorch on tiny workloads, and
the cold-start pass in fresh processes.

Parity against the float64 reference for each conversion route, the stated int8 tolerance,
XNNPACK's share of operators, thread counts set and read back, and a cold start that loads the
artifact with its runtime alone. One worker per backend serves every variant, as in a study.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stackpick.harness.client import WorkerHandle
from stackpick.harness.cold_start import ColdStartPass
from stackpick.harness.plan import Cell
from stackpick.harness.single_cell import Probe, setup_in
from stackpick.protocol.group_arrays import build_group_arrays, save_group_arrays
from stackpick.protocol.messages import Release, WarmupRule
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

_LITERT = get_spec("litert").unavailable_reason()
_EXECUTORCH = get_spec("executorch").unavailable_reason()
needs_litert = pytest.mark.skipif(_LITERT is not None, reason=_LITERT or "")
needs_executorch = pytest.mark.skipif(_EXECUTORCH is not None, reason=_EXECUTORCH or "")
pytestmark = [pytest.mark.integration, pytest.mark.slow]

TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": [8, 8]},
    "cnn": {"image": 8, "channels": [4, 8]},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}
THREADS = 2
TIMEOUT = 240.0
SHORT_WARMUP = WarmupRule(window=2, min_windows=1, max_calls=4, max_seconds=0.1)


def _cell(backend: str, variant: str, workload: str) -> Cell:
    return Cell(workload, backend, variant, "inference", 1, "cpu", TINY[workload])


@pytest.fixture(scope="module")
def workers() -> Iterator[dict[str, WorkerHandle]]:
    pool: dict[str, WorkerHandle] = {}
    try:
        yield pool
    finally:
        for handle in pool.values():
            handle.close()


def _worker(pool: dict[str, WorkerHandle], backend: str) -> WorkerHandle:
    if backend not in pool:
        pool[backend] = WorkerHandle(backend, threads=THREADS)
    return pool[backend]


def _setup(pool: dict[str, WorkerHandle], cell: Cell) -> Probe:
    handle = _worker(pool, cell.backend)
    arrays = build_group_arrays(get_workload(cell.workload, cell.workload_params), cell.task,
                                cell.batch)
    return setup_in(handle, cell, arrays, TIMEOUT, SHORT_WARMUP, release=True)


LITERT = [("from-keras", w) for w in TINY] + [("from-torch", "transformer")]


@needs_litert
@pytest.mark.parametrize(("variant", "workload"), LITERT)
def test_litert_parity(workers: dict[str, WorkerHandle], variant: str, workload: str) -> None:
    out = _setup(workers, _cell("litert", variant, workload))
    setup = out.setup
    assert out.hello.threads["intra_op"] == THREADS
    assert setup.parity.ok, setup.parity
    extras = setup.extras
    assert (extras.artifact_bytes or 0) > 0 and (extras.delegate_partitions or 0) >= 1
    assert extras.threads_observed == THREADS  # XNNPACK's pool, seen in /proc


@needs_litert
def test_litert_int8_is_judged_on_its_stated_tolerance(workers: dict[str, WorkerHandle]) -> None:
    parity = _setup(workers, _cell("litert", "from-keras-int8", "mlp")).setup.parity
    assert parity.ok, parity
    assert "int8" in (parity.tolerance or "")
    assert parity.atol is not None and parity.float32_atol is not None
    assert parity.atol > parity.float32_atol
    assert isinstance(parity.float32_ok, bool)


EXECUTORCH = [("xnnpack", "cnn"), ("xnnpack", "transformer"), ("portable", "mlp")]


@needs_executorch
@pytest.mark.parametrize(("variant", "workload"), EXECUTORCH)
def test_executorch_parity(workers: dict[str, WorkerHandle], variant: str,
                           workload: str) -> None:
    out = _setup(workers, _cell("executorch", variant, workload))
    setup = out.setup
    assert out.hello.threads["intra_op"] == THREADS  # ExecuTorch's pool, read back
    assert setup.parity.ok, setup.parity
    delegation = setup.extras.delegation
    assert delegation is not None
    if variant == "xnnpack":  # the matmuls at least; attention's reshapes may stay portable
        assert delegation.delegated_ops > 0 and delegation.delegated_subgraphs >= 1
    else:
        assert delegation.delegated_share == 0.0


@needs_litert
def test_cold_start_loads_the_artifact_alone(workers: dict[str, WorkerHandle],
                                            tmp_path: Path) -> None:
    """Two fresh processes load the .tflite with ai-edge-litert only and check the output."""
    cell = _cell("litert", "from-keras", "mlp")
    arrays = build_group_arrays(get_workload("mlp", TINY["mlp"]), "inference", 1)
    path = tmp_path / "arrays.npz"
    save_group_arrays(arrays, path)
    handle = _worker(workers, "litert")
    setup_in(handle, cell, arrays, TIMEOUT, SHORT_WARMUP)
    try:
        cold = ColdStartPass(THREADS, "cpu", runs=2).measure_once(cell, handle, path)
    finally:
        handle.call(Release(cell.key), TIMEOUT)
    assert cold is not None and cold.runs == 2 and cold.what == "tflite", cold
    assert cold.import_s is not None and cold.total_s is not None
    assert 0 < cold.import_s < cold.total_s
    assert (cold.load_s or 0) >= 0 and (cold.first_call_s or 0) >= 0
