"""A user's ``.keras`` file in a worker whose Keras backend was chosen by ``KERAS_BACKEND``.

Loads with ``safe_mode`` on (Keras refuses to deserialise lambdas, which would be code), and
``compile=False`` (no optimizer needed for inference). The conversion paths are the ones Keras 3
offers itself: ``model.export`` to a TensorFlow SavedModel (what TF Serving loads) on the
TensorFlow backend, and to ONNX on the PyTorch backend (run here in ONNX Runtime).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from stackpick.protocol.conversions import Conversion, ModelAbout
from stackpick.usermodel.diagnose import ModelProblem, summary
from stackpick.usermodel.shapes import fill_all, seeded
from stackpick.usermodel.spec import ModelSpec
from stackpick.worker import parity
from stackpick.worker.backends.base import ConvertContext


@dataclass
class Loaded:
    model: Any  # keras.Model


def load(spec: ModelSpec, backend: Any = None, state: str | None = None) -> Loaded:
    """The model from its file (weights included, so ``state`` is unused)."""
    try:
        return Loaded(keras.saving.load_model(spec.path, compile=False, safe_mode=True))
    except Exception as exc:
        saved = spec.saved_by or "an unknown Keras version"
        major = keras.__version__.split(".")[0]
        raise ModelProblem(
            f"Keras {keras.__version__} ({keras.backend.backend()} backend) cannot load "
            f"{Path(spec.path).name}, saved by {saved}: {summary(exc)[0]}; re-save it with "
            f"Keras {major} (model.save('model.keras')), or load it where it was saved"
        ) from None


def make_inputs(spec: ModelSpec, loaded: Loaded) -> list[np.ndarray]:
    """Seeded inputs for the model's declared inputs (open dims from ``--input-shape``)."""
    declared = getattr(loaded.model, "inputs", None)
    if not declared:
        if not spec.input_shapes:
            raise ModelProblem("the model does not declare its inputs; pass --input-shape "
                               "(one per input, batch first)")
        return [seeded(s, spec.dtype_of(i)) for i, s in enumerate(spec.input_shapes)]
    names = [getattr(t, "name", f"input{i}") for i, t in enumerate(declared)]
    shapes = fill_all(names, [tuple(t.shape) for t in declared], spec.input_shapes)
    return [seeded(s, str(t.dtype)) for s, t in zip(shapes, declared, strict=True)]


def model_inputs(inputs: list[np.ndarray]) -> Any:
    """What the model is called with: one array, or a list in the declared order."""
    return inputs[0] if len(inputs) == 1 else list(inputs)


def as_outputs(out: Any) -> np.ndarray | dict[str, np.ndarray]:
    """One array, or ``out0``, ``out1``... in ``keras.tree`` order."""
    arrays = [np.asarray(keras.ops.convert_to_numpy(t)) for t in keras.tree.flatten(out)]
    return arrays[0] if len(arrays) == 1 else {f"out{i}": a for i, a in enumerate(arrays)}


def reference(loaded: Loaded, inputs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
    """The model called eagerly, ``training=False``."""
    try:
        return as_outputs(loaded.model(model_inputs(inputs), training=False))
    except Exception as exc:
        shapes = ", ".join(f"{list(a.shape)} {a.dtype}" for a in inputs)
        raise ModelProblem(f"the model fails on inputs {shapes}: {summary(exc)[0]}; check "
                           "--input-shape (one per input, batch first)") from None


def describe(loaded: Loaded) -> ModelAbout:
    return ModelAbout(type(loaded.model).__name__, int(loaded.model.count_params()),
                      {"keras": keras.__version__})


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _row(name: str, seconds: float, path: Path, out: Any, ctx: ConvertContext) -> Conversion:
    result = parity.check("inference", as_outputs(out), ctx.reference)
    return Conversion(name, "ok" if result.ok else "fail_parity", seconds,
                      artifact_bytes=_size(path), parity=result)


def savedmodel(ctx: ConvertContext) -> Conversion:
    """``model.export(format="tf_saved_model")``, reloaded with tf.saved_model and served once."""
    import tensorflow as tf

    path = Path(ctx.workdir) / "savedmodel"
    t0 = time.perf_counter()
    ctx.loaded.model.export(str(path), format="tf_saved_model", verbose=False)
    seconds = time.perf_counter() - t0
    reloaded = tf.saved_model.load(str(path))  # kept: serve() needs its variables alive
    served = reloaded.serve(model_inputs(ctx.inputs))
    return _row("keras-savedmodel", seconds, path, served, ctx)


def onnx_export(ctx: ConvertContext) -> Conversion:
    """``model.export(format="onnx")``, then one run in ONNX Runtime."""
    from stackpick.registry import get_spec

    missing = get_spec("onnxruntime").unavailable_reason()
    if missing:
        return Conversion("keras-onnx", "unavailable", reason=missing)
    from stackpick.worker.backends.ort_backend import user_model as user_onnx
    from stackpick.worker.backends.ort_backend.backend import session_options

    path = Path(ctx.workdir) / "keras-model.onnx"
    ctx.loaded.model(model_inputs(ctx.inputs), training=False)  # export needs a called model
    t0 = time.perf_counter()
    ctx.loaded.model.export(str(path), format="onnx", verbose=False)
    seconds = time.perf_counter() - t0
    sess = user_onnx.session(path, session_options(ctx.backend.threads))
    return _row("keras-onnx", seconds, path, sess.run(None, user_onnx.feed(sess, ctx.inputs)),
                ctx)


PATHS: dict[str, Callable[[ConvertContext], Conversion]] = {
    "keras-savedmodel": savedmodel, "keras-onnx": onnx_export,
}


def convert(name: str, ctx: ConvertContext) -> Conversion:
    return PATHS[name](ctx)
