"""``tensorflow``: a Keras 3 model on the TensorFlow backend, in three variants.

- ``eager``: the model (or training step) called directly, op by op;
- ``graph``: wrapped in ``tf.function`` (traced once on the first call);
- ``xla``: ``tf.function(jit_compile=True)`` (traced and XLA-compiled on the first call).

Loaded only in worker processes. The worker's environment already sets ``KERAS_BACKEND`` and
the ``TF_NUM_*`` thread variables; :meth:`TensorFlowBackend.configure` also applies the thread
count through ``tf.config.threading`` and reads it back, because that is what TF actually uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured
from stackpick.worker.backends.base import Backend, Job, Prepared, Unsupported
from stackpick.workloads.transforms import TRANSFORM_TASKS

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # before keras is first imported


class TensorFlowBackend(Backend):
    """The variants (and what "default" means) are in ``spec.py``; the worker resolves them."""

    # -- configure ------------------------------------------------------------------------
    def configure(self) -> Configured:
        import tensorflow as tf

        self._set_threads(tf)
        device = self._select_device(tf)
        import keras  # after the threading config: importing keras may start the TF runtime

        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(f"keras runs on {keras.backend.backend()!r}, not tensorflow; "
                               "set KERAS_BACKEND=tensorflow before it is imported")
        return Configured(
            {"tensorflow": tf.__version__, "keras": keras.__version__},
            {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
             "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}, device)

    def _set_threads(self, tf: Any) -> None:
        # Must precede the first op. A worker configures once per variant with the same count;
        # setting an identical value again is allowed by TF, a different one raises, and then
        # the read-back in configure() shows the truth to the parent's fairness check.
        try:
            tf.config.threading.set_intra_op_parallelism_threads(self.threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:
            pass

    def _select_device(self, tf: Any) -> str:
        gpus = tf.config.list_physical_devices("GPU")
        if self.device == "cuda":
            if not gpus:
                raise Unsupported("TensorFlow sees no GPU (tensorflow-cpu, or no CUDA build)")
            self._tf_device = "/GPU:0"
            return f"cuda ({len(gpus)} GPU visible to TensorFlow)"
        if self.device != "cpu":
            raise Unsupported(f"tensorflow backend has no {self.device} device")
        if gpus:  # a CPU cell must not silently place ops on a GPU
            tf.config.set_visible_devices([], "GPU")
        self._tf_device = "/CPU:0"
        return "cpu"

    # -- prepare --------------------------------------------------------------------------
    def prepare(self, job: Job) -> Prepared:
        import tensorflow as tf

        from stackpick.worker.backends.tf_backend import models as tf_models

        with tf.device(self._tf_device):
            if job.task in TRANSFORM_TASKS:  # vectorized_map / ForwardAccumulator / loop
                from stackpick.worker.backends.tf_backend import transforms

                wrap = tf.function if self.variant == "loop" else self._wrap
                return transforms.prepare(job, self.variant, wrap)
            built = tf_models.build(job.workload, job.weights)
            x = tf.constant(tf_models.keras_inputs(job.workload, job.inputs))
            if job.task == "inference":
                return self._inference(built, x)
            if job.labels is None:
                raise ValueError("a training cell needs labels")
            y = tf.constant(np.asarray(job.labels, dtype=np.int32))
            return self._training(built, x, y, job)

    def _wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import tensorflow as tf

        if self.variant == "graph":
            return tf.function(fn)
        if self.variant == "xla":
            return tf.function(fn, jit_compile=True)
        return fn

    def _inference(self, built: Any, x: Any) -> Prepared:
        model = built.model
        forward = self._wrap(lambda inputs: model(inputs, training=False))
        state: dict[str, Any] = {"logits": None}

        def call() -> np.ndarray:
            state["logits"] = forward(x).numpy()  # .numpy() materialises before the clock stops
            return state["logits"]

        return Prepared(call=call, fetch=lambda: state["logits"],
                        extras=Extras(variant=self.variant, input_layout=_layout(x)),
                        close=state.clear)

    def _training(self, built: Any, x: Any, y: Any, job: Job) -> Prepared:
        step = self._wrap(_train_step(built.model, job))
        names = job.workload.trainable()

        def call() -> float:
            return float(step(x, y).numpy())  # the step's updates have run once the loss exists

        return Prepared(call=call, fetch=lambda: built.canonical(names),
                        extras=Extras(variant=self.variant, input_layout=_layout(x)),
                        close=built.bindings.clear)

    # -- device memory (GPU only) ---------------------------------------------------------
    def device_memory(self) -> dict[str, int] | None:
        if self.device != "cuda":
            return None
        import tensorflow as tf

        info = tf.config.experimental.get_memory_info("GPU:0")
        return {"peak_bytes": int(info["peak"]), "current_bytes": int(info["current"])}

    def reset_device_memory(self) -> None:
        if self.device == "cuda":
            import tensorflow as tf

            tf.config.experimental.reset_memory_stats("GPU:0")


def _train_step(model: Any, job: Job) -> Callable[[Any, Any], Any]:
    """forward -> mean sparse softmax cross-entropy -> gradients -> SGD with momentum.

    Keras' SGD keeps ``m = momentum * m - lr * g; p += m``, which equals the reference's
    ``v = momentum * v + g; p -= lr * v`` (``m = -lr * v``) for a constant learning rate.
    """
    import keras
    import tensorflow as tf

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=job.train.learning_rate,
                                     momentum=job.train.momentum)
    variables = model.trainable_variables
    optimizer.build(variables)  # create slots now: no variable creation inside tf.function

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            # training=False: BatchNorm stays in inference form (the reference's definition).
            loss = loss_fn(y, model(x, training=False))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return step


def _layout(x: Any) -> str:
    return "NHWC" if len(x.shape) == 4 else "as canonical"
