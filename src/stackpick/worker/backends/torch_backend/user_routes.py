"""The ways out of a user's PyTorch model, tried once each in a worker: dynamo's graph capture
(what torch.compile will see), torch.export, and ONNX export (dynamo exporter, opset 18).

Each returns one row of the portability matrix; an exception in a path is caught by the caller
and becomes a ``fail_export`` row with the error's first line and, where known, its cause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch._dynamo
from torch._dynamo.utils import counters

from stackpick.protocol.conversions import Conversion
from stackpick.protocol.extras import Extras
from stackpick.usermodel.diagnose import classify, first_line
from stackpick.worker import parity
from stackpick.worker.backends.base import ConvertContext
from stackpick.worker.backends.torch_backend.user_model import host_outputs, tensors

OPSET = 18
MAX_REASONS = 5


def _break_reasons(explain: Any) -> list[str]:
    """Readable graph-break reasons: dynamo's "unimplemented" messages (first line and the
    explanation) first, then explain's terse ones, without repeats."""
    found: list[str] = []
    for text in counters["unimplemented"]:
        lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
        why = next((ln for ln in lines if ln.startswith("Explanation:")), "")
        found.append(f"{lines[0]}: {why.removeprefix('Explanation:').strip()}".rstrip(": "))
    if not found:  # explain's own reasons are terse ("generic_jump TensorVariable()")
        found = [first_line(r.reason) for r in explain.break_reasons]
    return list(dict.fromkeys(r for r in found if r))[:MAX_REASONS]


def dynamo_explain(ctx: ConvertContext) -> Conversion:
    """Graphs and graph breaks torch.compile would get, with reasons (torch._dynamo.explain)."""
    torch._dynamo.reset()
    counters.clear()
    t0 = time.perf_counter()
    explain = torch._dynamo.explain(ctx.loaded.module)(*tensors(ctx.inputs))
    seconds = time.perf_counter() - t0
    reasons = _break_reasons(explain)
    graphs = int(explain.graph_count)
    extras = Extras(graphs=graphs, graph_breaks=max(int(explain.graph_break_count), 0),
                    reasons=reasons, ops=int(explain.op_count))
    if graphs == 0:
        extras.note = "dynamo captured no graph: torch.compile runs the forward eagerly"
    row = Conversion("dynamo-explain", "ok", seconds, extras=extras)
    cause = classify("\n".join(reasons)) if reasons else None
    if cause:
        row.cause, row.cause_text = cause
    torch._dynamo.reset()  # the next path starts from a clean dynamo cache
    return row


def torch_export(ctx: ConvertContext) -> Conversion:
    """torch.export.export with the example inputs' static shapes; saved as .pt2; its module
    run once against the reference."""
    args = tensors(ctx.inputs)
    t0 = time.perf_counter()
    program = torch.export.export(ctx.loaded.module, args)
    seconds = time.perf_counter() - t0
    path = Path(ctx.workdir) / "model.pt2"
    torch.export.save(program, str(path))
    with torch.inference_mode():
        result = parity.check("inference", host_outputs(program.module()(*args)), ctx.reference)
    return Conversion("torch.export", "ok" if result.ok else "fail_parity", seconds,
                      artifact_bytes=path.stat().st_size, parity=result)


def onnx_export(ctx: ConvertContext) -> Conversion:
    """torch.onnx.export(dynamo=True), then the ONNX checker. The file is the artifact the
    onnxruntime cell runs, so its parity is that cell's."""
    from stackpick.registry import get_spec

    missing = get_spec("onnxruntime").unavailable_reason()
    if missing:
        return Conversion("onnx-export", "unavailable", reason=missing)
    import onnx  # here, not at the top: a torch-only install still gets the other rows
    path = Path(ctx.workdir) / "model.onnx"
    t0 = time.perf_counter()
    torch.onnx.export(ctx.loaded.module, tensors(ctx.inputs), str(path), dynamo=True,
                      opset_version=OPSET, external_data=False, verbose=False)
    seconds = time.perf_counter() - t0
    onnx.checker.check_model(str(path))
    return Conversion("onnx-export", "ok", seconds, str(path), path.stat().st_size,
                      extras=Extras(opset=OPSET, exporter="torch.onnx.export(dynamo=True)"))


PATHS: dict[str, Callable[[ConvertContext], Conversion]] = {
    "dynamo-explain": dynamo_explain, "torch.export": torch_export, "onnx-export": onnx_export,
}


def convert(name: str, ctx: ConvertContext) -> Conversion:
    """Try conversion path ``name`` on the loaded model (a row of the portability matrix)."""
    return PATHS[name](ctx)
