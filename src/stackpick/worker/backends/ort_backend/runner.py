"""ONNX Runtime on a ``.onnx`` file: what a deployed service carries (no torch).

The cold-start pass (:mod:`stackpick.worker.cold_start`) times it in a fresh process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def import_runtime() -> None:
    import onnxruntime  # noqa: F401


def load(path: str, threads: int, x: np.ndarray) -> Callable[[], Any]:
    """A call of the model at ``path`` on ``x`` (the same session settings as the cells)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x}
    return lambda: session.run(None, feed)[0]
