"""``mlp``: 784-512-512-10 with ReLU, the smallest reference model."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from stackpick.workloads.base import Workload, as_float64, relu


@dataclass(frozen=True)
class MLP(Workload):
    name = "mlp"
    description = "MLP 784-512-512-10, ReLU (MNIST-sized classifier)"
    default_batches = (1, 64)
    default_train_batch = 64
    in_features: int = 784
    hidden: tuple[int, ...] = (512, 512)
    classes: int = 10

    @property
    def num_classes(self) -> int:
        return self.classes

    def input_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, self.in_features)

    def layer_sizes(self) -> list[tuple[int, int]]:
        dims = [self.in_features, *self.hidden, self.classes]
        return list(pairwise(dims))

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {}
        for i, (fan_in, fan_out) in enumerate(self.layer_sizes(), start=1):
            shapes[f"fc{i}.W"] = (fan_in, fan_out)
            shapes[f"fc{i}.b"] = (fan_out,)
        return shapes

    def forward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        w = as_float64(weights)
        h = np.asarray(x, dtype=np.float64)
        layers = len(self.layer_sizes())
        for i in range(1, layers + 1):
            h = h @ w[f"fc{i}.W"] + w[f"fc{i}.b"]
            if i < layers:
                h = relu(h)
        return h
