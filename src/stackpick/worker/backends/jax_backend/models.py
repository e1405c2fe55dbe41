"""The reference workloads as pure JAX functions over canonical-named parameters.

Each forward mirrors its float64 NumPy reference in ``stackpick.workloads`` line for line, in
float32. The CNN runs in NHWC / HWIO, the layout XLA:CPU's convolution kernels use natively
(NCHW would make XLA insert transposes around every convolution); ``to_native`` /
``inputs_to_native`` / ``to_canonical`` convert once, outside the timed region.
Imported only inside a worker process.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from stackpick.workloads.base import NORM_EPS, Workload
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP
from stackpick.workloads.transformer import Transformer

Params = dict[str, jax.Array]
Forward = Callable[[Params, jax.Array], jax.Array]
TrainStep = Callable[..., tuple[Params, Params, jax.Array]]

OIHW_TO_HWIO = (2, 3, 1, 0)
HWIO_TO_OIHW = (3, 2, 0, 1)
NCHW_TO_NHWC = (0, 2, 3, 1)


# -- building blocks -----------------------------------------------------------------------------
def dense(params: Params, name: str, x: jax.Array) -> jax.Array:
    return x @ params[f"{name}.W"] + params[f"{name}.b"]


def layer_norm(x: jax.Array, gamma: jax.Array, beta: jax.Array) -> jax.Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = jnp.square(x - mean).mean(axis=-1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + NORM_EPS) * gamma + beta


def batch_norm_inference(params: Params, prefix: str, x: jax.Array) -> jax.Array:
    """Running-statistics BatchNorm over the last (channel) axis of NHWC ``x``."""
    scale = params[f"{prefix}.gamma"] * lax.rsqrt(params[f"{prefix}.var"] + NORM_EPS)
    return (x - params[f"{prefix}.mean"]) * scale + params[f"{prefix}.beta"]


# -- models --------------------------------------------------------------------------------------
def mlp_forward(workload: MLP, params: Params, x: jax.Array) -> jax.Array:
    layers = len(workload.layer_sizes())
    h = x
    for i in range(1, layers + 1):
        h = dense(params, f"fc{i}", h)
        if i < layers:
            h = jax.nn.relu(h)
    return h


def cnn_forward(workload: CNN, params: Params, x: jax.Array) -> jax.Array:
    """``x`` is NHWC and conv weights HWIO (see ``to_native``)."""
    specs = {s[0]: s for s in workload.conv_specs()}

    def conv_bn(h: jax.Array, name: str) -> jax.Array:
        _, _, _, _, stride, pad = specs[name]
        # explicit symmetric padding: "SAME" pads stride-2 convolutions asymmetrically
        y = lax.conv_general_dilated(h, params[f"{name}.W"], (stride, stride),
                                     ((pad, pad), (pad, pad)),
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return batch_norm_inference(params, f"{name}.bn", y)

    relu = jax.nn.relu
    h = relu(conv_bn(x, "stem"))
    r = relu(conv_bn(h, "block1.conv1"))
    h = relu(conv_bn(r, "block1.conv2") + h)
    r = relu(conv_bn(h, "block2.conv1"))
    h = relu(conv_bn(r, "block2.conv2") + conv_bn(h, "block2.shortcut"))
    return dense(params, "head", h.mean(axis=(1, 2)))


def attention(workload: Transformer, params: Params, p: str, x: jax.Array) -> jax.Array:
    b, s, d = x.shape
    dh = d // workload.heads

    def split(t: jax.Array) -> jax.Array:  # [b, s, d] -> [b, heads, s, dh]
        return t.reshape(b, s, workload.heads, dh).transpose(0, 2, 1, 3)

    q, k, v = (split(dense(params, f"{p}.attn.{n}", x)) for n in "qkv")
    probs = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh), axis=-1)
    ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, d)
    return dense(params, f"{p}.attn.o", ctx)


def transformer_forward(workload: Transformer, params: Params, tokens: jax.Array) -> jax.Array:
    h = params["embed.tok.emb"][tokens] + params["embed.pos.emb"][None, : tokens.shape[1]]
    h = layer_norm(h, params["embed.ln.gamma"], params["embed.ln.beta"])
    for i in range(workload.layers):
        p = f"layer{i}"
        h = layer_norm(h + attention(workload, params, p, h),
                       params[f"{p}.ln1.gamma"], params[f"{p}.ln1.beta"])
        f = jax.nn.gelu(dense(params, f"{p}.ffn.in", h), approximate=False)  # exact erf form
        h = layer_norm(h + dense(params, f"{p}.ffn.out", f),
                       params[f"{p}.ln2.gamma"], params[f"{p}.ln2.beta"])
    return dense(params, "head", h[:, 0])


FORWARDS: dict[str, Callable[..., jax.Array]] = {
    "mlp": mlp_forward,
    "cnn": cnn_forward,
    "transformer": transformer_forward,
}


def forward_fn(workload: Workload) -> Forward:
    """``forward(params, x) -> logits`` for ``workload``, with its sizes bound statically."""
    if workload.name not in FORWARDS:
        raise NotImplementedError(f"no JAX model for workload {workload.name!r}")
    return partial(FORWARDS[workload.name], workload)


# -- training ------------------------------------------------------------------------------------
def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy over integer labels."""
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(logp, labels[:, None], axis=-1).mean()


def train_step_fn(workload: Workload, learning_rate: float, momentum: float) -> TrainStep:
    """``step(params, velocity, frozen, x, y) -> (params, velocity, loss)``.

    Gradients flow to ``params`` (the trainable ones) only; ``frozen`` holds BatchNorm
    statistics. Update: ``v = momentum * v + g; p = p - lr * v`` (optax.sgd with momentum).
    """
    forward = forward_fn(workload)

    def loss_fn(params: Params, frozen: Params, x: jax.Array, y: jax.Array) -> jax.Array:
        return cross_entropy(forward({**params, **frozen}, x), y)

    def step(params: Params, velocity: Params, frozen: Params, x: jax.Array,
             y: jax.Array) -> tuple[Params, Params, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, frozen, x, y)
        velocity = jax.tree_util.tree_map(lambda v, g: momentum * v + g, velocity, grads)
        params = jax.tree_util.tree_map(lambda p, v: p - learning_rate * v, params, velocity)
        return params, velocity, loss

    return step


# -- layouts (NumPy, outside the timed region) ---------------------------------------------------
def _is_conv_weight(workload: Workload, name: str, value: np.ndarray) -> bool:
    return workload.name == "cnn" and name.endswith(".W") and value.ndim == 4


def to_native(workload: Workload, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Canonical weights -> the layout the JAX models use (OIHW -> HWIO for the CNN)."""
    return {k: np.ascontiguousarray(v.transpose(OIHW_TO_HWIO))
            if _is_conv_weight(workload, k, v) else v for k, v in weights.items()}


def to_canonical(workload: Workload, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The inverse of ``to_native``, for parity on trained parameters."""
    return {k: np.ascontiguousarray(v.transpose(HWIO_TO_OIHW))
            if _is_conv_weight(workload, k, v) else v for k, v in params.items()}


def inputs_to_native(workload: Workload, inputs: np.ndarray) -> np.ndarray:
    """NCHW images -> NHWC; int64 token ids -> int32 (JAX's default integer width)."""
    if workload.name == "cnn":
        return np.ascontiguousarray(inputs.transpose(NCHW_TO_NHWC))
    if np.issubdtype(inputs.dtype, np.integer):
        return inputs.astype(np.int32)
    return inputs
