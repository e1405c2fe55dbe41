"""Keras 3 models of the reference workloads, built from canonical float32 weights.

Loaded only in worker processes (imports keras). Each builder returns a :class:`KerasBuild`:
the model plus one :class:`Binding` per canonical weight, which knows the Keras variable that
holds it and how to turn the variable's layout back into the canonical one (training parity).

Layout rules (see ``workloads/base.py``):
- images are NHWC and convolution kernels HWIO, because TensorFlow's CPU convolutions want
  channels-last; the conversion happens once, here and in :func:`keras_inputs`, never per call;
- a stride-2 3x3 convolution pads explicitly (``ZeroPadding2D`` + ``"valid"``): TensorFlow's
  ``"same"`` pads 0 before and 1 after there, not 1 on each side like the reference;
- BatchNormalization and LayerNormalization get ``epsilon=1e-5`` (Keras' BN default is 1e-3);
- GELU is the exact erf form;
- ``MultiHeadAttention`` keeps per-head kernels ``[d, heads, dh]`` (q/k/v) and ``[heads, dh, d]``
  (output): canonical ``[d, d]`` matrices are reshaped, which is exact because the reference
  splits heads as ``reshape(b, s, heads, dh)`` too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from stackpick.workloads import Workload
from stackpick.workloads.base import NORM_EPS
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP
from stackpick.workloads.transformer import Transformer

Layout = Callable[[np.ndarray], np.ndarray]


def _same(a: np.ndarray) -> np.ndarray:
    return a


def _oihw_to_hwio(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(2, 3, 1, 0))


def _hwio_to_oihw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(3, 2, 0, 1))


@dataclass
class Binding:
    """Where one canonical weight lives in the Keras model and how to read it back."""

    variable: Any  # keras.Variable
    to_canonical: Layout = _same


@dataclass
class KerasBuild:
    model: keras.Model
    bindings: dict[str, Binding] = field(default_factory=dict)

    def canonical(self, names: Iterable[str]) -> dict[str, np.ndarray]:
        """Current values of ``names`` in canonical layout (float32 NumPy arrays)."""
        return {n: self.bindings[n].to_canonical(np.asarray(self.bindings[n].variable.numpy()))
                for n in names}


class Binder:
    """Copies canonical weights into Keras variables and records the way back."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.bindings: dict[str, Binding] = {}

    def bind(self, name: str, variable: Any, to_keras: Layout = _same,
             to_canonical: Layout = _same) -> None:
        value = to_keras(np.asarray(self.weights[name], dtype=np.float32))
        if tuple(variable.shape) != value.shape:
            raise ValueError(f"{name}: Keras variable {tuple(variable.shape)} != {value.shape}")
        variable.assign(value)
        self.bindings[name] = Binding(variable, to_canonical)

    def dense(self, prefix: str, layer: keras.layers.Dense) -> None:
        # Canonical dense weights are [in, out], the same as a Keras kernel.
        self.bind(f"{prefix}.W", layer.kernel)
        self.bind(f"{prefix}.b", layer.bias)

    def norm(self, prefix: str, layer: keras.layers.Layer) -> None:
        self.bind(f"{prefix}.gamma", layer.gamma)
        self.bind(f"{prefix}.beta", layer.beta)


# -- mlp ------------------------------------------------------------------------------------
def build_mlp(workload: MLP, binder: Binder) -> keras.Model:
    inputs = keras.Input((workload.in_features,), dtype="float32")
    h, layers = inputs, len(workload.layer_sizes())
    dense: list[keras.layers.Dense] = []
    for i, (_, fan_out) in enumerate(workload.layer_sizes(), start=1):
        dense.append(keras.layers.Dense(fan_out, activation="relu" if i < layers else None))
        h = dense[-1](h)
    model = keras.Model(inputs, h, name="mlp")
    for i, layer in enumerate(dense, start=1):
        binder.dense(f"fc{i}", layer)
    return model


# -- cnn ------------------------------------------------------------------------------------
class _ConvBN:
    """conv (no bias) + inference-form BatchNorm, with the reference's symmetric padding."""

    def __init__(self, name: str, c_out: int, kernel: int, stride: int, pad: int) -> None:
        self.name = name
        # "same" matches symmetric padding only for stride 1 with pad == kernel // 2.
        same = stride == 1 and pad == kernel // 2
        self.pad = None if same or pad == 0 else keras.layers.ZeroPadding2D(pad)
        self.conv = keras.layers.Conv2D(c_out, kernel, strides=stride, use_bias=False,
                                        padding="same" if same else "valid")
        self.bn = keras.layers.BatchNormalization(epsilon=NORM_EPS)

    def __call__(self, x: Any) -> Any:
        if self.pad is not None:
            x = self.pad(x)
        # training=False: running statistics, also inside the training step (see cnn.py).
        return self.bn(self.conv(x), training=False)

    def bind(self, binder: Binder) -> None:
        binder.bind(f"{self.name}.W", self.conv.kernel, _oihw_to_hwio, _hwio_to_oihw)
        binder.norm(f"{self.name}.bn", self.bn)
        binder.bind(f"{self.name}.bn.mean", self.bn.moving_mean)
        binder.bind(f"{self.name}.bn.var", self.bn.moving_variance)


def build_cnn(workload: CNN, binder: Binder) -> keras.Model:
    convs = {n: _ConvBN(n, c_out, k, s, p) for n, _, c_out, k, s, p in workload.conv_specs()}
    relu, head = keras.layers.ReLU(), keras.layers.Dense(workload.classes)
    inputs = keras.Input((workload.image, workload.image, 3), dtype="float32")  # NHWC
    h = relu(convs["stem"](inputs))
    r = relu(convs["block1.conv1"](h))
    h = relu(convs["block1.conv2"](r) + h)
    r = relu(convs["block2.conv1"](h))
    h = relu(convs["block2.conv2"](r) + convs["block2.shortcut"](h))
    logits = head(keras.layers.GlobalAveragePooling2D()(h))
    model = keras.Model(inputs, logits, name="cnn")
    for conv in convs.values():
        conv.bind(binder)
    binder.dense("head", head)
    return model


# -- transformer ----------------------------------------------------------------------------
class PositionEmbedding(keras.layers.Layer):
    """Learned absolute positions added to the token embeddings (inputs always span ``seq``)."""

    def __init__(self, seq: int, dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embeddings = self.add_weight(shape=(seq, dim), initializer="zeros",
                                          name="embeddings")

    def call(self, x: Any) -> Any:
        return x + self.embeddings


def _exact_gelu(x: Any) -> Any:
    return keras.activations.gelu(x, approximate=False)


class _EncoderLayer:
    """Post-LN encoder layer: x = LN(x + MHA(x)); x = LN(x + FFN(x))."""

    def __init__(self, prefix: str, d: int, heads: int, ffn: int) -> None:
        self.prefix, self.heads, self.dh = prefix, heads, d // heads
        self.attn = keras.layers.MultiHeadAttention(heads, key_dim=self.dh)
        self.ln1 = keras.layers.LayerNormalization(epsilon=NORM_EPS)
        self.ffn_in = keras.layers.Dense(ffn, activation=_exact_gelu)
        self.ffn_out = keras.layers.Dense(d)
        self.ln2 = keras.layers.LayerNormalization(epsilon=NORM_EPS)

    def __call__(self, h: Any) -> Any:
        h = self.ln1(h + self.attn(h, h))
        return self.ln2(h + self.ffn_out(self.ffn_in(h)))

    def bind(self, binder: Binder) -> None:
        p = self.prefix
        for proj, dense in (("q", self.attn.query_dense), ("k", self.attn.key_dense),
                            ("v", self.attn.value_dense)):
            binder.bind(f"{p}.attn.{proj}.W", dense.kernel, self._split, self._merge)
            binder.bind(f"{p}.attn.{proj}.b", dense.bias, self._split_bias, self._merge)
        out = self.attn.output_dense
        binder.bind(f"{p}.attn.o.W", out.kernel, self._split_rows, self._merge_rows)
        binder.bind(f"{p}.attn.o.b", out.bias)
        binder.norm(f"{p}.ln1", self.ln1)
        binder.dense(f"{p}.ffn.in", self.ffn_in)
        binder.dense(f"{p}.ffn.out", self.ffn_out)
        binder.norm(f"{p}.ln2", self.ln2)

    # [d, d] <-> [d, heads, dh] (q/k/v), [heads, dh] bias, [heads, dh, d] output projection
    def _split(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(w.shape[0], self.heads, self.dh)

    def _split_bias(self, b: np.ndarray) -> np.ndarray:
        return b.reshape(self.heads, self.dh)

    def _merge(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(*w.shape[:-2], self.heads * self.dh)

    def _split_rows(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(self.heads, self.dh, w.shape[-1])

    def _merge_rows(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(self.heads * self.dh, w.shape[-1])


def build_transformer(workload: Transformer, binder: Binder) -> keras.Model:
    d = workload.d_model
    tok = keras.layers.Embedding(workload.vocab, d)
    pos = PositionEmbedding(workload.seq, d)
    ln = keras.layers.LayerNormalization(epsilon=NORM_EPS)
    layers = [_EncoderLayer(f"layer{i}", d, workload.heads, workload.ffn)
              for i in range(workload.layers)]
    head = keras.layers.Dense(workload.classes)
    tokens = keras.Input((workload.seq,), dtype="int32")
    h = ln(pos(tok(tokens)))
    for layer in layers:
        h = layer(h)
    model = keras.Model(tokens, head(h[:, 0]), name="transformer")  # classify from token 0
    binder.bind("embed.tok.emb", tok.embeddings)
    binder.bind("embed.pos.emb", pos.embeddings)
    binder.norm("embed.ln", ln)
    for layer in layers:
        layer.bind(binder)
    binder.dense("head", head)
    return model


BUILDERS: dict[str, Callable[[Any, Binder], keras.Model]] = {
    "mlp": build_mlp,
    "cnn": build_cnn,
    "transformer": build_transformer,
}


def build(workload: Workload, weights: dict[str, np.ndarray]) -> KerasBuild:
    """A Keras model computing ``workload.forward`` with ``weights`` loaded.

    Raises ``ValueError`` when a canonical weight is missing a binding or a shape disagrees.
    """
    if workload.name not in BUILDERS:
        raise ValueError(f"no Keras model for workload {workload.name!r}")
    binder = Binder(weights)
    model = BUILDERS[workload.name](workload, binder)
    missing = set(workload.weight_shapes()) - set(binder.bindings)
    if missing:
        raise ValueError(f"weights not loaded into the Keras model: {sorted(missing)}")
    _check_trainable(model, binder.bindings, workload.trainable())
    return KerasBuild(model, binder.bindings)


def _check_trainable(model: keras.Model, bindings: dict[str, Binding],
                     names: Iterable[str]) -> None:
    """The optimiser must update exactly the reference's trainable set (BN statistics excluded):
    an extra Keras variable would be trained but never compared, a missing one never trained."""
    bound = {id(bindings[n].variable) for n in names}
    keras_side = {id(v) for v in model.trainable_variables}
    if bound != keras_side:
        raise ValueError(f"Keras trains {len(keras_side)} variables, the reference "
                         f"{len(bound)}: the canonical mapping is out of step with the model")


def keras_inputs(workload: Workload, x: np.ndarray) -> np.ndarray:
    """Canonical inputs in the layout the Keras model takes (done once, before timing)."""
    if workload.name == "cnn":
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1), dtype=np.float32)  # NCHW -> NHWC
    if workload.input_dtype.startswith("int"):
        return np.asarray(x, dtype=np.int32)  # ids < vocab; TF gathers take int32
    return np.asarray(x, dtype=np.float32)
