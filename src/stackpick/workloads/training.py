"""Float64 reference for the training step: the parameters after a few SGD-momentum steps.

Every backend's training parity is checked against this. The step is: forward, mean softmax
cross-entropy over integer labels, backward, then for each trainable parameter
``v = momentum * v + grad; p = p - lr * v`` (PyTorch / optax convention; Keras' form is the
same update for a constant learning rate).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stackpick.workloads.base import TrainConfig, Workload, relu, softmax

Grads = dict[str, np.ndarray]


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    probs = softmax(logits)
    n = logits.shape[0]
    loss = float(-np.log(probs[np.arange(n), labels]).mean())
    grad = probs.copy()
    grad[np.arange(n), labels] -= 1.0
    return loss, grad / n


def mlp_grads(workload: Workload, w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> Grads:
    layers = len(workload.layer_sizes())  # type: ignore[attr-defined]
    acts = [np.asarray(x, dtype=np.float64)]
    for i in range(1, layers + 1):
        z = acts[-1] @ w[f"fc{i}.W"] + w[f"fc{i}.b"]
        acts.append(relu(z) if i < layers else z)
    _, g = cross_entropy_grad(acts[-1], y)
    grads: Grads = {}
    for i in range(layers, 0, -1):
        grads[f"fc{i}.W"] = acts[i - 1].T @ g
        grads[f"fc{i}.b"] = g.sum(axis=0)
        if i > 1:
            g = (g @ w[f"fc{i}.W"].T) * (acts[i - 1] > 0)
    return grads


GRADIENTS: dict[str, Callable[[Workload, dict, np.ndarray, np.ndarray], Grads]] = {
    "mlp": mlp_grads,
}


def reference_train(
    workload: Workload,
    weights: dict[str, np.ndarray],
    inputs: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
) -> dict[str, np.ndarray]:
    """Trainable parameters (float64, canonical layout) after ``config.parity_steps`` steps."""
    grads_of = GRADIENTS[workload.name]
    w = {k: np.asarray(v, dtype=np.float64).copy() for k, v in weights.items()}
    names = workload.trainable()
    velocity = {k: np.zeros_like(w[k]) for k in names}
    for _ in range(config.parity_steps):
        grads = grads_of(workload, w, inputs, labels)
        for k in names:
            velocity[k] = config.momentum * velocity[k] + grads[k]
            w[k] = w[k] - config.learning_rate * velocity[k]
    return {k: w[k] for k in names}
