"""Float64 references for the function-transformation tasks. Pure NumPy.

- ``per_example_grad``: for every example ``i`` of the batch, the gradient of *its own* loss
  (softmax cross-entropy of example ``i``) with respect to every trainable parameter; the
  output holds one ``[batch, *shape]`` array per parameter. Exact: the analytic gradients of
  :mod:`stackpick.workloads.training`, one example at a time.
- ``hvp``: the Hessian of the mean batch loss with respect to the trainable parameters, times
  a seeded direction ``v`` (:func:`tangent`). Exact for the mlp (Pearlmutter's R-operator
  through the analytic forward and backward; ReLU's second derivative is zero almost
  everywhere, as in every AD framework). For the cnn and the transformer: a central
  difference of the exact gradient, ``(g(w + eps v) - g(w - eps v)) / (2 eps)`` with
  ``eps = FD_EPS``; each estimate is confirmed by one with a ten times smaller step (they
  must agree to :data:`FD_AGREE` of the largest entry, three orders of magnitude inside the
  float32 gate :data:`TOLERANCE`), which also catches a ReLU kink crossed by the step.
- ``jacobian`` (mlp only): ``d logits[b, c] / d x[b, j]`` per example, ``[batch, classes,
  in_features]``. Exact: the product of the layer matrices under each example's ReLU mask.
"""

from __future__ import annotations

import numpy as np

from stackpick.workloads.base import Workload, as_float64, relu, softmax
from stackpick.workloads.mlp import MLP
from stackpick.workloads.training import GRADIENTS, cross_entropy_grad

TRANSFORM_TASKS = ("per_example_grad", "hvp", "jacobian")
# Workloads each task is defined on (the jacobian is asked for the mlp's input only).
TASK_WORKLOADS: dict[str, frozenset[str]] = {
    "per_example_grad": frozenset({"mlp", "cnn", "transformer"}),
    "hvp": frozenset({"mlp", "cnn", "transformer"}),
    "jacobian": frozenset({"mlp"}),
}
# (atol, rtol) for float32 results against these float64 references; the same form as
# worker.parity (|a - e| <= atol + rtol * max|e|). Gradients pass through one backward (two
# passes for hvp), so the relative part is that of the training gate.
TOLERANCE: dict[str, tuple[float, float]] = {
    "per_example_grad": (1e-4, 1e-3), "hvp": (1e-4, 1e-3), "jacobian": (1e-4, 1e-3)}
# Central-difference step: small enough that no ReLU of the cnn changes sign between
# w - eps v and w + eps v (which would make the difference meaningless), large enough that
# float64 round-off (~1e-16 / eps relative) stays near 1e-8.
FD_EPS = 1e-7
FD_AGREE = 1e-6  # two steps' estimates must agree this closely (relative to the largest)


def applies(task: str, workload: str) -> bool:
    """Whether ``task`` is defined on ``workload`` (base tasks: always)."""
    return task not in TASK_WORKLOADS or workload in TASK_WORKLOADS[task]


def default_batch(workload: Workload, task: str) -> int:
    """Per-example outputs are ``batch`` times a model's size: keep their batches small."""
    if task == "hvp":
        return workload.default_train_batch
    return min(16, max(1, workload.default_train_batch // 2))


def tangent(workload: Workload) -> dict[str, np.ndarray]:
    """The seeded hvp direction ``v``: standard normal per trainable parameter, float32 so
    every framework holds exactly the same values. Derived from the workload's seed in each
    process, like the weights' streams, so cells need no extra arrays."""
    shapes = workload.weight_shapes()
    return {n: workload._rng(f"hvp/{n}").standard_normal(shapes[n]).astype(np.float32)
            for n in workload.trainable()}


def per_example_grads(workload: Workload, weights: dict[str, np.ndarray], x: np.ndarray,
                      y: np.ndarray) -> dict[str, np.ndarray]:
    """``{name: [batch, *shape]}``: the exact gradient of each example's own loss."""
    grads_of = GRADIENTS[workload.name]
    w = as_float64(weights)
    per = [grads_of(workload, w, x[i : i + 1], y[i : i + 1]) for i in range(x.shape[0])]
    return {n: np.stack([g[n] for g in per]) for n in workload.trainable()}


def mlp_hvp(workload: Workload, weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
            v: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Exact Hessian-vector product of the mean loss (R-operator, forward then backward)."""
    assert isinstance(workload, MLP)
    w, v = as_float64(weights), as_float64(v)
    layers = len(workload.layer_sizes())
    acts, racts = [np.asarray(x, dtype=np.float64)], [np.zeros(x.shape)]
    masks: list[np.ndarray | None] = [None]
    for i in range(1, layers + 1):
        z = acts[-1] @ w[f"fc{i}.W"] + w[f"fc{i}.b"]
        rz = racts[-1] @ w[f"fc{i}.W"] + acts[-1] @ v[f"fc{i}.W"] + v[f"fc{i}.b"]
        mask = (z > 0) if i < layers else np.ones(z.shape, dtype=bool)
        acts.append(relu(z) if i < layers else z)
        racts.append(rz * mask)
        masks.append(mask)
    n = x.shape[0]
    _, g = cross_entropy_grad(acts[-1], y)
    p = softmax(acts[-1])
    rg = p * (racts[-1] - (p * racts[-1]).sum(axis=1, keepdims=True)) / n  # softmax JVP
    out: dict[str, np.ndarray] = {}
    for i in range(layers, 0, -1):
        out[f"fc{i}.W"] = racts[i - 1].T @ g + acts[i - 1].T @ rg
        out[f"fc{i}.b"] = rg.sum(axis=0)
        if i > 1:
            rg = (rg @ w[f"fc{i}.W"].T + g @ v[f"fc{i}.W"].T) * masks[i - 1]
            g = (g @ w[f"fc{i}.W"].T) * masks[i - 1]
    return {k: out[k] for k in workload.trainable()}


def _central(workload: Workload, w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
             v: dict[str, np.ndarray], eps: float) -> dict[str, np.ndarray]:
    grads_of = GRADIENTS[workload.name]

    def moved(sign: float) -> dict[str, np.ndarray]:
        return {k: w[k] + sign * eps * v[k] if k in v else w[k] for k in w}

    plus, minus = grads_of(workload, moved(1.0), x, y), grads_of(workload, moved(-1.0), x, y)
    return {k: (plus[k] - minus[k]) / (2 * eps) for k in workload.trainable()}


def _rel_gap(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    # one scale for all: some parameters have an exactly zero gradient (attention's key bias
    # shifts every score of a row alike), where a per-array ratio would compare noise
    scale = max(float(np.abs(b[k]).max()) for k in b)
    return max(float(np.abs(a[k] - b[k]).max()) for k in b) / max(scale, 1e-30)


def fd_hvp(workload: Workload, weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray,
           v: dict[str, np.ndarray], eps: float = FD_EPS) -> dict[str, np.ndarray]:
    """Central difference of the exact gradient along ``v`` (see the module's docstring).

    A ReLU whose input changes sign inside ``w +- eps v`` ruins a difference quotient, so
    each estimate is confirmed by a second with a ten times smaller step; on disagreement
    (more than :data:`FD_AGREE` relative) the step shrinks. Raises ``ValueError`` if no two
    successive steps agree.
    """
    w, v = as_float64(weights), as_float64(v)
    est = _central(workload, w, x, y, v, eps)
    for _ in range(3):
        eps /= 10
        finer = _central(workload, w, x, y, v, eps)
        if _rel_gap(finer, est) <= FD_AGREE:
            return est
        est = finer
    raise ValueError(f"finite-difference hvp of {workload.name} did not settle down to "
                     f"eps={eps:g}: a ReLU kink lies too close to the weights")


def mlp_input_jacobian(workload: Workload, weights: dict[str, np.ndarray],
                       x: np.ndarray) -> np.ndarray:
    """``[batch, classes, in_features]``: each example's logits differentiated by its input."""
    assert isinstance(workload, MLP)
    w = as_float64(weights)
    layers = len(workload.layer_sizes())
    h = np.asarray(x, dtype=np.float64)
    acc: np.ndarray | None = None  # d h_i / d x per example: [in_features, width] at first
    for i in range(1, layers + 1):
        z = h @ w[f"fc{i}.W"] + w[f"fc{i}.b"]
        acc = w[f"fc{i}.W"] if acc is None else acc @ w[f"fc{i}.W"]
        if i < layers:
            acc = acc * (z > 0)[:, None, :]  # [batch, in_features, width] from here on
            z = relu(z)
        h = z
    assert acc is not None
    acc = np.broadcast_to(acc, (h.shape[0], *acc.shape[-2:]))  # no hidden layer: no mask
    return np.ascontiguousarray(acc.transpose(0, 2, 1))


def reference(workload: Workload, task: str, weights: dict[str, np.ndarray], x: np.ndarray,
              y: np.ndarray) -> np.ndarray | dict[str, np.ndarray]:
    """The float64 reference of one transformation task (see the module's docstring)."""
    if not applies(task, workload.name):
        raise ValueError(f"{task} is defined on {sorted(TASK_WORKLOADS[task])}, "
                         f"not {workload.name}")
    if task == "per_example_grad":
        return per_example_grads(workload, weights, x, y)
    if task == "hvp":
        hvp = mlp_hvp if workload.name == "mlp" else fd_hvp
        return hvp(workload, weights, x, y, tangent(workload))
    if task == "jacobian":
        return mlp_input_jacobian(workload, weights, x)
    raise ValueError(f"unknown transformation task {task!r}")
