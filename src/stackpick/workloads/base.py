"""Framework-neutral reference workloads: seeded NumPy weights and a float64 NumPy forward.

Canonical layouts (every backend converts from these, outside the timed region):
- dense weights are ``[in, out]`` (``y = x @ W + b``); torch.nn.Linear wants the transpose;
- convolution weights are ``OIHW`` and images ``NCHW``; TensorFlow on CPU wants ``HWIO``/``NHWC``;
- attention projections are separate ``q``, ``k``, ``v``, ``o`` matrices; fused layouts concatenate;
- GELU is the exact (erf) form; LayerNorm and BatchNorm use ``eps = 1e-5`` everywhere.
Every workload ends in logits of shape ``[batch, classes]`` so parity data stays small.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

NORM_EPS = 1e-5


@dataclass(frozen=True)
class TrainConfig:
    """The optimiser every backend uses: SGD with momentum on mean softmax cross-entropy."""

    learning_rate: float = 0.01
    momentum: float = 0.9
    parity_steps: int = 3


@dataclass(frozen=True)
class Workload(ABC):
    """A reference model. Subclasses are frozen dataclasses whose fields are its size knobs."""

    name: ClassVar[str]
    description: ClassVar[str]
    input_dtype: ClassVar[str] = "float32"
    default_batches: ClassVar[tuple[int, ...]] = (1, 32)
    default_train_batch: ClassVar[int] = 32
    seed: int = 0

    # -- shape of the problem -------------------------------------------------------------
    @property
    @abstractmethod
    def num_classes(self) -> int: ...

    @abstractmethod
    def input_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of one input batch in canonical layout."""

    @abstractmethod
    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every parameter, in canonical layout and a stable order."""

    # -- the reference --------------------------------------------------------------------
    @abstractmethod
    def forward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        """Float64 reference logits ``[batch, classes]`` for canonical weights and inputs."""

    def trainable(self) -> tuple[str, ...]:
        """Names of the parameters the training step updates (all of them by default)."""
        return tuple(self.weight_shapes())

    # -- seeded data ----------------------------------------------------------------------
    def init_weights(self) -> dict[str, np.ndarray]:
        """Seeded float32 weights; each tensor has its own stream so shapes can change alone."""
        return {n: self._init(n, s) for n, s in self.weight_shapes().items()}

    def _rng(self, label: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(label.encode())])

    def _init(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        rng = self._rng(name)
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("b", "beta", "mean"):
            value = 0.1 * rng.standard_normal(shape)
        elif leaf == "gamma":
            value = 1.0 + 0.1 * rng.standard_normal(shape)
        elif leaf == "var":
            value = rng.uniform(0.5, 1.5, shape)
        elif leaf == "emb":
            value = 0.5 * rng.standard_normal(shape)
        else:  # He-style scale keeps activations O(1) through depth
            fan_in = int(np.prod(shape[1:])) if len(shape) == 4 else shape[0]
            value = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        return value.astype(np.float32)

    def make_inputs(self, batch: int) -> np.ndarray:
        """Seeded inputs of the canonical shape and dtype."""
        rng = self._rng(f"inputs/{batch}")
        return rng.standard_normal(self.input_shape(batch)).astype(np.float32)

    def make_labels(self, batch: int) -> np.ndarray:
        """Seeded integer class labels for the training step."""
        return self._rng(f"labels/{batch}").integers(0, self.num_classes, batch).astype(np.int64)


def as_float64(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}


# -- float64 building blocks shared by the reference forwards ---------------------------------
def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969), as in Netlib SPECFUN CALERF: three rational fits, each accurate to ~1e-16, evaluated
# on whole arrays. math.erf per element (np.vectorize) took seconds on a transformer FFN.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRT_PI = 5.6418958354775628695e-1


def _rational(t: np.ndarray, num: tuple[float, ...], den: tuple[float, ...]) -> np.ndarray:
    """Cody's nested form: leading numerator coefficient last, denominator monic."""
    xnum, xden = num[-1] * t, t
    for a, b in zip(num[: len(den) - 1], den[:-1], strict=True):
        xnum, xden = (xnum + a) * t, (xden + b) * t
    return (xnum + num[len(den) - 1]) / (xden + den[-1])


def _erfc_scaled_exp(y: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """``exp(-y*y) * ratio`` with y*y split so the exponent keeps full precision."""
    ysq = np.trunc(y * 16.0) / 16.0
    return np.exp(-ysq * ysq) * np.exp(-(y - ysq) * (y + ysq)) * ratio


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorised float64 error function (matches ``math.erf`` to ~1e-16 absolute)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = np.ones_like(y)  # erf(|x|) == 1.0 in float64 beyond |x| ~ 5.9
    small, mid = y <= 0.46875, (y > 0.46875) & (y <= 4.0)
    large = (y > 4.0) & (y < 6.0)
    ys = y[small]
    out[small] = ys * _rational(ys * ys, _ERF_A, _ERF_B)
    ym = y[mid]
    out[mid] = 1.0 - _erfc_scaled_exp(ym, _rational(ym, _ERF_C, _ERF_D))
    yl = y[large]
    inv = 1.0 / (yl * yl)
    tail = (_INV_SQRT_PI - inv * _rational(inv, _ERF_P, _ERF_Q)) / yl
    out[large] = 1.0 - _erfc_scaled_exp(yl, tail)
    out[np.isnan(y)] = np.nan
    return np.copysign(out, x)


def gelu_erf(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + NORM_EPS) * gamma + beta


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """Patches ``[n, c, kh, kw, oh, ow]`` of NCHW ``x``; shared with the training backward."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride]
    return cols


def conv2d_nchw(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Direct float64 convolution (im2col); ``x`` NCHW, ``w`` OIHW, symmetric zero padding."""
    cols = im2col(x, w.shape[2], w.shape[3], stride, pad)
    return np.einsum("nckluv,ockl->nouv", cols, w, optimize=True)


def batch_norm_inference(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    """BatchNorm with running statistics (inference form), per channel of NCHW ``x``."""
    shape = (1, -1, 1, 1)
    scale = w[f"{prefix}.gamma"] / np.sqrt(w[f"{prefix}.var"] + NORM_EPS)
    return (x - w[f"{prefix}.mean"].reshape(shape)) * scale.reshape(shape) + w[
        f"{prefix}.beta"
    ].reshape(shape)
