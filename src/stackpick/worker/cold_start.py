"""One cold start, in a fresh process: imports, artifact load, first call, parity.

Run as ``python -m stackpick.worker.cold_start REQUEST.json RESULT.json`` by
:mod:`stackpick.harness.cold_start`. The parent notes the wall clock before it starts this
process, so the import phase includes the interpreter's own start. A deployable artifact
(``.tflite``, ``.pte``, ``.onnx``) is loaded with its runtime alone (the runner module of the
backend that wrote it, :mod:`stackpick.worker.artifacts`); a backend without one rebuilds its
model from the weights with ``prepare``, as a service that ships model code and a weights
file does.
Reading the weights and inputs from disk is timed apart and left out of the phases.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from stackpick.protocol.cold_start import ColdStartRequest, ColdStartStamps

if TYPE_CHECKING:
    from stackpick.protocol.group_arrays import GroupArrays
    from stackpick.worker.backends.base import Backend, Prepared


def _stamp() -> float:
    return time.time()  # wall clock: comparable with the parent's, unlike perf_counter


def cold_start(req: ColdStartRequest) -> ColdStartStamps:
    """Phases of one cold start as wall-clock stamps; the output's parity against the
    reference decides whether this was a first *correct* output."""
    artifact = req.artifact
    backend = None
    if artifact is not None:
        from stackpick.worker.artifacts import runner_of

        runner = runner_of(artifact)
        runner.import_runtime()
    else:
        from stackpick.registry import get_spec, load_backend_class

        spec = get_spec(req.backend)
        cls = load_backend_class(spec)
        backend = cls(threads=req.threads, device=req.device,
                      variant=spec.resolve_variant(req.variant))
        backend.configure()
    imported = _stamp()
    import numpy as np

    from stackpick.protocol.group_arrays import load_group_arrays
    from stackpick.worker import parity

    m = load_group_arrays(req.materials)
    if artifact is not None:
        x = np.load(artifact.input)
        io_s = _stamp() - imported
        call = runner.load(artifact.path, req.threads, x)
        fetch, tolerance = call, artifact.tolerance
    else:
        io_s = _stamp() - imported
        prepared = _prepare(backend, req, m)
        call, fetch, tolerance = prepared.call, prepared.fetch, prepared.tolerance
    loaded = _stamp()
    call()
    called = _stamp()
    check = parity.check_cell(req.cell.task, fetch(), m.reference, tolerance)
    return ColdStartStamps(imported, loaded - io_s, called - io_s, io_s, check.ok,
                           artifact.loader if artifact else "prepare")


def _prepare(backend: Backend | None, req: ColdStartRequest, m: GroupArrays) -> Prepared:
    from stackpick.worker.backends.base import Job
    from stackpick.workloads import get_workload

    assert backend is not None and not isinstance(m.inputs, list)  # reference workloads
    cell = req.cell
    workload = get_workload(cell.workload, cell.workload_params)
    return backend.prepare(Job(workload, cell.task, cell.batch, m.weights, m.inputs, m.labels))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    req = msgspec.json.decode(Path(args[0]).read_bytes(), type=ColdStartRequest)
    sys.stdout = sys.stderr  # framework chatter must not matter; the result goes to a file
    try:
        result = cold_start(req)
    except Exception as exc:  # reported to the parent as data
        result = ColdStartStamps(error=f"{type(exc).__name__}: {exc}"[:500])
    Path(args[1]).write_bytes(msgspec.json.encode(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
