"""A user's ``.onnx`` file in a worker (imports onnx and onnxruntime).

The ONNX checker runs first; a file it rejects is the user's to fix. The reference output comes
from ONNX Runtime with graph optimisations off, so the timed cell (optimisations on) is checked
against the graph as written: fusions and rewrites must not change the numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort

from stackpick.protocol.conversions import Conversion, ModelAbout
from stackpick.protocol.extras import Extras
from stackpick.usermodel.diagnose import ModelProblem, summary
from stackpick.usermodel.shapes import fill_all, seeded
from stackpick.usermodel.spec import ModelSpec
from stackpick.worker.backends.base import ConvertContext

ORT_TYPES = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
             "tensor(int64)": "int64", "tensor(int32)": "int32", "tensor(int8)": "int8",
             "tensor(uint8)": "uint8", "tensor(bool)": "bool"}


@dataclass
class Loaded:
    path: Path
    session: Any  # ort.InferenceSession, optimisations off
    about: dict[str, Any]
    check_s: float


def session(path: str | Path, options: Any, providers: list[str] | None = None) -> Any:
    """An InferenceSession; a file ONNX Runtime cannot load is the user's problem."""
    try:
        return ort.InferenceSession(str(path), options,
                                    providers=providers or ["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelProblem(f"ONNX Runtime {ort.__version__} cannot load {Path(path).name}: "
                           f"{summary(exc)[0]}; check its opset and operators") from None


def _checked(spec: ModelSpec) -> tuple[Any, float]:
    t0 = time.perf_counter()
    try:
        model = onnx.load(spec.path, load_external_data=False)
    except Exception as exc:
        raise ModelProblem(f"{Path(spec.path).name} is not a readable ONNX model "
                           f"({summary(exc)[0]}); export it again") from None
    try:
        onnx.checker.check_model(spec.path)  # by path: also follows external data files
    except Exception as exc:
        raise ModelProblem(f"the ONNX checker rejects {Path(spec.path).name}: "
                           f"{summary(exc)[0]}; fix or re-export the model (see "
                           "onnx.checker.check_model)") from None
    return model, time.perf_counter() - t0


def load(spec: ModelSpec, backend: Any, state: str | None = None) -> Loaded:
    """Check the file, then open it in ONNX Runtime with optimisations off (the reference).
    (``state`` is for kinds whose weights live outside the file: not ONNX.)"""
    model, check_s = _checked(spec)
    options = backend.session_options_for(ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    about = {"opset": max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          default=None),
             "ir_version": model.ir_version, "producer": model.producer_name or None}
    return Loaded(Path(spec.path), session(spec.path, options), about, check_s)


def input_arrays(sess: Any, spec: ModelSpec) -> list[np.ndarray]:
    """Seeded inputs for a session's graph inputs, shapes filled from ``--input-shape``."""
    inputs = sess.get_inputs()
    shapes = fill_all([i.name for i in inputs], [i.shape for i in inputs], spec.input_shapes)
    out = []
    for item, shape in zip(inputs, shapes, strict=True):
        dtype = ORT_TYPES.get(item.type)
        if dtype is None:
            raise ModelProblem(f"input {item.name!r} has type {item.type}, which stackpick "
                               f"cannot generate; supported: {', '.join(ORT_TYPES)}")
        out.append(seeded(shape, dtype))
    return out


def make_inputs(spec: ModelSpec, loaded: Loaded) -> list[np.ndarray]:
    return input_arrays(loaded.session, spec)


def feed(sess: Any, inputs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Inputs by graph input name, in the order of the forward's arguments."""
    names = [i.name for i in sess.get_inputs()]
    if len(names) != len(inputs):
        raise ValueError(f"the ONNX graph takes {len(names)} inputs, {len(inputs)} given")
    return dict(zip(names, inputs, strict=True))


def as_outputs(arrays: list[Any]) -> np.ndarray | dict[str, np.ndarray]:
    """One array, or ``out0``, ``out1``... in graph order (the order exporters keep)."""
    arrays = [np.asarray(a) for a in arrays]
    return arrays[0] if len(arrays) == 1 else {f"out{i}": a for i, a in enumerate(arrays)}


def run(sess: Any, inputs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
    return as_outputs(sess.run(None, feed(sess, inputs)))


def reference(loaded: Loaded, inputs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
    try:
        return run(loaded.session, inputs)
    except Exception as exc:
        shapes = ", ".join(f"{list(a.shape)} {a.dtype}" for a in inputs)
        raise ModelProblem(f"ONNX Runtime fails on inputs {shapes}: {summary(exc)[0]}; check "
                           "--input-shape (one per input, batch first)") from None


def describe(loaded: Loaded) -> ModelAbout:
    return ModelAbout("ONNX graph", None, dict(loaded.about))


def convert(name: str, ctx: ConvertContext) -> Conversion:
    """The one conversion row of an ONNX file: the checker (already passed at load)."""
    if name != "onnx-check":
        raise ValueError(f"no conversion {name!r} for an ONNX file")
    loaded = ctx.loaded
    about = loaded.about
    return Conversion("onnx-check", "ok", loaded.check_s,
                      artifact_bytes=loaded.path.stat().st_size,
                      extras=Extras(opset=about["opset"], ir_version=about["ir_version"],
                                    producer=about["producer"]))
