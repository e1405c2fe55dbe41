"""A user's PyTorch model: ``file.py:factory`` loaded and run in a worker (imports torch).

The factory is user code, run as written: it returns an ``nn.Module``, or ``(module, example
inputs)`` where the inputs are a tensor or a tuple of tensors (one per argument of ``forward``).
A ``--weights`` state dict loads with ``torch.load(weights_only=True)``, which refuses pickled
code. Conversion paths live in :mod:`stackpick.worker.backends.torch_backend.user_routes`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils._pytree import tree_flatten

from stackpick.protocol.conversions import ModelAbout
from stackpick.usermodel.diagnose import ModelProblem, summary
from stackpick.usermodel.shapes import SEED, seeded
from stackpick.usermodel.spec import ModelSpec


class Loaded:
    """The module in eval mode and the factory's example inputs (host arrays), if any."""

    def __init__(self, module: nn.Module, example: list[np.ndarray] | None) -> None:
        self.module = module
        self.example = example


def _import_file(spec: ModelSpec) -> Any:
    """Import the model file under a private name; its directory goes on sys.path so it can
    import its neighbours, as it would when run from there."""
    path = Path(spec.path)
    name = f"stackpick_user_model_{abs(hash(spec.path))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ModelProblem(f"--model {spec.shown}: cannot import {path} as Python")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.parent))
    sys.dont_write_bytecode = True  # leave no __pycache__ beside the user's file
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise ModelProblem(f"--model {spec.shown}: importing {path.name} raised "
                           f"{summary(exc)[0]}; fix the file") from None
    finally:
        with contextlib.suppress(ValueError):  # the file may have edited sys.path itself
            sys.path.remove(str(path.parent))
    return module


def _host(t: Any, spec: ModelSpec, what: str) -> np.ndarray:
    if not isinstance(t, torch.Tensor):
        raise ModelProblem(f"--model {spec.shown}: {spec.factory}() gave {what} of type "
                           f"{type(t).__name__}; example inputs must be tensors")
    t = t.detach().cpu()
    return (t.float() if t.dtype in (torch.bfloat16, torch.float16) else t).numpy().copy()


def _unpack(made: Any, spec: ModelSpec) -> Loaded:
    """``module`` or ``(module, inputs)``; inputs a tensor or a tuple/list of tensors."""
    if isinstance(made, nn.Module):
        return Loaded(made, None)
    if isinstance(made, tuple | list) and len(made) == 2 and isinstance(made[0], nn.Module):
        example = made[1] if isinstance(made[1], tuple | list) else (made[1],)
        return Loaded(made[0], [_host(t, spec, "an example input") for t in example])
    raise ModelProblem(f"--model {spec.shown}: {spec.factory}() returned "
                       f"{type(made).__name__}; return an nn.Module, or (module, example "
                       "inputs) with the inputs as a tuple of tensors")


def _load_weights(module: nn.Module, spec: ModelSpec) -> None:
    assert spec.weights is not None
    try:  # weights_only: a state dict is data; never unpickle code from a file
        state = torch.load(spec.weights, map_location="cpu", weights_only=True)
        module.load_state_dict(state)
    except Exception as exc:
        raise ModelProblem(f"--weights {spec.weights}: cannot load it into {spec.shown} "
                           f"({summary(exc)[0]}); save it with torch.save(model.state_dict(), "
                           "path) from the same model class") from None


def _seed() -> None:
    """Factories often draw random weights and example inputs: seed every generator first."""
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    random.seed(SEED)


def load(spec: ModelSpec, backend: Any = None, state: str | None = None) -> Loaded:
    """Run the factory; load ``--weights`` if given, then ``state`` (the reference worker's
    own weights, so every path runs exactly the same ones); the module goes to eval mode."""
    factory = getattr(_import_file(spec), spec.factory or "", None)
    if not callable(factory):
        raise ModelProblem(f"--model {spec.shown}: {spec.factory} is not a function in "
                           f"{Path(spec.path).name}; name the function that returns the model")
    _seed()
    try:
        made = factory()
    except Exception as exc:
        raise ModelProblem(f"--model {spec.shown}: {spec.factory}() raised {summary(exc)[0]}; "
                           "fix the factory (stackpick calls it with no arguments)") from None
    loaded = _unpack(made, spec)
    if spec.weights:
        _load_weights(loaded.module, spec)
    if state:
        loaded.module.load_state_dict(torch.load(state, map_location="cpu", weights_only=True))
    loaded.module.eval()
    return loaded


def save_state(loaded: Loaded, directory: Path) -> dict[str, str]:
    """The reference module's weights, for the other workers (``{"state": path}``)."""
    path = directory / "state.pt"
    torch.save(loaded.module.state_dict(), path)
    return {"state": str(path)}


def make_inputs(spec: ModelSpec, loaded: Loaded) -> list[np.ndarray]:
    """``--input-shape`` (seeded) when given, else the factory's example inputs."""
    if spec.input_shapes:
        return [seeded(s, spec.dtype_of(i)) for i, s in enumerate(spec.input_shapes)]
    if loaded.example is None:
        raise ModelProblem(f"--model {spec.shown}: {spec.factory}() returned a module without "
                           "example inputs; pass --input-shape (one per input, batch first), "
                           "or return (module, example_inputs)")
    return loaded.example


def tensors(inputs: list[np.ndarray], device: str = "cpu") -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(a)).to(device) for a in inputs)


def host_outputs(out: Any) -> np.ndarray | dict[str, np.ndarray]:
    """A forward's result on the host: one array, or ``out0``, ``out1``... for nested outputs
    (tuples, dicts: flattened in pytree order, which exporters keep)."""
    leaves = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
    if not leaves:
        raise TypeError(f"the forward returned no tensor ({type(out).__name__})")
    arrays = [t.detach().float().cpu().numpy() if t.is_floating_point()
              else t.detach().cpu().numpy() for t in leaves]
    return arrays[0] if len(arrays) == 1 else {f"out{i}": a for i, a in enumerate(arrays)}


def describe_inputs(inputs: list[np.ndarray]) -> str:
    return ", ".join(f"{list(a.shape)} {a.dtype}" for a in inputs)


def reference(loaded: Loaded, inputs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
    """Eager PyTorch under inference_mode: the output every other path is compared with."""
    try:
        with torch.inference_mode():
            return host_outputs(loaded.module(*tensors(inputs)))
    except Exception as exc:
        raise ModelProblem(f"the forward fails on inputs {describe_inputs(inputs)}: "
                           f"{summary(exc)[0]}; check --input-shape and --input-dtype (one "
                           "--input-shape per forward argument, batch first)") from None


def describe(loaded: Loaded) -> ModelAbout:
    module = loaded.module
    return ModelAbout(type(module).__name__, int(sum(p.numel() for p in module.parameters())))

