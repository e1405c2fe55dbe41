"""One cold start, in a fresh process: imports, artifact load, first call, parity.

Run as ``python -m stackpick.worker.cold_start REQUEST.json RESULT.json`` by
:mod:`stackpick.harness.cold_start`. The parent notes the wall clock before it starts this
process, so the import phase includes the interpreter's own start. A deployable artifact
(``.tflite``, ``.pte``, ``.onnx``) is loaded with its runtime alone
(:data:`stackpick.worker.artifacts.LOADERS`); a backend without one rebuilds its model from
the weights with ``prepare``, as a service that ships model code and a weights file does.
Reading the weights and inputs from disk is timed apart and left out of the phases.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def _stamp() -> float:
    return time.time()  # wall clock: comparable with the parent's, unlike perf_counter


def cold_start(req: dict[str, Any]) -> dict[str, Any]:
    """Phases of one cold start as wall-clock stamps; the output's parity against the
    reference decides whether this was a first *correct* output."""
    from stackpick.worker import artifacts

    artifact = req.get("artifact") or {}
    loader = artifact.get("loader")
    backend = None
    if loader:
        artifacts.LOADERS[loader][0]()
    else:
        from stackpick.registry import all_specs, load_backend_class

        cls = load_backend_class(all_specs()[req["backend"]])
        backend = cls(threads=req["threads"], device=req["device"], variant=req["variant"])
        backend.configure()
    imported = _stamp()
    import numpy as np

    from stackpick.protocol.group_arrays import load_group_arrays
    from stackpick.worker import parity

    m = load_group_arrays(req["materials"])
    tolerance = artifact.get("tolerance")
    if loader:
        x = np.load(artifact["input"])
        io_s = _stamp() - imported
        call = artifacts.LOADERS[loader][1](artifact["path"], req["threads"], x)
        fetch = call
    else:
        io_s = _stamp() - imported
        prepared = _prepare(backend, req, m)
        call, fetch, tolerance = prepared.call, prepared.fetch, prepared.tolerance
    loaded = _stamp()
    call()
    called = _stamp()
    check = parity.check_cell(req["cell"]["task"], fetch(), m.reference,
                              tuple(tolerance) if tolerance else None)
    return {"imported": imported, "loaded": loaded - io_s, "called": called - io_s,
            "io_s": io_s, "parity_ok": bool(check["ok"]), "loader": loader or "prepare"}


def _prepare(backend: Any, req: dict[str, Any], m: Any) -> Any:
    from stackpick.worker.backends.base import Job
    from stackpick.workloads import get_workload

    cell = req["cell"]
    workload = get_workload(cell["workload"], cell.get("workload_params") or {})
    return backend.prepare(Job(workload, cell["task"], cell["batch"], m.weights, m.inputs,
                               m.labels))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    req = json.loads(Path(args[0]).read_text())
    sys.stdout = sys.stderr  # framework chatter must not matter; the result goes to a file
    try:
        result = cold_start(req)
    except Exception as exc:  # reported to the parent as data
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    Path(args[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
