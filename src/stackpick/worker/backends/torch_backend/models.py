"""PyTorch builds of the reference workloads, and the map between their tensors and canonical names.

Shared by the ``torch``, ``torch-compile`` and ``onnxruntime`` backends (loaded only in workers).
Each builder returns an ``nn.Module`` whose forward matches the workload's float64 reference;
:func:`layout` says where each canonical weight lives in that module (a parameter or buffer path,
a transpose for ``nn.Linear``'s ``[out, in]`` weight, a row range inside a fused tensor), so
:func:`load_canonical` and :func:`to_canonical` are exact inverses of each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from stackpick.workloads import Workload
from stackpick.workloads.base import NORM_EPS
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP
from stackpick.workloads.transformer import Transformer


@dataclass(frozen=True)
class Slot:
    """Where one canonical tensor lives in a module: ``state[path][rows].T`` if ``transpose``."""

    path: str
    transpose: bool = False
    rows: tuple[int, int] | None = None  # a slice of dim 0, for fused q/k/v projections


# -- modules --------------------------------------------------------------------------------
class MLPNet(nn.Module):
    def __init__(self, wl: MLP) -> None:
        super().__init__()
        self.layers = len(wl.layer_sizes())
        for i, (fan_in, fan_out) in enumerate(wl.layer_sizes(), start=1):
            self.add_module(f"fc{i}", nn.Linear(fan_in, fan_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, self.layers + 1):
            x = getattr(self, f"fc{i}")(x)
            if i < self.layers:
                x = F.relu(x)
        return x


class FrozenBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm that stays in inference form (running statistics) even under ``train()``.

    The workload defines BN with fixed statistics in training too, so every framework computes the
    same function; gamma/beta remain trainable parameters.
    """

    def train(self, mode: bool = True) -> FrozenBatchNorm2d:
        return super().train(False)


class ConvBN(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, pad: int) -> None:
        super().__init__()
        # Explicit symmetric padding: the canonical stride-2 conv pads 1 on every side.
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=pad, bias=False)
        self.bn = FrozenBatchNorm2d(c_out, eps=NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class CNNNet(nn.Module):
    def __init__(self, wl: CNN) -> None:
        super().__init__()
        spec = {name: rest for name, *rest in wl.conv_specs()}

        def block(*names: str) -> nn.ModuleDict:
            return nn.ModuleDict({n: ConvBN(*spec[f"{names[0]}.{n}"]) for n in names[1:]})

        self.stem = ConvBN(*spec["stem"])
        self.block1 = block("block1", "conv1", "conv2")
        self.block2 = block("block2", "conv1", "conv2", "shortcut")
        self.head = nn.Linear(wl.channels[-1], wl.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b1, b2 = self.block1, self.block2
        h = F.relu(self.stem(x))
        h = F.relu(b1["conv2"](F.relu(b1["conv1"](h))) + h)
        h = F.relu(b2["conv2"](F.relu(b2["conv1"](h))) + b2["shortcut"](h))
        return self.head(h.mean(dim=(2, 3)))


class SelfAttention(nn.Module):
    """Multi-head self-attention with one fused q/k/v projection (rows: q, then k, then v)."""

    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2)
                   for t in self.qkv(x).chunk(3, dim=-1))
        ctx = F.scaled_dot_product_attention(q, k, v)  # scale 1/sqrt(d_head), no mask
        return self.out(ctx.transpose(1, 2).reshape(b, s, d))


class EncoderLayer(nn.Module):
    """Post-LN encoder layer: LN(x + attn(x)), then LN(h + ffn(h)) with exact (erf) GELU."""

    def __init__(self, d_model: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.attn = SelfAttention(d_model, heads)
        self.ln1 = nn.LayerNorm(d_model, eps=NORM_EPS)
        self.ffn_in = nn.Linear(d_model, ffn)
        self.ffn_out = nn.Linear(ffn, d_model)
        self.ln2 = nn.LayerNorm(d_model, eps=NORM_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x + self.attn(x))
        return self.ln2(h + self.ffn_out(F.gelu(self.ffn_in(h), approximate="none")))


class Embeddings(nn.Module):
    def __init__(self, vocab: int, seq: int, d_model: int) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(seq, d_model))
        self.ln = nn.LayerNorm(d_model, eps=NORM_EPS)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.ln(self.tok(tokens) + self.pos[: tokens.shape[1]])


class TransformerNet(nn.Module):
    def __init__(self, wl: Transformer) -> None:
        super().__init__()
        self.embed = Embeddings(wl.vocab, wl.seq, wl.d_model)
        self.layers = nn.ModuleList(
            EncoderLayer(wl.d_model, wl.heads, wl.ffn) for _ in range(wl.layers)
        )
        self.head = nn.Linear(wl.d_model, wl.num_classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.embed(tokens)
        for layer in self.layers:
            h = layer(h)
        return self.head(h[:, 0])  # classify from the first token's state


# -- canonical name -> slot -----------------------------------------------------------------
def _linear(canonical: str, path: str) -> dict[str, Slot]:
    return {f"{canonical}.W": Slot(f"{path}.weight", transpose=True),
            f"{canonical}.b": Slot(f"{path}.bias")}


def _norm(canonical: str, path: str) -> dict[str, Slot]:
    return {f"{canonical}.gamma": Slot(f"{path}.weight"), f"{canonical}.beta": Slot(f"{path}.bias")}


def _mlp_layout(wl: MLP) -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    for i in range(1, len(wl.layer_sizes()) + 1):
        slots |= _linear(f"fc{i}", f"fc{i}")
    return slots


def _cnn_layout(wl: CNN) -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    for name, *_ in wl.conv_specs():
        slots[f"{name}.W"] = Slot(f"{name}.conv.weight")  # OIHW on both sides
        slots |= _norm(f"{name}.bn", f"{name}.bn")
        slots[f"{name}.bn.mean"] = Slot(f"{name}.bn.running_mean")
        slots[f"{name}.bn.var"] = Slot(f"{name}.bn.running_var")
    return slots | _linear("head", "head")


def _transformer_layout(wl: Transformer) -> dict[str, Slot]:
    d = wl.d_model
    slots = {"embed.tok.emb": Slot("embed.tok.weight"), "embed.pos.emb": Slot("embed.pos")}
    slots |= _norm("embed.ln", "embed.ln")
    for i in range(wl.layers):
        c, t = f"layer{i}", f"layers.{i}"
        for j, proj in enumerate("qkv"):  # fused in_proj = [q; k; v] along the output rows
            rows = (j * d, (j + 1) * d)
            slots[f"{c}.attn.{proj}.W"] = Slot(f"{t}.attn.qkv.weight", True, rows)
            slots[f"{c}.attn.{proj}.b"] = Slot(f"{t}.attn.qkv.bias", False, rows)
        slots |= _linear(f"{c}.attn.o", f"{t}.attn.out")
        slots |= _norm(f"{c}.ln1", f"{t}.ln1") | _norm(f"{c}.ln2", f"{t}.ln2")
        slots |= _linear(f"{c}.ffn.in", f"{t}.ffn_in") | _linear(f"{c}.ffn.out", f"{t}.ffn_out")
    return slots | _linear("head", "head")


# workload name -> (module builder, canonical layout); both take the concrete workload type
BUILDERS: dict[str, tuple[Callable[..., nn.Module], Callable[..., dict[str, Slot]]]] = {
    "mlp": (MLPNet, _mlp_layout),
    "cnn": (CNNNet, _cnn_layout),
    "transformer": (TransformerNet, _transformer_layout),
}


def layout(workload: Workload) -> dict[str, Slot]:
    """Canonical weight name -> where it lives in the module :func:`build_model` returns."""
    return BUILDERS[workload.name][1](workload)


def _state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {**dict(module.named_parameters()), **dict(module.named_buffers())}


def _view(state: dict[str, torch.Tensor], slot: Slot) -> torch.Tensor:
    t = state[slot.path]
    if slot.rows is not None:
        t = t[slot.rows[0] : slot.rows[1]]
    return t.T if slot.transpose else t


@torch.no_grad()
def load_canonical(module: nn.Module, workload: Workload, weights: dict[str, np.ndarray]) -> None:
    """Copy canonical weights into ``module`` in place; every module tensor must be covered."""
    state = _state(module)
    slots = layout(workload)
    for name, slot in slots.items():
        target = _view(state, slot)
        source = torch.from_numpy(np.ascontiguousarray(weights[name]))
        if tuple(target.shape) != source.shape:  # copy_ would broadcast a wrong shape silently
            raise ValueError(f"{name}: canonical {source.shape} vs torch {tuple(target.shape)}")
        target.copy_(source)
    missed = _uncovered(state, slots.values())
    if missed:
        raise ValueError(f"torch tensors with no canonical weight: {', '.join(missed)}")


def _uncovered(state: dict[str, torch.Tensor], slots: Iterable[Slot]) -> list[str]:
    # BatchNorm's num_batches_tracked counter is not a weight: it is unused in inference form.
    covered = {s.path for s in slots}
    return [p for p in state if p not in covered and not p.endswith("num_batches_tracked")]


@torch.no_grad()
def to_canonical(module: nn.Module, workload: Workload,
                 names: Iterable[str]) -> dict[str, np.ndarray]:
    """The named canonical tensors read back from ``module`` (float32 host copies)."""
    state, slots = _state(module), layout(workload)
    return {n: _view(state, slots[n]).detach().to("cpu", torch.float32).numpy().copy()
            for n in names}


def build_model(workload: Workload, weights: dict[str, np.ndarray],
                dtype: torch.dtype = torch.float32) -> nn.Module:
    """A module computing ``workload.forward`` with ``weights`` loaded, in inference mode (eval)."""
    module = BUILDERS[workload.name][0](workload)
    load_canonical(module, workload, weights)
    return module.to(dtype).eval()


def input_tensor(workload: Workload, inputs: np.ndarray, dtype: torch.dtype = torch.float32,
                 device: str = "cpu") -> torch.Tensor:
    """The canonical input as a tensor: token ids stay int64, everything else takes ``dtype``."""
    t = torch.from_numpy(np.ascontiguousarray(inputs))
    t = t.to(torch.int64) if workload.input_dtype == "int64" else t.to(dtype)
    return t.to(device)
