"""Reference workloads without any framework: shapes, seeding, forwards and the float64 kernels."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackpick.workloads import WORKLOADS, get_workload
from stackpick.workloads.base import conv2d_nchw, erf, gelu_erf

TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": (8, 8)},
    "cnn": {"image": 8, "channels": (4, 8)},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_weights_have_declared_shapes_and_float32(name: str) -> None:
    workload = get_workload(name)
    weights = workload.init_weights()
    shapes = workload.weight_shapes()
    assert list(weights) == list(shapes)  # stable order: backends and reports rely on it
    for key, value in weights.items():
        assert value.shape == shapes[key], key
        assert value.dtype == np.float32, key
        assert np.isfinite(value).all(), key
    assert set(workload.trainable()) <= set(shapes)


def test_cnn_running_statistics_are_not_trainable() -> None:
    trainable = get_workload("cnn").trainable()
    assert not any(k.endswith((".mean", ".var")) for k in trainable)
    assert "stem.bn.gamma" in trainable and "stem.bn.beta" in trainable


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_same_seed_same_data_other_seed_differs(name: str) -> None:
    a, b, c = (get_workload(name, {**TINY[name], "seed": s}) for s in (0, 0, 1))
    wa, wb, wc = a.init_weights(), b.init_weights(), c.init_weights()
    for key in wa:
        np.testing.assert_array_equal(wa[key], wb[key])
        assert not np.array_equal(wa[key], wc[key]), key
    np.testing.assert_array_equal(a.make_inputs(4), b.make_inputs(4))
    np.testing.assert_array_equal(a.make_labels(4), b.make_labels(4))
    assert not np.array_equal(a.make_inputs(4), c.make_inputs(4))


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_inputs_and_labels_have_canonical_shape_and_dtype(name: str) -> None:
    workload = get_workload(name, TINY[name])
    x, y = workload.make_inputs(3), workload.make_labels(3)
    assert x.shape == workload.input_shape(3)
    assert x.dtype == np.dtype(workload.input_dtype)
    assert y.shape == (3,) and y.dtype == np.int64
    assert ((y >= 0) & (y < workload.num_classes)).all()


@pytest.mark.parametrize("name", list(WORKLOADS))
@pytest.mark.parametrize("batch", [1, 3])
def test_forward_gives_finite_float64_logits(name: str, batch: int) -> None:
    workload = get_workload(name, TINY[name])
    logits = workload.forward(workload.init_weights(), workload.make_inputs(batch))
    assert logits.shape == (batch, workload.num_classes)
    assert logits.dtype == np.float64
    assert np.isfinite(logits).all()


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_default_size_forward_completes(name: str) -> None:
    workload = get_workload(name)
    batch = max(workload.default_batches)
    weights, x = workload.init_weights(), workload.make_inputs(batch)
    start = time.perf_counter()
    logits = workload.forward(weights, x)
    elapsed = time.perf_counter() - start
    assert logits.shape == (batch, workload.num_classes), f"took {elapsed:.2f}s"
    assert np.isfinite(logits).all()


# -- float64 kernels -----------------------------------------------------------------------
def _math_erf(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) for v in x.ravel()]).reshape(x.shape)


def test_erf_matches_math_erf_on_a_dense_grid() -> None:
    # Covers all three rational pieces (|x| <= 0.46875, <= 4, > 4) and their boundaries.
    edges = [0.0, 0.46875, 4.0, 6.0, 1e-300, 1e-10, 26.0]
    x = np.concatenate([np.linspace(-8.0, 8.0, 40001), edges, np.negative(edges)])
    err = np.abs(erf(x) - _math_erf(x))
    assert err.max() <= 1e-14
    # Near 0 erf is ~ 2x/sqrt(pi): the small piece must stay relatively accurate too.
    tiny = np.geomspace(1e-300, 1e-3, 50)
    np.testing.assert_allclose(erf(tiny), _math_erf(tiny), rtol=1e-14, atol=0)


def test_erf_special_values() -> None:
    out = erf(np.array([np.inf, -np.inf, np.nan, -0.0]))
    assert out[0] == 1.0 and out[1] == -1.0 and np.isnan(out[2])
    assert out[3] == 0.0 and math.copysign(1.0, out[3]) == -1.0


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-30.0, max_value=30.0, allow_nan=False))
def test_erf_matches_math_erf_anywhere(v: float) -> None:
    assert abs(float(erf(np.array([v]))[0]) - math.erf(v)) <= 1e-14


def test_gelu_is_exact_erf_form() -> None:
    x = np.linspace(-10.0, 10.0, 2001)
    expected = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])
    np.testing.assert_allclose(gelu_erf(x), expected, rtol=0, atol=1e-13)
    # The tanh approximation differs by ~1e-4 here; the reference must not be that one.
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.abs(gelu_erf(x) - tanh_form).max() > 1e-5


def _naive_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    xp[:, :, pad : pad + h, pad : pad + wd] = x
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for b in range(n):
        for f in range(o):
            for i in range(oh):
                for j in range(ow):
                    patch = xp[b, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[b, f, i, j] = (patch * w[f]).sum()
    return out


@pytest.mark.parametrize(("kernel", "stride", "pad", "size"),
                         [(3, 1, 1, 5), (3, 2, 1, 5), (3, 2, 1, 6), (1, 2, 0, 5), (3, 1, 0, 4)])
def test_conv2d_matches_naive_loop(kernel: int, stride: int, pad: int, size: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, size, size))
    w = rng.standard_normal((4, 3, kernel, kernel))
    np.testing.assert_allclose(conv2d_nchw(x, w, stride, pad), _naive_conv(x, w, stride, pad),
                               rtol=1e-12, atol=1e-12)
