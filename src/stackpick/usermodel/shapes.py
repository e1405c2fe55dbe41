"""Input shapes and seeded input values for user models (NumPy only; used inside workers).

A model file may leave dimensions open (ONNX ``dim_param``, Keras ``None``). ``--input-shape``
fills them; without it an open first (batch) dimension becomes 1 and any other open dimension is
a mistake the message explains.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stackpick.usermodel.diagnose import ModelProblem

SEED = 0
INT_HIGH = 10  # integer inputs (token ids) are drawn from 0..9: valid for any vocabulary >= 10
Dim = int | str | None


def seeded(shape: Sequence[int], dtype: str) -> np.ndarray:
    """Values from a fixed seed: standard normal floats, integers 0..9, or booleans."""
    rng = np.random.default_rng([SEED, *shape])
    kind = np.dtype(dtype).kind
    if kind in "iu":
        return rng.integers(0, INT_HIGH, tuple(shape)).astype(dtype)
    if kind == "b":
        return rng.integers(0, 2, tuple(shape)).astype(bool)
    return rng.standard_normal(tuple(shape)).astype(dtype)


def show(dims: Sequence[Dim]) -> str:
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _text(shape: Sequence[int]) -> str:
    return ",".join(map(str, shape))


def _open(d: Dim) -> bool:
    return not isinstance(d, int) or d < 1


def fill_shape(name: str, dims: Sequence[Dim], given: Sequence[int] | None) -> tuple[int, ...]:
    """The concrete shape of input ``name``: ``given`` checked against the model's fixed dims,
    or the model's dims with an open batch dimension set to 1."""
    if given is not None:
        if len(given) != len(dims):
            raise ModelProblem(f"input {name!r} has {len(dims)} dims {show(dims)} in the model, "
                               f"but --input-shape {_text(given)} has {len(given)}; fix "
                               "--input-shape")
        for i, (d, g) in enumerate(zip(dims, given, strict=True)):
            if not _open(d) and d != g:
                raise ModelProblem(f"input {name!r} is {show(dims)} in the model; --input-shape "
                                   f"{_text(given)} disagrees at dim {i} ({g} != {d}); fix "
                                   "--input-shape")
        return tuple(given)
    if any(_open(d) for d in dims[1:]):
        example = ",".join("1" if i == 0 and _open(d) else "16" if _open(d) else str(d)
                           for i, d in enumerate(dims))
        raise ModelProblem(f"input {name!r} has open dims {show(dims)}; pass --input-shape for "
                           f"each input, e.g. --input-shape {example}")
    return tuple(d if isinstance(d, int) and d >= 1 else 1 for d in dims)


def fill_all(names: Sequence[str], dims: Sequence[Sequence[Dim]],
             given: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """Every input's shape; ``given`` is empty or has one shape per input."""
    if given and len(given) != len(names):
        raise ModelProblem(f"the model has {len(names)} input(s) ({', '.join(names)}); give "
                           f"--input-shape once per input (got {len(given)})")
    return [fill_shape(n, d, given[i] if given else None)
            for i, (n, d) in enumerate(zip(names, dims, strict=True))]
