"""``litert``: the reference workloads as ``.tflite`` files run by ai-edge-litert's interpreter.

Variants, one conversion route each:

- ``from-keras``: TensorFlow's converter on the Keras model the ``tensorflow`` backend builds
  (traced at the cell's fixed input shape);
- ``from-torch``: litert-torch on the PyTorch model the ``torch`` backend builds;
- ``from-keras-int8``: the Keras route with dynamic-range int8 quantisation (weights int8,
  activations float). Its output is judged against a looser, stated tolerance
  (:data:`INT8_TOLERANCE`); the float32 verdict is kept beside it in the parity record.

The interpreter uses the builtin op resolver, which applies XNNPACK as its default delegate,
with ``num_threads`` set. ai-edge-litert has no getter for the thread count, so the read-back
is what the process shows: the worker threads XNNPACK's pool started (``/proc/self/task``).
A conversion that raises is :class:`ExportFailed` with the converter's first line and cause.
Host CPU measurements stand in for Arm and mobile cores: same kernels (XNNPACK), other chips.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from stackpick.protocol.cold_start import Artifact
from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured
from stackpick.protocol.scratch import scratch_root
from stackpick.worker import artifacts
from stackpick.worker.backends.base import (
    Backend,
    ExportFailed,
    Job,
    ModelJob,
    Prepared,
    Unsupported,
)
from stackpick.worker.backends.litert_backend.runner import TfliteRunner

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # before keras is first imported
RUNNER = "stackpick.worker.backends.litert_backend.runner"

# Dynamic-range int8 rounds every weight to 1 part in 255 of its tensor's range; logits of the
# reference workloads move by up to a few hundredths. Stated, so the change is shown, not hidden.
INT8_TOLERANCE = (5e-2, 5e-2, "int8 dynamic range: atol 0.05 + 0.05 x |reference| "
                  "(float32 cells: 1e-4 + 1e-4 x |reference|)")


def process_threads() -> int | None:
    """OS threads of this process now (Linux), None where /proc is absent."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


class LiteRtBackend(Backend):
    """ai-edge-litert's interpreter on a model converted from Keras or from PyTorch."""

    def configure(self) -> Configured:
        if self.device != "cpu":
            raise Unsupported("litert here runs on the CPU (XNNPACK); GPU delegates are "
                              "mobile-only")
        import ai_edge_litert

        versions = {"ai-edge-litert": getattr(ai_edge_litert, "__version__", "?")}
        if self.variant == "from-torch":
            import litert_torch
            import torch

            from stackpick.worker.backends.torch_backend.eager import set_torch_threads

            set_torch_threads(self.threads)  # torch only traces the model, but fairly
            versions |= {"litert-torch": litert_torch.__version__, "torch": torch.__version__}
        else:
            import keras
            import tensorflow as tf

            versions |= {"tensorflow": tf.__version__, "keras": keras.__version__}
        return Configured(versions, {"intra_op": self.threads, "source": "Interpreter("
                                     "num_threads) as set; the pool's threads seen per cell "
                                     "in extras.threads_observed"}, "cpu (XNNPACK delegate)")

    def prepare(self, job: Job) -> Prepared:
        if job.task != "inference":
            raise Unsupported("litert runs inference only")
        t0 = time.perf_counter()
        try:
            flat, inputs = (self._from_torch(job) if self.variant == "from-torch"
                            else self._from_keras(job))
        except ExportFailed:
            raise
        except Exception as exc:  # the converter's own error: data for the cell, not a crash
            raise ExportFailed(artifacts.failure_line(exc)) from exc
        extras = Extras(export_s=time.perf_counter() - t0, artifact_bytes=len(flat),
                        artifact="tflite")
        before = process_threads()
        t0 = time.perf_counter()
        runner = TfliteRunner(flat, self.threads)
        extras.load_s = time.perf_counter() - t0
        after = process_threads()
        extras.update(runner.delegation())
        inputs = runner.cast(inputs)
        if before is not None and after is not None:  # XNNPACK's pool: threads - 1 workers
            extras.threads_observed = after - before + 1
        if self.variant == "from-keras-int8":
            extras.quantization = "int8 dynamic range (weights), float activations"

        def call() -> np.ndarray:
            return runner.run(inputs)  # a fresh host array: materialised on return

        tolerance = INT8_TOLERANCE if self.variant == "from-keras-int8" else None

        def deploy(directory: str) -> Artifact:
            return artifacts.write_artifact(directory, f"{job.workload.name}-{self.variant}"
                                            ".tflite", flat, "tflite", RUNNER, inputs, tolerance)
        return Prepared(call=call, fetch=call, extras=extras, deploy=deploy,
                        tolerance=tolerance)

    def _from_keras(self, job: Job) -> tuple[bytes, np.ndarray]:
        from stackpick.worker.backends.tf_backend import models as tf_models

        built = tf_models.build(job.workload, job.weights)
        x = tf_models.keras_inputs(job.workload, job.inputs)
        return convert_keras(built.model, [x], self.variant == "from-keras-int8"), x

    def _from_torch(self, job: Job) -> tuple[bytes, np.ndarray]:
        from stackpick.worker.backends.torch_backend import models as torch_models

        model = torch_models.build_model(job.workload, job.weights)
        example = torch_models.input_tensor(job.workload, job.inputs)
        return convert_torch(model, (example,)), example.numpy()

    def prepare_model(self, job: ModelJob) -> Prepared:
        """A user's PyTorch module (``from-torch``) or ``.keras`` file (``from-keras``),
        converted at the shared inputs' shapes; every output compared with the reference."""
        from stackpick.usermodel.diagnose import ModelProblem
        from stackpick.usermodel.spec import ModelSpec

        spec = ModelSpec.from_dict(job.model)
        t0 = time.perf_counter()
        try:
            if self.variant == "from-torch":
                from stackpick.worker.backends.torch_backend import user_model as user_torch

                loaded = user_torch.load(spec, state=job.artifacts.get("state"))
                flat = convert_torch(loaded.module, user_torch.tensors(job.inputs))
            else:
                from stackpick.worker.backends.keras_backend import user_model as user_keras

                model = user_keras.load(spec).model
                flat = convert_keras(model, list(job.inputs), self.variant == "from-keras-int8")
        except ModelProblem:
            raise
        except Exception as exc:  # the converter's own error: data for the cell
            raise ExportFailed(artifacts.failure_line(exc, with_cause=False)) from exc
        extras = Extras(export_s=time.perf_counter() - t0, artifact_bytes=len(flat),
                        artifact="tflite")
        runner = TfliteRunner(flat, self.threads)
        extras.update(runner.delegation())
        feed = runner.cast_all(list(job.inputs))

        def call() -> Any:
            return runner.run_all(feed)

        tolerance = INT8_TOLERANCE if self.variant == "from-keras-int8" else None
        return Prepared(call=call, fetch=call, extras=extras, tolerance=tolerance)


def convert_keras(model: Any, inputs: list[np.ndarray], int8: bool) -> bytes:
    """TensorFlow's converter on a Keras model traced at ``inputs``' shapes, frozen: left as
    resource variables the weights would reach the .tflite as uninitialised VAR_HANDLEs."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    def forward(*ts: Any) -> Any:
        return model(ts[0] if len(ts) == 1 else list(ts), training=False)

    specs = [tf.TensorSpec(x.shape, tf.as_dtype(x.dtype)) for x in inputs]
    frozen = convert_variables_to_constants_v2(tf.function(forward).get_concrete_function(*specs))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no data: dynamic range
    return converter.convert()


def convert_torch(model: Any, args: tuple[Any, ...]) -> bytes:
    """litert-torch on a PyTorch module at ``args``' shapes; the .tflite bytes."""
    import litert_torch

    edge = litert_torch.convert(model.eval(), args)
    with tempfile.TemporaryDirectory(prefix="stackpick-litert-", dir=scratch_root()) as tmp:
        path = Path(tmp) / "model.tflite"
        edge.export(str(path))
        return path.read_bytes()
