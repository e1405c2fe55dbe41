"""``keras``: a user's ``.keras`` model on Keras 3's TensorFlow, JAX or PyTorch backend.

The variant is the Keras backend. Keras reads ``KERAS_BACKEND`` once, at its first import, so
the parent starts each variant's worker with it set (``BackendSpec.variant_env``). Threads are
applied the underlying framework's own way, before Keras is imported, and read back.

A call is ``model.predict_on_batch``: Keras' own predict function, as a Keras user runs it
(compiled with XLA on JAX, a tf.function on TensorFlow, eager on PyTorch), returning NumPy.
Loaded only in worker processes; user models only (the reference workloads run on Keras through
the ``tensorflow`` backend).
"""

from __future__ import annotations

import os
from typing import Any

from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured, ThreadReadBack
from stackpick.worker.backends.base import Backend, Job, ModelJob, Prepared, Unsupported


class KerasBackend(Backend):
    """The variant is the Keras backend (declared in ``spec.py``, resolved by the worker)."""

    def configure(self) -> Configured:
        if self.device != "cpu":
            raise Unsupported("the keras backend measures CPU only here")
        threads = getattr(self, f"_threads_{self.variant}")()
        import keras  # after the thread settings: importing keras starts the framework

        if keras.backend.backend() != self.variant:
            raise RuntimeError(f"keras runs on {keras.backend.backend()!r}, not {self.variant!r}:"
                               " KERAS_BACKEND must be set before keras is first imported")
        module = __import__(self.variant)  # already imported by the thread settings
        return Configured({"keras": keras.__version__, self.variant: module.__version__},
                          threads, "cpu")

    # -- threads, each framework its own way ---------------------------------------------
    def _threads_tensorflow(self) -> ThreadReadBack:
        import tensorflow as tf

        try:  # identical values may be set again; a different one raises (read back below)
            tf.config.threading.set_intra_op_parallelism_threads(self.threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:
            pass
        return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                "inter_op": tf.config.threading.get_inter_op_parallelism_threads()}

    def _threads_jax(self) -> ThreadReadBack:
        # XLA:CPU sizes its pool from the CPU affinity when the client starts (see backends/jax)
        from stackpick.worker.backends.jax_backend.backend import (
            POOL_THREAD_NAME,
            count_threads,
            pin_process,
        )

        cpus = pin_process(self.threads)
        import jax

        jax.devices("cpu")  # create the client now, inside the affinity mask
        pool = count_threads(POOL_THREAD_NAME)
        return {"intra_op": pool or len(os.sched_getaffinity(0)), "cpus": cpus,
                "how": "process pinned with sched_setaffinity before the XLA:CPU client"}

    def _threads_torch(self) -> ThreadReadBack:
        from stackpick.worker.backends.torch_backend.eager import set_torch_threads

        return dict(set_torch_threads(self.threads))

    # -- cells ----------------------------------------------------------------------------
    def prepare(self, job: Job) -> Prepared:
        raise Unsupported("the keras backend runs user .keras models only (--model)")

    def prepare_model(self, job: ModelJob) -> Prepared:
        from stackpick.usermodel.spec import ModelSpec
        from stackpick.worker.backends.keras_backend import user_model as user_keras

        model = user_keras.load(ModelSpec.from_dict(job.model)).model
        x = user_keras.model_inputs(list(job.inputs))

        def call() -> Any:
            return model.predict_on_batch(x)  # NumPy out: materialised on return

        return Prepared(call=call, fetch=lambda: user_keras.as_outputs(call()),
                        extras=Extras(call="model.predict_on_batch", keras_backend=self.variant))
