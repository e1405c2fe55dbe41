"""``cnn``: a small ResNet-style network on 3x32x32 images.

stem conv3x3 -> BN -> ReLU; block1: two conv3x3+BN with an identity shortcut; block2: stride-2
conv3x3+BN, conv3x3+BN with a 1x1 stride-2 conv+BN shortcut; global average pool; linear head.
Convolutions have no bias (BatchNorm follows). Stride-2 3x3 convolutions pad 1 on every side:
TensorFlow's ``padding="same"`` pads asymmetrically there, so backends must pad explicitly.
BatchNorm is in inference form (running statistics), also during training, so every framework
computes the same function; its gamma/beta are trained, its statistics are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackpick.workloads.base import (
    Workload,
    as_float64,
    batch_norm_inference,
    conv2d_nchw,
    relu,
)

# (name, in-channel index, out-channel index, kernel, stride, padding); index 0 = image channels
CONVS = (
    ("stem", 0, 1, 3, 1, 1),
    ("block1.conv1", 1, 1, 3, 1, 1),
    ("block1.conv2", 1, 1, 3, 1, 1),
    ("block2.conv1", 1, 2, 3, 2, 1),
    ("block2.conv2", 2, 2, 3, 1, 1),
    ("block2.shortcut", 1, 2, 1, 2, 0),
)


@dataclass(frozen=True)
class CNN(Workload):
    name = "cnn"
    description = "ResNet-style CNN on 3x32x32 (conv, BN, residual, pooling)"
    default_batches = (1, 32)
    default_train_batch = 32
    image: int = 32
    channels: tuple[int, int] = (16, 32)
    classes: int = 10

    @property
    def num_classes(self) -> int:
        return self.classes

    def input_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, 3, self.image, self.image)

    def conv_specs(self) -> list[tuple[str, int, int, int, int, int]]:
        """(name, c_in, c_out, kernel, stride, padding) for every convolution, in order."""
        widths = (3, *self.channels)
        return [(n, widths[i], widths[o], k, s, p) for n, i, o, k, s, p in CONVS]

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {}
        for name, c_in, c_out, k, _, _ in self.conv_specs():
            shapes[f"{name}.W"] = (c_out, c_in, k, k)
            for leaf in ("gamma", "beta", "mean", "var"):
                shapes[f"{name}.bn.{leaf}"] = (c_out,)
        shapes["head.W"] = (self.channels[-1], self.classes)
        shapes["head.b"] = (self.classes,)
        return shapes

    def trainable(self) -> tuple[str, ...]:
        return tuple(n for n in self.weight_shapes() if not n.endswith((".mean", ".var")))

    def forward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        w = as_float64(weights)
        specs = {s[0]: s for s in self.conv_specs()}

        def conv_bn(h: np.ndarray, name: str) -> np.ndarray:
            _, _, _, _, stride, pad = specs[name]
            z = conv2d_nchw(h, w[f"{name}.W"], stride, pad)
            return batch_norm_inference(z, w, f"{name}.bn")

        h = relu(conv_bn(np.asarray(x, dtype=np.float64), "stem"))
        r = relu(conv_bn(h, "block1.conv1"))
        h = relu(conv_bn(r, "block1.conv2") + h)
        r = relu(conv_bn(h, "block2.conv1"))
        h = relu(conv_bn(r, "block2.conv2") + conv_bn(h, "block2.shortcut"))
        pooled = h.mean(axis=(2, 3))
        return pooled @ w["head.W"] + w["head.b"]
