"""ExecuTorch's runtime on a ``.pte``: what a deployed app carries.

Imports the runtime only, never the exporter that made the file, so the cold-start pass
(:mod:`stackpick.worker.cold_start`) times in a fresh process what an app would load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class PteRunner:
    """An ExecuTorch program (``.pte``) through ``executorch.runtime``; the XNNPACK threadpool
    set to ``threads`` and read back."""

    def __init__(self, model: bytes | str, threads: int) -> None:
        from executorch.extension.pybindings import portable_lib
        from executorch.runtime import Runtime

        portable_lib._unsafe_reset_threadpool(threads)  # the only setter
        self.threads = int(portable_lib._threadpool_get_thread_count())
        runtime = Runtime.get()
        self.program = runtime.load_program(model)
        method = self.program.load_method("forward")
        if method is None:
            raise RuntimeError("the .pte has no forward method")
        self.method = method

    @staticmethod
    def tensor(x: np.ndarray) -> Any:
        import torch

        return torch.from_numpy(np.ascontiguousarray(x))

    def run(self, x: Any) -> np.ndarray:
        out: np.ndarray = self.method.execute([x])[0].numpy()  # outputs are host tensors
        return out

    def run_all(self, xs: list[Any]) -> np.ndarray | dict[str, np.ndarray]:
        """Several inputs; one array, or ``out0``, ``out1``... (pytree order, as torch)."""
        outs = [o.numpy() for o in self.method.execute(xs) if hasattr(o, "numpy")]
        return outs[0] if len(outs) == 1 else {f"out{i}": a for i, a in enumerate(outs)}


def import_runtime() -> None:
    import executorch.runtime  # noqa: F401


def load(path: str, threads: int, x: np.ndarray) -> Callable[[], Any]:
    """A call of the ``.pte`` at ``path`` on ``x``."""
    runner = PteRunner(path, threads)
    feed = runner.tensor(x)
    return lambda: runner.run(feed)
