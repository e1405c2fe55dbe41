"""The float64 references of the transformation tasks, checked by finite differences of the
plain forward (NumPy only, tiny workloads), and the plan's rules for the new tasks."""

from __future__ import annotations

import numpy as np
import pytest

from stackpick.cli.choices import parse_backends
from stackpick.harness.plan import plan_study
from stackpick.workloads import get_workload
from stackpick.workloads import transforms as T
from stackpick.workloads.base import Workload, softmax

TINY = {"mlp": {"in_features": 6, "hidden": [5, 4], "classes": 3},
        "cnn": {"image": 6, "channels": [2, 3], "classes": 3},
        "transformer": {"vocab": 11, "seq": 4, "d_model": 4, "heads": 2, "ffn": 6,
                        "layers": 1, "classes": 3}}


def _setup(name: str, batch: int = 3) -> tuple[Workload, dict, np.ndarray, np.ndarray]:
    wl = get_workload(name, TINY[name])
    w = {k: v.astype(np.float64) for k, v in wl.init_weights().items()}
    return wl, w, wl.make_inputs(batch), wl.make_labels(batch)


def _loss(wl: Workload, w: dict, x: np.ndarray, y: np.ndarray) -> float:
    p = softmax(wl.forward(w, x))
    return float(-np.log(p[np.arange(len(y)), y]).mean())


def _fd(f, a: np.ndarray, idx: tuple[int, ...], eps: float = 1e-6) -> float:
    plus, minus = a.copy(), a.copy()
    plus[idx] += eps
    minus[idx] -= eps
    return (f(plus) - f(minus)) / (2 * eps)


@pytest.mark.parametrize("name", ["mlp", "cnn", "transformer"])
def test_per_example_grads_match_finite_differences_of_each_loss(name: str) -> None:
    wl, w, x, y = _setup(name)
    grads = T.per_example_grads(wl, w, x, y)
    rng = np.random.default_rng(1)
    for pname in ("head.W" if name != "mlp" else "fc1.W", *wl.trainable()[:2]):
        idx = tuple(int(rng.integers(0, s)) for s in w[pname].shape)
        for i in range(len(y)):
            def loss_i(value: np.ndarray, i: int = i, pname: str = pname) -> float:
                return _loss(wl, {**w, pname: value}, x[i : i + 1], y[i : i + 1])
            assert grads[pname][(i, *idx)] == pytest.approx(_fd(loss_i, w[pname], idx),
                                                           abs=1e-6, rel=1e-5)
    assert all(grads[k].shape == (len(y), *w[k].shape) for k in wl.trainable())


def test_mlp_exact_hvp_matches_the_finite_difference_of_its_gradient() -> None:
    wl, w, x, y = _setup("mlp", batch=4)
    v = T.tangent(wl)
    exact, fd = T.mlp_hvp(wl, w, x, y, v), T.fd_hvp(wl, w, x, y, v)
    scale = max(np.abs(a).max() for a in exact.values())
    assert max(np.abs(exact[k] - fd[k]).max() for k in exact) < 1e-6 * scale


def test_mlp_hvp_matches_second_differences_of_the_loss() -> None:
    """v . H e_j from the loss alone: no gradient code involved."""
    wl, w, x, y = _setup("mlp")
    v = T.tangent(wl)
    hv = T.mlp_hvp(wl, w, x, y, v)
    eps = 1e-4
    for pname, idx in (("fc1.W", (2, 3)), ("fc3.b", (1,))):
        def directional(a: np.ndarray, pname: str = pname) -> float:
            # d/dt L(w with pname=a, + t v) at t=0, central difference
            moved = {k: w[k] + (eps * v[k] if k in v else 0) for k in w}
            back = {k: w[k] - (eps * v[k] if k in v else 0) for k in w}
            moved[pname], back[pname] = a + eps * v[pname], a - eps * v[pname]
            return (_loss(wl, moved, x, y) - _loss(wl, back, x, y)) / (2 * eps)
        assert hv[pname][idx] == pytest.approx(_fd(directional, w[pname], idx, 1e-4),
                                               rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("name", ["cnn", "transformer"])
def test_finite_difference_hvp_is_symmetric(name: str) -> None:
    """u . H v == v . H u holds for a true Hessian-vector product, not for a wrong one."""
    wl, w, x, y = _setup(name)
    v = T.tangent(wl)
    u = {k: np.roll(a, 1) for k, a in v.items()}
    hv, hu = T.fd_hvp(wl, w, x, y, v), T.fd_hvp(wl, w, x, y, u)
    uhv = sum(float((u[k] * hv[k]).sum()) for k in v)
    vhu = sum(float((v[k] * hu[k]).sum()) for k in v)
    assert uhv == pytest.approx(vhu, rel=1e-6)


def test_mlp_input_jacobian_matches_finite_differences() -> None:
    wl, w, x, _ = _setup("mlp")
    jac = T.mlp_input_jacobian(wl, w, x)
    assert jac.shape == (3, 3, 6)
    for i in range(3):
        for j in (0, 4):
            def column(xi: np.ndarray, i: int = i) -> np.ndarray:
                return wl.forward(w, xi[None])[0]
            plus, minus = x[i].astype(np.float64), x[i].astype(np.float64)
            plus[j] += 1e-6
            minus[j] -= 1e-6
            fd = (column(plus) - column(minus)) / 2e-6
            np.testing.assert_allclose(jac[i, :, j], fd, rtol=1e-5, atol=1e-7)


def test_tangent_is_seeded_float32_and_covers_the_trainable_set() -> None:
    wl = get_workload("cnn", TINY["cnn"])
    a, b = T.tangent(wl), T.tangent(wl)
    assert set(a) == set(wl.trainable())  # BatchNorm statistics are not differentiated
    assert all(a[k].dtype == np.float32 and np.array_equal(a[k], b[k]) for k in a)


def test_reference_refuses_a_task_outside_its_workloads() -> None:
    wl, w, x, y = _setup("cnn")
    with pytest.raises(ValueError, match="jacobian"):
        T.reference(wl, "jacobian", w, x, y)


def test_plan_runs_loop_only_for_transformations_and_jacobian_only_on_the_mlp() -> None:
    backends = parse_backends("torch,jax,tensorflow")
    plan = plan_study(["mlp", "cnn"], backends, ["inference", "per_example_grad", "jacobian"],
                      None, None, threads=1)
    labels = {(c.workload, c.task): sorted(x.label for x in plan.cells
                                           if (x.workload, x.task) == (c.workload, c.task))
              for c in plan.cells}
    assert "torch:loop" not in labels[("mlp", "inference")]
    assert "tensorflow:eager" in labels[("mlp", "inference")]
    assert labels[("mlp", "per_example_grad")] == [
        "jax", "jax:loop", "tensorflow:graph", "tensorflow:loop", "tensorflow:xla", "torch",
        "torch:loop"]
    assert ("cnn", "jacobian") not in labels and ("mlp", "jacobian") in labels
    batches = {(c.workload, c.task): c.batch for c in plan.cells}
    assert batches[("mlp", "per_example_grad")] == 16 and batches[("mlp", "jacobian")] == 16
