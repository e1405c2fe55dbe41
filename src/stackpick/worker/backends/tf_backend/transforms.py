"""TensorFlow cells of the transformation tasks, on the Keras 3 models of ``tf_models``.
Loaded only in worker processes.

Variants: ``graph`` wraps the transformation in ``tf.function``, ``xla`` in
``tf.function(jit_compile=True)``; ``loop`` is the naive baseline, a Python loop over a
``tf.function`` of one item (graph mode, so it pays dispatch per item, not eager op by op).

- ``per_example_grad``: ``tf.vectorized_map`` over a ``GradientTape`` gradient of one example
  | the loop over examples. ``vectorized_map`` is first tried with
  ``fallback_to_while_loop=False``: if an operation has no pfor converter, TensorFlow's own
  error is kept and the cell reruns with the fallback (a ``tf.while_loop``), marked
  ``capability: workaround``;
- ``hvp``: ``tf.autodiff.ForwardAccumulator`` around a ``GradientTape`` (forward-over-reverse)
  | nested ``GradientTape``s (reverse-over-reverse);
- ``jacobian`` (mlp input): ``GradientTape.batch_jacobian`` | one ``tape.gradient`` per class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from stackpick.protocol.extras import Extras
from stackpick.worker.backends.base import Job, Prepared
from stackpick.worker.backends.tf_backend import models as tf_models
from stackpick.workloads.transforms import tangent

API = {
    "per_example_grad": "tf.vectorized_map(GradientTape.gradient)",
    "hvp": "tf.autodiff.ForwardAccumulator over GradientTape (forward-over-reverse)",
    "jacobian": "GradientTape.batch_jacobian",
}
LOOP_API = {
    "per_example_grad": "loop over examples: tf.function(GradientTape.gradient)",
    "hvp": "nested GradientTapes (reverse-over-reverse)",
    "jacobian": "loop over classes: tf.function(GradientTape.gradient) per logit",
}


def _ce(logits: Any, labels: Any) -> Any:
    """Mean softmax cross-entropy over integer labels (the reference's loss)."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


def _dense(grads: list[Any]) -> list[Any]:
    """Embedding gradients come back as IndexedSlices: the reference is dense."""
    return [tf.convert_to_tensor(g) for g in grads]


class _Cell:
    def __init__(self, job: Job, wrap: Callable[[Callable[..., Any]], Any]) -> None:
        wl, self.wrap = job.workload, wrap
        self.built = tf_models.build(wl, job.weights)
        self.model = self.built.model
        self.names = list(wl.trainable())
        self.vars = [self.built.bindings[n].variable for n in self.names]
        self.x = tf.constant(tf_models.keras_inputs(wl, job.inputs))
        labels = job.labels if job.labels is not None else np.zeros(job.batch, np.int64)
        self.y = tf.constant(np.asarray(labels, dtype=np.int32))
        self.job = job

    def loss(self, x: Any, y: Any) -> Any:
        return _ce(self.model(x, training=False), y)  # BatchNorm in inference form

    def grads(self, x: Any, y: Any) -> list[Any]:
        with tf.GradientTape() as tape:
            loss = self.loss(x, y)
        return _dense(tape.gradient(loss, self.vars))

    # -- per_example_grad ---------------------------------------------------------------
    def per_example(self, loop: bool, fallback: bool = False) -> Callable[[], Any]:
        if loop:
            one = self.wrap(self.grads)
            pairs = [(self.x[i : i + 1], self.y[i : i + 1]) for i in range(self.job.batch)]
            return lambda: [tf.stack(g) for g in zip(*(one(xi, yi) for xi, yi in pairs),
                                                     strict=True)]

        def each(item: Any) -> list[Any]:
            xi, yi = item
            return self.grads(xi[None], yi[None])

        batched = self.wrap(lambda x, y: tf.vectorized_map(
            each, (x, y), fallback_to_while_loop=fallback))
        return lambda: batched(self.x, self.y)

    # -- hvp ----------------------------------------------------------------------------
    def _tangents(self) -> list[Any]:
        """The canonical direction in each Keras variable's own layout: a second model built
        from it is the simplest exact inverse of the bindings' layout changes."""
        wl = self.job.workload
        zeros = {k: np.zeros(s, np.float32) for k, s in wl.weight_shapes().items()}
        probe = tf_models.build(wl, {**zeros, **tangent(wl)})
        return [tf.constant(probe.bindings[n].variable.numpy()) for n in self.names]

    def hvp(self, loop: bool) -> Callable[[], Any]:
        v = self._tangents()

        def forward_over_reverse(x: Any, y: Any) -> list[Any]:
            # ForwardAccumulator takes tf.Variables; a Keras 3 variable wraps one (.value)
            with tf.autodiff.ForwardAccumulator([w.value for w in self.vars], v) as acc:
                g = self.grads(x, y)
            return _dense(acc.jvp(g))

        def reverse_over_reverse(x: Any, y: Any) -> list[Any]:
            with tf.GradientTape() as outer:
                g = self.grads(x, y)
                dot = tf.add_n([tf.reduce_sum(gi * vi) for gi, vi in zip(g, v, strict=True)])
            return _dense(outer.gradient(dot, self.vars))

        fn = self.wrap(reverse_over_reverse if loop else forward_over_reverse)
        return lambda: fn(self.x, self.y)

    # -- jacobian -----------------------------------------------------------------------
    def jacobian(self, loop: bool) -> Callable[[], Any]:
        if loop:
            def column(x: Any, c: Any) -> Any:
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    logit = tf.gather(self.model(x, training=False), c, axis=1)
                return tape.gradient(logit, x)  # examples are independent: a column sum

            row = self.wrap(column)
            classes = [tf.constant(c) for c in range(self.job.workload.num_classes)]
            return lambda: tf.stack([row(self.x, c) for c in classes], axis=1)

        def batch_jacobian(x: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(x)
                logits = self.model(x, training=False)
            return tape.batch_jacobian(logits, x)

        fn = self.wrap(batch_jacobian)
        return lambda: fn(self.x)


def prepare(job: Job, variant: str, wrap: Callable[[Callable[..., Any]], Any]) -> Prepared:
    """A cell of ``job.task`` for ``variant`` (graph, xla or loop); ``wrap`` is the backend's
    ``tf.function`` wrapper for the variant (``loop`` wraps like ``graph``)."""
    cell, loop = _Cell(job, wrap), variant == "loop"
    build = {"per_example_grad": cell.per_example, "hvp": cell.hvp,
             "jacobian": cell.jacobian}[job.task]
    state: dict[str, Any] = {"run": build(loop)}
    extras = Extras(variant=variant, api=LOOP_API[job.task] if loop else API[job.task],
                    capability="baseline" if loop else "native")

    def call() -> None:
        if "out" not in state and job.task == "per_example_grad" and not loop:
            state["run"], state["out"] = _first_vectorized(state["run"], cell, extras)
        else:
            state["out"] = state["run"]()
        # one tf.function execution hands back its outputs together; reading the last
        # to the host waits for it (the loop's last item comes last)
        tf.nest.flatten(state["out"])[-1].numpy()

    def fetch() -> Any:
        if "out" not in state:
            call()
        out = state["out"]
        if not isinstance(out, list):
            return out.numpy()
        bind = cell.built.bindings
        if job.task != "per_example_grad":
            return {n: bind[n].to_canonical(g.numpy()) for n, g in zip(cell.names, out,
                                                                       strict=True)}
        return {n: np.stack([bind[n].to_canonical(gi) for gi in g.numpy()])
                for n, g in zip(cell.names, out, strict=True)}

    return Prepared(call=call, fetch=fetch, extras=extras, close=state.clear)


def _first_vectorized(run: Callable[[], Any], cell: _Cell, extras: Extras
                      ) -> tuple[Callable[[], Any], Any]:
    """Run pfor without its fallback; on TensorFlow's refusal keep its error line and switch
    to ``fallback_to_while_loop=True`` (the workaround TensorFlow itself offers). Returns
    what runs from now on, and the first output."""
    try:
        return run, run()
    except (ValueError, TypeError, NotImplementedError, tf.errors.OpError) as exc:
        extras.capability = "workaround"
        line = next((s for s in str(exc).splitlines() if s.strip()), type(exc).__name__)
        extras.workaround = f"vectorized_map fell back to tf.while_loop: {line[:300]}"
        fallback = cell.per_example(loop=False, fallback=True)
        return fallback, fallback()
