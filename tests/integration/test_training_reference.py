"""The float64 training reference: manual gradients vs finite differences and torch autograd.

Every backend's training parity is judged against ``reference_train``, so its gradients are
checked two independent ways at tiny sizes: central finite differences of the workload's own
``forward`` (no framework), and torch float64 autograd on a torch model built here from the
canonical weights (skipped where torch is not installed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from stackpick.workloads import TrainConfig, Workload, get_workload
from stackpick.workloads.training import GRADIENTS, cross_entropy_grad, reference_train

pytestmark = pytest.mark.integration

TINY: dict[str, dict[str, Any]] = {
    "mlp": {"in_features": 16, "hidden": (8, 8)},
    "cnn": {"image": 8, "channels": (4, 8)},
    "transformer": {"vocab": 50, "seq": 8, "d_model": 16, "heads": 2, "ffn": 32, "layers": 1},
}
# Extra shapes for the torch comparison: an odd image (stride-2 edges) and a two-layer encoder.
EXTRA: list[tuple[str, dict[str, Any]]] = [
    ("cnn", {"image": 7, "channels": (4, 8)}),
    ("transformer", {**TINY["transformer"], "layers": 2}),
]
CASES = [(name, params) for name, params in TINY.items()] + EXTRA
BATCH = 4


def _problem(name: str, params: dict[str, Any], seed: int = 0):
    workload = get_workload(name, {**params, "seed": seed})
    weights = {k: v.astype(np.float64) for k, v in workload.init_weights().items()}
    inputs = workload.make_inputs(BATCH)
    if name == "transformer":  # a repeated token id must accumulate into one embedding row
        inputs[1, 3] = inputs[0, 2]
    return workload, weights, inputs, workload.make_labels(BATCH)


def _loss(workload: Workload, weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray):
    return cross_entropy_grad(workload.forward(weights, x), y)[0]


def _probe_indices(name: str, shape: tuple[int, ...], x: np.ndarray, rng: np.random.Generator):
    """A few random entries; for the token table, rows that the batch actually uses."""
    picks = [tuple(int(rng.integers(0, n)) for n in shape) for _ in range(3)]
    if name == "embed.tok.emb":
        rows = [int(x[0, 2]), int(x[2, 5]), int(x[3, 0])]
        picks = [(r, int(rng.integers(0, shape[1]))) for r in rows]
    return picks


@pytest.mark.parametrize("name", list(TINY))
def test_gradients_match_finite_differences(name: str) -> None:
    workload, weights, x, y = _problem(name, TINY[name])
    grads = GRADIENTS[name](workload, weights, x, y)
    assert set(grads) == set(workload.trainable())
    rng = np.random.default_rng(1)
    eps = 1e-6
    for param in workload.trainable():
        assert grads[param].shape == weights[param].shape, param
        for idx in _probe_indices(param, weights[param].shape, x, rng):
            original = weights[param][idx]
            weights[param][idx] = original + eps
            up = _loss(workload, weights, x, y)
            weights[param][idx] = original - eps
            down = _loss(workload, weights, x, y)
            weights[param][idx] = original
            numeric = (up - down) / (2 * eps)
            assert grads[param][idx] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (param, idx)


def test_token_gradient_only_touches_used_rows() -> None:
    workload, weights, x, y = _problem("transformer", TINY["transformer"])
    grads = GRADIENTS["transformer"](workload, weights, x, y)
    unused = np.setdiff1d(np.arange(workload.vocab), x)
    assert unused.size and not grads["embed.tok.emb"][unused].any()


def test_cnn_statistics_are_not_trained() -> None:
    workload, weights, x, y = _problem("cnn", TINY["cnn"])
    trained = reference_train(workload, weights, x, y, TrainConfig())
    assert not any(k.endswith((".mean", ".var")) for k in trained)
    assert any(k.endswith(".bn.gamma") for k in trained)


def test_reference_train_leaves_inputs_alone() -> None:
    workload, weights, x, y = _problem("mlp", TINY["mlp"])
    before = {k: v.copy() for k, v in weights.items()}
    trained = reference_train(workload, weights, x, y, TrainConfig())
    for k, v in weights.items():
        np.testing.assert_array_equal(v, before[k])
        assert not np.array_equal(trained[k], v), k


def test_wrong_workload_is_rejected() -> None:
    workload, weights, x, y = _problem("mlp", TINY["mlp"])
    with pytest.raises(TypeError, match="CNN"):
        GRADIENTS["cnn"](workload, weights, x, y)


# -- torch float64 autograd ------------------------------------------------------------------
# A binding maps a canonical name to (torch parameter/buffer name, rows of a fused tensor,
# transposed?). Dense weights are [in, out] canonically but [out, in] in torch.
Binding = dict[str, tuple[str, slice | None, bool]]


def _torch_mlp(torch: Any, wl: Any):
    nn = torch.nn
    sizes = wl.layer_sizes()
    model = nn.ModuleDict({f"fc{i}": nn.Linear(a, b) for i, (a, b) in enumerate(sizes, 1)})
    binding: Binding = {}
    for i in range(1, len(sizes) + 1):
        binding[f"fc{i}.W"] = (f"fc{i}.weight", None, True)
        binding[f"fc{i}.b"] = (f"fc{i}.bias", None, False)

    def forward(x: Any) -> Any:
        for i in range(1, len(sizes) + 1):
            x = model[f"fc{i}"](x)
            x = torch.relu(x) if i < len(sizes) else x
        return x

    return model, binding, forward


def _torch_cnn(torch: Any, wl: Any):
    nn = torch.nn
    model, binding = nn.ModuleDict(), {}
    bn_leaves = {"gamma": "weight", "beta": "bias", "mean": "running_mean", "var": "running_var"}
    for name, c_in, c_out, k, stride, pad in wl.conv_specs():
        key = name.replace(".", "_")
        model[key] = nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, pad, bias=False),
                                   nn.BatchNorm2d(c_out, eps=1e-5))
        binding[f"{name}.W"] = (f"{key}.0.weight", None, False)
        for leaf, attr in bn_leaves.items():
            binding[f"{name}.bn.{leaf}"] = (f"{key}.1.{attr}", None, False)
    model["head"] = nn.Linear(wl.channels[-1], wl.classes)
    binding["head.W"], binding["head.b"] = ("head.weight", None, True), ("head.bias", None, False)

    def forward(x: Any) -> Any:
        h = torch.relu(model["stem"](x))
        r = torch.relu(model["block1_conv1"](h))
        h = torch.relu(model["block1_conv2"](r) + h)
        r = torch.relu(model["block2_conv1"](h))
        h = torch.relu(model["block2_conv2"](r) + model["block2_shortcut"](h))
        return model["head"](h.mean(dim=(2, 3)))

    model.eval()  # BatchNorm in inference form, as the reference defines it
    return model, binding, forward


def _torch_transformer(torch: Any, wl: Any):
    nn, d = torch.nn, wl.d_model
    model = nn.ModuleDict({"tok": nn.Embedding(wl.vocab, d), "pos": nn.Embedding(wl.seq, d),
                           "ln": nn.LayerNorm(d, eps=1e-5),
                           "head": nn.Linear(d, wl.classes)})
    binding: Binding = {"embed.tok.emb": ("tok.weight", None, False),
                        "embed.pos.emb": ("pos.weight", None, False),
                        "embed.ln.gamma": ("ln.weight", None, False),
                        "embed.ln.beta": ("ln.bias", None, False),
                        "head.W": ("head.weight", None, True), "head.b": ("head.bias", None, False)}
    for i in range(wl.layers):
        model[f"layer{i}"] = nn.TransformerEncoderLayer(
            d, wl.heads, wl.ffn, dropout=0.0, activation="gelu", layer_norm_eps=1e-5,
            batch_first=True, norm_first=False)
        binding.update(_encoder_binding(f"layer{i}", d))

    def forward(tokens: Any) -> Any:
        h = model["tok"](tokens) + model["pos"].weight[: tokens.shape[1]]
        h = model["ln"](h)
        for i in range(wl.layers):
            h = model[f"layer{i}"](h)
        return model["head"](h[:, 0])

    return model, binding, forward


def _encoder_binding(p: str, d: int) -> Binding:
    """torch fuses q/k/v into one in_proj tensor, rows in q, k, v order."""
    binding: Binding = {}
    for j, proj in enumerate("qkv"):
        rows = slice(j * d, (j + 1) * d)
        binding[f"{p}.attn.{proj}.W"] = (f"{p}.self_attn.in_proj_weight", rows, True)
        binding[f"{p}.attn.{proj}.b"] = (f"{p}.self_attn.in_proj_bias", rows, False)
    pairs = {"attn.o": "self_attn.out_proj", "ffn.in": "linear1", "ffn.out": "linear2"}
    for ours, theirs in pairs.items():
        binding[f"{p}.{ours}.W"] = (f"{p}.{theirs}.weight", None, True)
        binding[f"{p}.{ours}.b"] = (f"{p}.{theirs}.bias", None, False)
    for ours, theirs in {"ln1": "norm1", "ln2": "norm2"}.items():
        binding[f"{p}.{ours}.gamma"] = (f"{p}.{theirs}.weight", None, False)
        binding[f"{p}.{ours}.beta"] = (f"{p}.{theirs}.bias", None, False)
    return binding


BUILDERS = {"mlp": _torch_mlp, "cnn": _torch_cnn, "transformer": _torch_transformer}


class TorchRef:
    """A torch float64 model of one workload, loaded from canonical weights."""

    def __init__(self, torch: Any, workload: Workload, weights: dict[str, np.ndarray]):
        self.torch = torch
        self.model, self.binding, self.forward = BUILDERS[workload.name](torch, workload)
        self.model.double()
        self.tensors = dict(self.model.named_parameters()) | dict(self.model.named_buffers())
        params = {n for n, _ in self.model.named_parameters()}
        assert params == {t for k, (t, _, _) in self.binding.items() if k in workload.trainable()}
        with torch.no_grad():
            for name, value in weights.items():
                target, rows, transpose = self.binding[name]
                view = self.tensors[target] if rows is None else self.tensors[target][rows]
                view.copy_(torch.from_numpy(value.T.copy() if transpose else value))

    def canonical(self, name: str, grad: bool = False) -> np.ndarray:
        target, rows, transpose = self.binding[name]
        t = self.tensors[target].grad if grad else self.tensors[target]
        value = (t if rows is None else t[rows]).detach().numpy()
        return value.T if transpose else value

    def logits(self, x: np.ndarray) -> Any:
        # float32 images are widened like the reference does; token ids stay int64
        return self.forward(self.torch.from_numpy(x.astype(np.float64) if x.dtype.kind == "f"
                                                  else x))

    def loss(self, x: np.ndarray, y: np.ndarray) -> Any:
        return self.torch.nn.functional.cross_entropy(self.logits(x), self.torch.from_numpy(y))


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.parametrize(("name", "params"), CASES)
def test_gradients_match_torch_autograd(torch: Any, name: str, params: dict[str, Any]) -> None:
    workload, weights, x, y = _problem(name, params)
    ref = TorchRef(torch, workload, weights)
    loss = ref.loss(x, y)
    # The forward spec itself: torch's stock layers must compute the same logits.
    logits = ref.logits(x).detach().numpy()
    np.testing.assert_allclose(logits, workload.forward(weights, x), rtol=1e-10, atol=1e-12)
    loss.backward()
    grads = GRADIENTS[name](workload, weights, x, y)
    for param in workload.trainable():
        np.testing.assert_allclose(grads[param], ref.canonical(param, grad=True),
                                   rtol=1e-8, atol=1e-11, err_msg=param)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_reference_train_matches_torch_sgd(torch: Any, name: str, params: dict[str, Any]) -> None:
    workload, weights, x, y = _problem(name, params)
    config = TrainConfig()
    ref = TorchRef(torch, workload, weights)
    opt = torch.optim.SGD(ref.model.parameters(), lr=config.learning_rate,
                          momentum=config.momentum)
    for _ in range(config.parity_steps):
        opt.zero_grad()
        ref.loss(x, y).backward()
        opt.step()
    trained = reference_train(workload, weights, x, y, config)
    assert list(trained) == list(workload.trainable())
    for param, value in trained.items():
        np.testing.assert_allclose(value, ref.canonical(param), rtol=1e-8, atol=1e-11,
                                   err_msg=param)
        # A key bias shifts every score in a softmax row equally: its gradient is exactly 0.
        if not param.endswith(".attn.k.b"):
            assert not np.allclose(value, weights[param]), f"{param} did not move"
