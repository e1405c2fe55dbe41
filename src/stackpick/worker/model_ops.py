"""Worker operations for a user's model (``--model``): load it and compute the reference output,
then try its conversion paths. Imported by the worker; the heavy loaders load on first use.

Each kind has a loader module with the same functions: ``load(spec, backend, state)``,
``make_inputs(spec, loaded)``, ``reference(loaded, inputs)`` and ``describe(loaded)``, and a
module with ``convert(name, ctx)`` (the loader itself, or PyTorch's ``user_routes``); the
worker's backend spec names both (``BackendSpec.loaders``). Mistakes in the user's model raise
:class:`ModelProblem` (one line); the parent turns that into a user error before anything is
measured.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any

import numpy as np

from stackpick.protocol import messages as msg
from stackpick.protocol.conversions import Conversion, ModelAbout, Signature, TensorInfo
from stackpick.protocol.group_arrays import GroupArrays, load_group_arrays, save_group_arrays
from stackpick.registry import BackendSpec, ModelLoader
from stackpick.usermodel.diagnose import ModelProblem, classify, summary
from stackpick.usermodel.spec import ModelSpec
from stackpick.worker.backends.base import Backend, ConvertContext, Outputs


def _declared(spec: BackendSpec, kind: str) -> ModelLoader:
    found = next((m for m in spec.loaders if m.kind == kind), None)
    if found is None:
        raise ModelProblem(f"the {spec.name} worker does not load {kind} models")
    return found


def loader(spec: BackendSpec, kind: str) -> Any:
    """The module that loads ``kind`` models in this worker."""
    return importlib.import_module(_declared(spec, kind).loader)


def converter(spec: BackendSpec, kind: str) -> Any:
    """The module whose ``convert(name, ctx)`` tries ``kind`` models' conversion paths."""
    return importlib.import_module(_declared(spec, kind).converter)


def _arrays(outputs: Outputs) -> list[np.ndarray]:
    return list(outputs.values()) if isinstance(outputs, dict) else [outputs]


def signature(inputs: list[np.ndarray], outputs: Outputs, about: ModelAbout,
              reference_s: float) -> Signature:
    """Shapes and dtypes in and out, the batch (first dim of the first input) and notes."""
    def info(a: np.ndarray) -> TensorInfo:
        return TensorInfo(list(a.shape), str(a.dtype))

    batch = int(inputs[0].shape[0]) if inputs and inputs[0].ndim else 1
    return Signature([info(a) for a in inputs], [info(a) for a in _arrays(outputs)],
                     max(batch, 1), about, reference_s)


def failed_row(name: str, exc: BaseException, seconds: float) -> Conversion:
    """A conversion that raised: its first line and, where a pattern matches, the cause."""
    line, text = summary(exc)
    cause = classify(text)
    row = Conversion(name, "fail_export", seconds, error=line)
    if cause:
        row.cause, row.cause_text = cause
    return row


class ModelOps:
    """The user-model state of one worker: loaded once by ``reference``, reused by ``convert``."""

    def __init__(self, spec: BackendSpec) -> None:
        self.spec = spec
        self.ctx: ConvertContext | None = None

    def reference(self, req: msg.ModelReference, backend: Backend) -> msg.ModelReferenceReply:
        spec = ModelSpec.from_dict(req.model)
        try:
            mod = loader(self.spec, spec.kind)
            loaded = mod.load(spec, backend)
            inputs = mod.make_inputs(spec, loaded)
            t0 = time.perf_counter()
            outputs = mod.reference(loaded, inputs)
            reference_s = time.perf_counter() - t0
            about = mod.describe(loaded)
        except ModelProblem as exc:
            message = str(exc)  # loaders name the flag when it is not --model itself
            if not message.startswith("--"):
                message = f"--model {spec.shown}: {message}"
            return msg.ModelReferenceReply(False, message)
        artifacts: dict[str, str] = {}
        if req.arrays:
            path = Path(req.arrays)
            save_group_arrays(GroupArrays({}, inputs, np.zeros(0), outputs), path)
            if hasattr(mod, "save_state"):  # weights drawn at random must be the same everywhere
                artifacts = mod.save_state(loaded, path.parent)
        self.ctx = ConvertContext(spec, loaded, inputs, outputs, Path("."), backend)
        return msg.ModelReferenceReply(True, signature=signature(inputs, outputs, about,
                                                                 reference_s),
                                       artifacts=artifacts)

    def convert(self, req: msg.ModelConvert, backend: Backend) -> msg.ModelConvertReply:
        ctx = self.ctx or self._reload(req, backend)
        ctx.workdir = Path(req.workdir)
        mod = converter(self.spec, ctx.spec.kind)
        rows: list[Conversion] = []
        for name in req.paths:
            t0 = time.perf_counter()
            try:
                rows.append(mod.convert(name, ctx))
            except Exception as exc:  # a failed conversion is a row of the matrix, not an end
                rows.append(failed_row(name, exc, time.perf_counter() - t0))
        return msg.ModelConvertReply(rows)

    def _reload(self, req: msg.ModelConvert, backend: Backend) -> ConvertContext:
        """A conversion worker other than the reference one: load the model, take the shared
        inputs and reference from the materials file."""
        spec = ModelSpec.from_dict(req.model)
        m = load_group_arrays(req.arrays)
        loaded = loader(self.spec, spec.kind).load(spec, backend,
                                                   state=req.artifacts.get("state"))
        inputs = m.inputs if isinstance(m.inputs, list) else [m.inputs]
        self.ctx = ConvertContext(spec, loaded, inputs, m.reference, Path(req.workdir),
                                  backend)
        return self.ctx
