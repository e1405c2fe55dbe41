"""JAX cells of the transformation tasks: composed transformations under ``jax.jit``
(variant default) against a naive loop of jitted single-item calls (variant ``loop``).
Loaded only in worker processes.

- ``per_example_grad``: ``jit(vmap(grad(loss)))`` | ``jit(grad(loss))`` called once per
  example from Python, results stacked;
- ``hvp``: ``jit(jvp(grad(loss)))`` (forward-over-reverse) | ``jit(grad(<grad(loss), v>))``
  (reverse-over-reverse);
- ``jacobian`` (mlp input): ``jit(vmap(jacrev(f)))`` | ``jit(grad)`` of one logit column,
  called once per class.
Every output is ``block_until_ready`` before the clock stops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from stackpick.protocol.extras import Extras
from stackpick.worker.backends.base import Job, Prepared
from stackpick.worker.backends.jax_backend import models as jax_models
from stackpick.workloads.transforms import tangent

Put = Callable[..., Any]
API = {
    ("per_example_grad", "default"): "jax.jit(jax.vmap(jax.grad))",
    ("per_example_grad", "loop"): "loop over examples: jax.jit(jax.grad)",
    ("hvp", "default"): "jax.jit(jax.jvp(jax.grad)) (forward-over-reverse)",
    ("hvp", "loop"): "jax.jit(jax.grad(vdot(jax.grad, v))) (reverse-over-reverse)",
    ("jacobian", "default"): "jax.jit(jax.vmap(jax.jacrev))",
    ("jacobian", "loop"): "loop over classes: jax.jit(jax.grad) per logit",
}


def _stack(trees: list[Any]) -> Any:
    return jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)


class _Cell:
    def __init__(self, job: Job, put: Put) -> None:
        wl = self.wl = job.workload
        native = jax_models.to_native(wl, job.weights)
        names = wl.trainable()
        self.params = put({k: native[k] for k in names})
        self.frozen = put({k: v for k, v in native.items() if k not in names})
        self.x = put(jax_models.inputs_to_native(wl, job.inputs))
        labels = job.labels if job.labels is not None else np.zeros(job.batch, np.int64)
        self.y = put(np.asarray(labels, dtype=np.int32))
        self.forward = jax_models.forward_fn(wl)
        self.put = put

    def loss(self, params: Any, frozen: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return jax_models.cross_entropy(self.forward({**params, **frozen}, x), y)

    def per_example(self, variant: str) -> Callable[[], Any]:
        p, f = self.params, self.frozen
        if variant == "loop":
            grad_one = jax.jit(jax.grad(self.loss))
            pairs = [(self.x[i : i + 1], self.y[i : i + 1]) for i in range(self.x.shape[0])]
            return lambda: _stack([grad_one(p, f, xi, yi) for xi, yi in pairs])

        def one(params: Any, frozen: Any, xi: jax.Array, yi: jax.Array) -> Any:
            return jax.grad(self.loss)(params, frozen, xi[None], yi[None])

        batched = jax.jit(jax.vmap(one, in_axes=(None, None, 0, 0)))
        return lambda: batched(p, f, self.x, self.y)

    def hvp(self, variant: str) -> Callable[[], Any]:
        v = self.put(jax_models.to_native(self.wl, tangent(self.wl)))
        grad = jax.grad(self.loss)
        args = (self.frozen, self.x, self.y)
        if variant == "loop":
            def dot(params: Any, *rest: Any) -> jax.Array:
                g = grad(params, *rest)
                return sum(jnp.vdot(g[k], v[k]) for k in g)

            rr = jax.jit(jax.grad(dot))
            return lambda: rr(self.params, *args)
        fr = jax.jit(lambda p: jax.jvp(lambda q: grad(q, *args), (p,), (v,))[1])
        return lambda: fr(self.params)

    def jacobian(self, variant: str) -> Callable[[], Any]:
        full = {**self.params, **self.frozen}
        if variant == "loop":
            column = jax.jit(jax.grad(lambda x, c: self.forward(full, x)[:, c].sum()))
            classes = self.wl.num_classes
            return lambda: jnp.stack([column(self.x, c) for c in range(classes)], axis=1)
        batched = jax.jit(jax.vmap(jax.jacrev(lambda xi: self.forward(full, xi[None])[0])))
        return lambda: batched(self.x)


def prepare(job: Job, variant: str, put: Put, extras: Extras) -> Prepared:
    """A cell of ``job.task`` (a transformation task) for ``variant`` (default or loop)."""
    cell = _Cell(job, put)
    run = {"per_example_grad": cell.per_example, "hvp": cell.hvp,
           "jacobian": cell.jacobian}[job.task](variant)
    extras.api = API[(job.task, variant)]
    extras.capability = "baseline" if variant == "loop" else "native"
    last: dict[str, Any] = {}

    def call() -> None:
        last["out"] = jax.block_until_ready(run())

    def fetch() -> Any:
        if "out" not in last:
            call()
        out = last["out"]
        if not isinstance(out, dict):
            return np.asarray(out)
        host = {k: np.asarray(v) for k, v in out.items()}
        if job.task != "per_example_grad":
            return jax_models.to_canonical(job.workload, host)
        per = [jax_models.to_canonical(job.workload, {k: v[i] for k, v in host.items()})
               for i in range(job.batch)]
        return {k: np.stack([p[k] for p in per]) for k in host}

    return Prepared(call=call, fetch=fetch, extras=extras, close=last.clear)
