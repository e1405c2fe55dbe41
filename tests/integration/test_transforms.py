"""The transformation tasks in real workers, on tiny workloads: every framework's native
transformation and its naive loop pass parity against the float64 references, and say what
ran. One worker per framework serves all of its cells (framework imports are slow)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stackpick.harness.client import WorkerHandle
from stackpick.harness.plan import Cell
from stackpick.harness.single_cell import setup_in
from stackpick.protocol.group_arrays import build_group_arrays
from stackpick.protocol.messages import SetupReply, WarmupRule
from stackpick.registry import get_spec
from stackpick.workloads import get_workload

pytestmark = pytest.mark.integration

TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 12, "hidden": [8, 8], "classes": 4},
    "cnn": {"image": 6, "channels": [3, 4], "classes": 4},
    "transformer": {"vocab": 30, "seq": 6, "d_model": 8, "heads": 2, "ffn": 16, "layers": 1,
                    "classes": 4},
}
WARMUP = WarmupRule(window=2, min_windows=1, max_calls=4, max_seconds=0.2)
NATIVE = {"torch": "default", "jax": "default", "tensorflow": "graph"}
CELLS = [*((wl, task, v) for wl, task in (("mlp", "per_example_grad"), ("mlp", "hvp"),
                                          ("mlp", "jacobian")) for v in ("native", "loop")),
         ("cnn", "per_example_grad", "native")]  # convolutions under vmap / pfor


@pytest.fixture(scope="module", params=sorted(NATIVE))
def worker(request: pytest.FixtureRequest) -> Iterator[tuple[str, WorkerHandle]]:
    name = request.param
    missing = get_spec(name).unavailable_reason()
    if missing:
        pytest.skip(missing)
    handle = WorkerHandle(name, 1, "cpu", variant=NATIVE[name])
    try:
        yield name, handle
    finally:
        handle.close()


def _setup(handle: WorkerHandle, backend: str, variant: str, workload: str,
           task: str) -> SetupReply:
    cell = Cell(workload, backend, variant, task, 3, "cpu", TINY[workload])
    arrays = build_group_arrays(get_workload(workload, TINY[workload]), task, 3)
    return setup_in(handle, cell, arrays, 300, warmup=WARMUP, release=True).setup


@pytest.mark.parametrize(("workload", "task", "kind"), CELLS)
def test_transformation_passes_parity_and_names_its_api(worker: tuple[str, WorkerHandle],
                                                        workload: str, task: str,
                                                        kind: str) -> None:
    backend, handle = worker
    variant = "loop" if kind == "loop" else NATIVE[backend]
    setup = _setup(handle, backend, variant, workload, task)
    assert setup.parity.ok, setup.parity
    assert setup.parity.max_abs < 1e-5  # float32 rounding only
    extras = setup.extras
    assert extras.capability == ("baseline" if kind == "loop" else "native"), extras
    assert extras.api


def test_torch_vmap_fallback_is_reported_as_a_workaround(
        worker: tuple[str, WorkerHandle]) -> None:
    """No batching rule for CPU flash attention in torch 2.13: vmap loops, and says so."""
    backend, handle = worker
    if backend != "torch":
        pytest.skip("a torch.func behaviour")
    setup = _setup(handle, "torch", "default", "transformer", "per_example_grad")
    assert setup.parity.ok, setup.parity
    assert setup.extras.capability == "workaround"
    assert "batching rule" in (setup.extras.workaround or "")
