"""``transformer``: a BERT-mini-scale encoder classifier over token ids.

token + position embeddings -> LayerNorm -> N post-LN encoder layers (multi-head self-attention
with separate q/k/v/o projections, residual, LayerNorm; exact-GELU feed-forward, residual,
LayerNorm) -> the first token's state -> linear head. No attention mask, no dropout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackpick.workloads.base import Workload, as_float64, gelu_erf, layer_norm, softmax


@dataclass(frozen=True)
class Transformer(Workload):
    name = "transformer"
    description = "Transformer encoder (BERT-mini scale: 2 layers, d=256, 4 heads, seq 128)"
    input_dtype = "int64"
    default_batches = (1, 8)
    default_train_batch = 8
    vocab: int = 1000
    seq: int = 128
    d_model: int = 256
    heads: int = 4
    ffn: int = 1024
    layers: int = 2
    classes: int = 10

    @property
    def num_classes(self) -> int:
        return self.classes

    def input_shape(self, batch: int) -> tuple[int, ...]:
        return (batch, self.seq)

    def make_inputs(self, batch: int) -> np.ndarray:
        rng = self._rng(f"inputs/{batch}")
        return rng.integers(0, self.vocab, (batch, self.seq)).astype(np.int64)

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        d, f = self.d_model, self.ffn
        shapes: dict[str, tuple[int, ...]] = {
            "embed.tok.emb": (self.vocab, d),
            "embed.pos.emb": (self.seq, d),
            "embed.ln.gamma": (d,),
            "embed.ln.beta": (d,),
        }
        for i in range(self.layers):
            p = f"layer{i}"
            for proj in ("q", "k", "v", "o"):
                shapes[f"{p}.attn.{proj}.W"] = (d, d)
                shapes[f"{p}.attn.{proj}.b"] = (d,)
            shapes[f"{p}.ln1.gamma"] = (d,)
            shapes[f"{p}.ln1.beta"] = (d,)
            shapes[f"{p}.ffn.in.W"] = (d, f)
            shapes[f"{p}.ffn.in.b"] = (f,)
            shapes[f"{p}.ffn.out.W"] = (f, d)
            shapes[f"{p}.ffn.out.b"] = (d,)
            shapes[f"{p}.ln2.gamma"] = (d,)
            shapes[f"{p}.ln2.beta"] = (d,)
        shapes["head.W"] = (d, self.classes)
        shapes["head.b"] = (self.classes,)
        return shapes

    def attention(self, w: dict[str, np.ndarray], p: str, x: np.ndarray) -> np.ndarray:
        b, s, d = x.shape
        dh = d // self.heads

        def split(t: np.ndarray) -> np.ndarray:  # [b, s, d] -> [b, heads, s, dh]
            return t.reshape(b, s, self.heads, dh).transpose(0, 2, 1, 3)

        q, k, v = (split(x @ w[f"{p}.attn.{n}.W"] + w[f"{p}.attn.{n}.b"]) for n in "qkv")
        probs = softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh))
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, d)
        return ctx @ w[f"{p}.attn.o.W"] + w[f"{p}.attn.o.b"]

    def forward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        w = as_float64(weights)
        tokens = np.asarray(x, dtype=np.int64)
        h = w["embed.tok.emb"][tokens] + w["embed.pos.emb"][None, : tokens.shape[1]]
        h = layer_norm(h, w["embed.ln.gamma"], w["embed.ln.beta"])
        for i in range(self.layers):
            p = f"layer{i}"
            h = layer_norm(h + self.attention(w, p, h), w[f"{p}.ln1.gamma"], w[f"{p}.ln1.beta"])
            f = gelu_erf(h @ w[f"{p}.ffn.in.W"] + w[f"{p}.ffn.in.b"])
            f = f @ w[f"{p}.ffn.out.W"] + w[f"{p}.ffn.out.b"]
            h = layer_norm(h + f, w[f"{p}.ln2.gamma"], w[f"{p}.ln2.beta"])
        return h[:, 0] @ w["head.W"] + w["head.b"]
