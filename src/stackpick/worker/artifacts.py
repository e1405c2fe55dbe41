"""Deployable artifacts (``.tflite``, ``.pte``, ``.onnx``): written by a set-up cell for the
cold-start pass, and loaded in a fresh process by the light runner of the backend that made
them (``worker/backends/<family>_backend/runner.py``: ``import_runtime()`` and ``load(path,
threads, x)``), which imports only its runtime, never the framework that made the artifact:
this is what a deployed service or app carries.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from stackpick.protocol.cold_start import Artifact


def failure_line(exc: BaseException, with_cause: bool = True) -> str:
    """The converter's error as one line naming the root cause (exporters wrap it), with the
    plain-language cause where a known pattern matches (``usermodel.diagnose``). A user
    model's portability matrix classifies the cause itself: ``with_cause=False`` there."""
    from stackpick.usermodel.diagnose import classify, summary

    line, text = summary(exc)
    cause = classify(text) if with_cause else None
    return f"{line}; likely cause: {cause[0]}: {cause[1]}" if cause else line


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def write_artifact(directory: str, name: str, data: bytes, loader: str, runner: str,
                   x: np.ndarray, tolerance: tuple[float, float, str] | None = None
                   ) -> Artifact:
    """Write ``data`` and the input it takes (in the runtime's own dtype and layout) for a
    fresh process to load with ``runner`` (the module holding ``load``)."""
    path = Path(directory) / name
    path.write_bytes(data)
    feed = path.with_suffix(".input.npy")
    np.save(feed, np.ascontiguousarray(x))
    return Artifact(loader, runner, str(path), str(feed), tolerance)


def runner_of(artifact: Artifact) -> ModuleType:
    """The runner module of ``artifact`` (importing it imports nothing heavy)."""
    return importlib.import_module(artifact.module)
