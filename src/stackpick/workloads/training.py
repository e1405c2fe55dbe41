"""Float64 reference for the training step: the parameters after a few SGD-momentum steps.

Every backend's training parity is checked against this. The step is: forward, mean softmax
cross-entropy over integer labels, backward, then for each trainable parameter
``v = momentum * v + grad; p = p - lr * v`` (PyTorch / optax convention; Keras' form is the
same update for a constant learning rate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from stackpick.workloads.base import (
    NORM_EPS,
    TrainConfig,
    Workload,
    as_float64,
    batch_norm_inference,
    conv2d_nchw,
    erf,
    gelu_erf,
    im2col,
    relu,
    softmax,
)
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP
from stackpick.workloads.transformer import Transformer

Grads = dict[str, np.ndarray]
Cache = dict[str, Any]
_W = TypeVar("_W", bound=Workload)


def cross_entropy_grad(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    probs = softmax(logits)
    n = logits.shape[0]
    loss = float(-np.log(probs[np.arange(n), labels]).mean())
    grad = probs.copy()
    grad[np.arange(n), labels] -= 1.0
    return loss, grad / n


def _expect(workload: Workload, cls: type[_W]) -> _W:
    if not isinstance(workload, cls):
        raise TypeError(f"expected a {cls.__name__} workload, got {type(workload).__name__}")
    return workload


def mlp_grads(workload: Workload, w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> Grads:
    layers = len(_expect(workload, MLP).layer_sizes())
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


def _dense_backward(x: np.ndarray, w: dict[str, np.ndarray], name: str, g: np.ndarray,
                    grads: Grads) -> np.ndarray:
    """Backward of ``x @ W + b`` over any leading axes; returns the input gradient."""
    kernel = w[f"{name}.W"]
    grads[f"{name}.W"] = x.reshape(-1, kernel.shape[0]).T @ g.reshape(-1, kernel.shape[1])
    grads[f"{name}.b"] = g.reshape(-1, kernel.shape[1]).sum(axis=0)
    return g @ kernel.T


# -- cnn -----------------------------------------------------------------------------------
def _conv2d_backward(x: np.ndarray, kernel: np.ndarray, g: np.ndarray, stride: int, pad: int,
                     need_input: bool) -> tuple[np.ndarray, np.ndarray]:
    """Weight and input gradients of ``conv2d_nchw``; im2col patches are rebuilt, not kept."""
    _, _, kh, kw = kernel.shape
    dw = np.einsum("nouv,nckluv->ockl", g, im2col(x, kh, kw, stride, pad), optimize=True)
    if not need_input:  # the image itself: skip the costly input scatter
        return dw, np.empty(0)
    dcols = np.einsum("nouv,ockl->nckluv", g, kernel, optimize=True)
    n, c, h, wd = x.shape
    oh, ow = g.shape[2:]
    dxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    # Scatter each kernel tap back onto the padded input (the transpose of the im2col gather).
    for i in range(kh):
        for j in range(kw):
            rows, cols = slice(i, i + stride * oh, stride), slice(j, j + stride * ow, stride)
            dxp[:, :, rows, cols] += dcols[:, :, i, j]
    return dw, dxp[:, :, pad : pad + h, pad : pad + wd]


class _ConvBN:
    """One conv + inference-form BatchNorm of the CNN; ``forward`` keeps what backward needs."""

    def __init__(self, w: dict[str, np.ndarray], spec: tuple[str, int, int, int, int, int]):
        self.w = w
        self.name, _, _, _, self.stride, self.pad = spec

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        self.conv = conv2d_nchw(x, self.w[f"{self.name}.W"], self.stride, self.pad)
        return batch_norm_inference(self.conv, self.w, f"{self.name}.bn")

    def backward(self, g: np.ndarray, grads: Grads, need_input: bool = True) -> np.ndarray:
        """Fills this layer's gradients; returns the input gradient (empty if not needed)."""
        bn = {leaf: self.w[f"{self.name}.bn.{leaf}"].reshape(1, -1, 1, 1)
              for leaf in ("gamma", "mean", "var")}
        inv_std = 1.0 / np.sqrt(bn["var"] + NORM_EPS)
        # Running statistics are constants here, so BN is a per-channel affine map.
        xhat = (self.conv - bn["mean"]) * inv_std
        grads[f"{self.name}.bn.gamma"] = (g * xhat).sum(axis=(0, 2, 3))
        grads[f"{self.name}.bn.beta"] = g.sum(axis=(0, 2, 3))
        dw, dx = _conv2d_backward(self.x, self.w[f"{self.name}.W"], g * (bn["gamma"] * inv_std),
                                  self.stride, self.pad, need_input)
        grads[f"{self.name}.W"] = dw
        return dx


def cnn_grads(workload: Workload, w: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> Grads:
    cnn = _expect(workload, CNN)
    w = as_float64(w)
    layer = {spec[0]: _ConvBN(w, spec) for spec in cnn.conv_specs()}
    x0 = np.asarray(x, dtype=np.float64)
    h1 = relu(layer["stem"].forward(x0))
    r1 = relu(layer["block1.conv1"].forward(h1))
    h2 = relu(layer["block1.conv2"].forward(r1) + h1)
    r2 = relu(layer["block2.conv1"].forward(h2))
    h3 = relu(layer["block2.conv2"].forward(r2) + layer["block2.shortcut"].forward(h2))
    pooled = h3.mean(axis=(2, 3))
    _, g = cross_entropy_grad(pooled @ w["head.W"] + w["head.b"], y)

    grads: Grads = {}
    g_pool = _dense_backward(pooled, w, "head", g, grads)
    g3 = np.broadcast_to(g_pool[:, :, None, None] / (h3.shape[2] * h3.shape[3]), h3.shape)
    g3 = g3 * (h3 > 0)
    g_r2 = layer["block2.conv2"].backward(g3, grads) * (r2 > 0)
    # h2 feeds both the shortcut and block2's main path: their gradients add.
    g_h2 = layer["block2.shortcut"].backward(g3, grads)
    g_h2 = (g_h2 + layer["block2.conv1"].backward(g_r2, grads)) * (h2 > 0)
    g_r1 = layer["block1.conv2"].backward(g_h2, grads) * (r1 > 0)
    g_h1 = (g_h2 + layer["block1.conv1"].backward(g_r1, grads)) * (h1 > 0)
    layer["stem"].backward(g_h1, grads, need_input=False)  # the image needs no gradient
    return {k: grads[k] for k in cnn.trainable()}


# -- transformer ---------------------------------------------------------------------------
def _layer_norm_forward(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> Cache:
    """Same arithmetic as ``base.layer_norm``; keeps the normalised input for backward."""
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + NORM_EPS)
    xhat = (x - x.mean(axis=-1, keepdims=True)) * inv_std
    return {"out": xhat * w[f"{prefix}.gamma"] + w[f"{prefix}.beta"], "xhat": xhat,
            "inv_std": inv_std, "prefix": prefix}


def _layer_norm_backward(g: np.ndarray, c: Cache, w: dict[str, np.ndarray],
                         grads: Grads) -> np.ndarray:
    d, xhat = g.shape[-1], c["xhat"]
    grads[f"{c['prefix']}.gamma"] = (g * xhat).reshape(-1, d).sum(axis=0)
    grads[f"{c['prefix']}.beta"] = g.reshape(-1, d).sum(axis=0)
    gx = g * w[f"{c['prefix']}.gamma"]
    # Mean and variance depend on every feature: remove the gradient's mean and xhat components.
    centred = gx - gx.mean(axis=-1, keepdims=True)
    return c["inv_std"] * (centred - xhat * (gx * xhat).mean(axis=-1, keepdims=True))


def _split_heads(t: np.ndarray, heads: int) -> np.ndarray:  # [b, s, d] -> [b, heads, s, dh]
    b, s, d = t.shape
    return t.reshape(b, s, heads, d // heads).transpose(0, 2, 1, 3)


def _merge_heads(t: np.ndarray) -> np.ndarray:  # [b, heads, s, dh] -> [b, s, d]
    b, heads, s, dh = t.shape
    return t.transpose(0, 2, 1, 3).reshape(b, s, heads * dh)


def _attention_forward(w: dict[str, np.ndarray], p: str, x: np.ndarray, heads: int) -> Cache:
    c: Cache = {"x": x}
    for n in "qkv":
        c[n] = _split_heads(x @ w[f"{p}.attn.{n}.W"] + w[f"{p}.attn.{n}.b"], heads)
    c["probs"] = softmax(c["q"] @ c["k"].transpose(0, 1, 3, 2) / np.sqrt(c["q"].shape[-1]))
    c["ctx"] = _merge_heads(c["probs"] @ c["v"])
    c["out"] = c["ctx"] @ w[f"{p}.attn.o.W"] + w[f"{p}.attn.o.b"]
    return c


def _attention_backward(g: np.ndarray, c: Cache, w: dict[str, np.ndarray], p: str,
                        grads: Grads) -> np.ndarray:
    heads = c["q"].shape[1]
    g_ctx = _split_heads(_dense_backward(c["ctx"], w, f"{p}.attn.o", g, grads), heads)
    probs = c["probs"]
    g_v = probs.transpose(0, 1, 3, 2) @ g_ctx
    g_probs = g_ctx @ c["v"].transpose(0, 1, 3, 2)
    # Softmax Jacobian-vector product, row by row, then the 1/sqrt(dh) score scale.
    g_scores = probs * (g_probs - (g_probs * probs).sum(axis=-1, keepdims=True))
    g_scores = g_scores / np.sqrt(c["q"].shape[-1])
    g_in = {"q": g_scores @ c["k"], "k": g_scores.transpose(0, 1, 3, 2) @ c["q"], "v": g_v}
    g_x = np.zeros_like(c["x"])
    for n in "qkv":  # x feeds all three projections
        g_x += _dense_backward(c["x"], w, f"{p}.attn.{n}", _merge_heads(g_in[n]), grads)
    return g_x


def _gelu_erf_grad(z: np.ndarray) -> np.ndarray:
    """d/dz of ``z * Phi(z)``: ``Phi(z) + z * phi(z)`` with the standard normal pdf ``phi``."""
    return 0.5 * (1.0 + erf(z / np.sqrt(2.0))) + z * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)


def _encoder_forward(w: dict[str, np.ndarray], p: str, h: np.ndarray, heads: int) -> Cache:
    """One post-LN layer, as in ``Transformer.forward``; ``c["out"]`` is the layer output."""
    c: Cache = {"attn": _attention_forward(w, p, h, heads)}
    c["ln1"] = _layer_norm_forward(h + c["attn"]["out"], w, f"{p}.ln1")
    h1 = c["ln1"]["out"]
    c["z"] = h1 @ w[f"{p}.ffn.in.W"] + w[f"{p}.ffn.in.b"]
    c["f"] = gelu_erf(c["z"])
    c["ln2"] = _layer_norm_forward(h1 + c["f"] @ w[f"{p}.ffn.out.W"] + w[f"{p}.ffn.out.b"], w,
                                   f"{p}.ln2")
    c["out"] = c["ln2"]["out"]
    return c


def _encoder_backward(g: np.ndarray, c: Cache, w: dict[str, np.ndarray], p: str,
                      grads: Grads) -> np.ndarray:
    g_sum2 = _layer_norm_backward(g, c["ln2"], w, grads)
    g_f = _dense_backward(c["f"], w, f"{p}.ffn.out", g_sum2, grads)
    g_z = g_f * _gelu_erf_grad(c["z"])
    g_h1 = g_sum2 + _dense_backward(c["ln1"]["out"], w, f"{p}.ffn.in", g_z, grads)
    g_sum1 = _layer_norm_backward(g_h1, c["ln1"], w, grads)
    return g_sum1 + _attention_backward(g_sum1, c["attn"], w, p, grads)


def transformer_grads(workload: Workload, w: dict[str, np.ndarray], x: np.ndarray,
                      y: np.ndarray) -> Grads:
    model = _expect(workload, Transformer)
    w = as_float64(w)
    tokens = np.asarray(x, dtype=np.int64)
    seq = tokens.shape[1]
    emb = _layer_norm_forward(
        w["embed.tok.emb"][tokens] + w["embed.pos.emb"][None, :seq], w, "embed.ln")
    layers: list[Cache] = []
    h = emb["out"]
    for i in range(model.layers):
        layers.append(_encoder_forward(w, f"layer{i}", h, model.heads))
        h = layers[-1]["out"]
    _, g = cross_entropy_grad(h[:, 0] @ w["head.W"] + w["head.b"], y)

    grads: Grads = {}
    g_h = np.zeros_like(h)
    g_h[:, 0] = _dense_backward(h[:, 0], w, "head", g, grads)  # only token 0 reaches the head
    for i in reversed(range(model.layers)):
        g_h = _encoder_backward(g_h, layers[i], w, f"layer{i}", grads)
    g_emb = _layer_norm_backward(g_h, emb, w, grads)
    tok = np.zeros_like(w["embed.tok.emb"])
    np.add.at(tok, tokens.ravel(), g_emb.reshape(-1, g_emb.shape[-1]))  # repeated ids accumulate
    pos = np.zeros_like(w["embed.pos.emb"])
    pos[:seq] = g_emb.sum(axis=0)
    grads["embed.tok.emb"], grads["embed.pos.emb"] = tok, pos
    return {k: grads[k] for k in model.trainable()}


GRADIENTS: dict[str, Callable[[Workload, dict[str, np.ndarray], np.ndarray, np.ndarray],
                              Grads]] = {
    "mlp": mlp_grads,
    "cnn": cnn_grads,
    "transformer": transformer_grads,
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
