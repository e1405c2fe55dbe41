"""PyTorch cells of the transformation tasks: ``torch.func`` (variant default) against the
naive autograd way (variant ``loop``). Loaded only in worker processes.

- ``per_example_grad``: ``vmap(grad(loss))`` over the batch | a Python loop of
  ``torch.autograd.grad``, one example at a time;
- ``hvp``: forward-over-reverse ``jvp(grad(loss))`` | reverse-over-reverse (double backward:
  ``autograd.grad`` of ``<grad, v>`` with ``create_graph=True``);
- ``jacobian`` (mlp input): ``vmap(jacrev(f))`` | a loop of one backward per output class.

A ``vmap`` over an operation with no batching rule still runs (torch falls back to a loop over
the batch and warns); the cell then says ``capability: workaround`` and names the operation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import func, nn

from stackpick.protocol.extras import Extras
from stackpick.worker.backends.base import Job, Prepared
from stackpick.worker.backends.torch_backend import models as torch_models
from stackpick.workloads.transforms import tangent

Tensors = dict[str, torch.Tensor]
API = {
    ("per_example_grad", "default"): "torch.func.vmap(torch.func.grad)",
    ("per_example_grad", "loop"): "loop over examples: torch.autograd.grad",
    ("hvp", "default"): "torch.func.jvp(torch.func.grad) (forward-over-reverse)",
    ("hvp", "loop"): "double backward: torch.autograd.grad(create_graph=True)",
    ("jacobian", "default"): "torch.func.vmap(torch.func.jacrev)",
    ("jacobian", "loop"): "loop over classes: torch.autograd.grad per logit",
}


def _canonical(values: Tensors, workload: Any, batched: bool) -> dict[str, np.ndarray]:
    """Tensors keyed by parameter path (``[batch, ...]`` if ``batched``) -> canonical names."""
    lead = 1 if batched else 0
    out: dict[str, np.ndarray] = {}
    for name in workload.trainable():
        slot = torch_models.layout(workload)[name]
        t = values[slot.path].detach()
        if slot.rows is not None:
            t = t.narrow(lead, slot.rows[0], slot.rows[1] - slot.rows[0])
        if slot.transpose:
            t = t.transpose(-1, -2)
        out[name] = t.to("cpu", torch.float32).numpy().copy()
    return out


def _by_path(module: nn.Module, workload: Any, arrays: dict[str, np.ndarray]) -> Tensors:
    """A canonical direction (the hvp tangent) in the module's own parameter layout."""
    probe = torch_models.build_model(workload, {**{k: np.zeros(s, np.float32) for k, s in
                                                   workload.weight_shapes().items()}, **arrays})
    device = next(module.parameters()).device
    return {k: v.detach().to(device) for k, v in probe.named_parameters()}


class _Cell:
    """The model as a pure function of its parameters, plus the job's tensors."""

    def __init__(self, job: Job, device: str) -> None:
        self.job, self.device = job, device
        self.model = torch_models.build_model(job.workload, job.weights).to(device)
        self.params = {k: v.detach() for k, v in self.model.named_parameters()}
        self.buffers = dict(self.model.named_buffers())
        self.x = torch_models.input_tensor(job.workload, job.inputs, device=device)
        labels = job.labels if job.labels is not None else np.zeros(job.batch, np.int64)
        self.y = torch.from_numpy(np.ascontiguousarray(labels)).to(torch.int64).to(device)

    def loss(self, params: Tensors, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        logits = func.functional_call(self.model, {**params, **self.buffers}, (x,))
        return F.cross_entropy(logits, y)  # mean over the (sub)batch

    # -- per_example_grad ---------------------------------------------------------------
    def per_example(self, variant: str) -> Callable[[], Tensors]:
        if variant == "loop":
            names, leaves = list(self.params), list(self.model.parameters())
            xs, ys = self.x.split(1), self.y.split(1)

            def loop() -> Tensors:
                per = [torch.autograd.grad(F.cross_entropy(self.model(xi), yi), leaves)
                       for xi, yi in zip(xs, ys, strict=True)]
                return {n: torch.stack([g[j] for g in per]) for j, n in enumerate(names)}

            return loop

        def one(params: Tensors, xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
            return self.loss(params, xi.unsqueeze(0), yi.unsqueeze(0))

        batched = func.vmap(func.grad(one), in_dims=(None, 0, 0))
        return lambda: batched(self.params, self.x, self.y)

    # -- hvp ----------------------------------------------------------------------------
    def hvp(self, variant: str) -> Callable[[], Tensors]:
        v = _by_path(self.model, self.job.workload, tangent(self.job.workload))
        if variant == "loop":
            names, leaves = list(self.params), list(self.model.parameters())

            def double_backward() -> Tensors:
                grads = torch.autograd.grad(self.model_loss(), leaves, create_graph=True)
                dot = sum((g * v[n]).sum() for g, n in zip(grads, names, strict=True))
                return dict(zip(names, torch.autograd.grad(dot, leaves), strict=True))

            return double_backward

        grad_fn = func.grad(self.loss)
        return lambda: func.jvp(lambda p: grad_fn(p, self.x, self.y), (self.params,), (v,))[1]

    def model_loss(self) -> torch.Tensor:
        return F.cross_entropy(self.model(self.x), self.y)

    # -- jacobian -----------------------------------------------------------------------
    def jacobian(self, variant: str) -> Callable[[], torch.Tensor]:
        if variant == "loop":
            classes = self.job.workload.num_classes

            def rows() -> torch.Tensor:
                x = self.x.detach().requires_grad_(True)
                logits = self.model(x)
                # examples are independent: one backward of a column sum gives that row for all
                per = [torch.autograd.grad(logits[:, c].sum(), x, retain_graph=c < classes - 1)[0]
                       for c in range(classes)]
                return torch.stack(per, dim=1)

            return rows

        def f(xi: torch.Tensor) -> torch.Tensor:
            return func.functional_call(self.model, {**self.params, **self.buffers},
                                        (xi.unsqueeze(0),)).squeeze(0)

        batched = func.vmap(func.jacrev(f))
        return lambda: batched(self.x)


def prepare(job: Job, variant: str, device: str, sync: Callable[[], None]) -> Prepared:
    """A cell of ``job.task`` (a transformation task) for ``variant`` (default or loop)."""
    cell = _Cell(job, device)
    build = {"per_example_grad": cell.per_example, "hvp": cell.hvp,
             "jacobian": cell.jacobian}[job.task]
    run = build(variant)
    extras = Extras(api=API[(job.task, variant)],
                    capability="baseline" if variant == "loop" else "native")
    last: dict[str, Any] = {}

    def call() -> None:
        if "out" in last:
            last["out"] = run()
        else:  # the first call: a vmap fallback warns once, so look for it now
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                last["out"] = run()
            _note_fallback(extras, caught)
        sync()

    def fetch() -> Any:
        out = last.get("out")
        if out is None:
            call()
            out = last["out"]
        if isinstance(out, torch.Tensor):
            return out.detach().to("cpu", torch.float32).numpy()
        return _canonical(out, job.workload, batched=job.task == "per_example_grad")

    return Prepared(call=call, fetch=fetch, extras=extras, close=last.clear)


def _note_fallback(extras: Extras, caught: list[warnings.WarningMessage]) -> None:
    slow = [str(w.message) for w in caught if "batching rule" in str(w.message)]
    if slow and extras.capability == "native":
        extras.capability = "workaround"
        first = slow[0].split("\n")[0].split(". ")[0]  # torch's sentence naming the operation
        extras.workaround = f"vmap fell back to a per-example loop: {first}"
