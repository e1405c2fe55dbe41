"""Deployable artifacts (``.tflite``, ``.pte``, ``.onnx``) and the light runners that load them.

Each runner imports only its runtime, never the framework that made the artifact: this is what
a deployed service or app carries, and what the cold-start pass times in a fresh process
(:data:`LOADERS`: name -> (import the runtime, load the file and return a call)).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def failure_line(exc: BaseException, with_cause: bool = True) -> str:
    """The converter's error as one line naming the root cause (exporters wrap it), with the
    plain-language cause where a known pattern matches (``usermodel.diagnose``). A user
    model's portability matrix classifies the cause itself: ``with_cause=False`` there."""
    from stackpick.usermodel.diagnose import classify, summary

    line, text = summary(exc)
    cause = classify(text) if with_cause else None
    return f"{line}; likely cause: {cause[0]}: {cause[1]}" if cause else line


class TfliteRunner:
    """ai-edge-litert's interpreter, builtin op resolver (XNNPACK applied as default delegate),
    ``threads`` set. Inputs are fed in the model's input order; outputs come back in its output
    order."""

    def __init__(self, model: bytes | str, threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        source = {"model_content": model} if isinstance(model, bytes) else {"model_path": model}
        self.interpreter = Interpreter(**source, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.inputs = self.interpreter.get_input_details()
        self.input = self.inputs[0]
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]
        self.output = self.outputs[0]

    def cast(self, x: np.ndarray) -> np.ndarray:
        """The input in the dtype the model takes (once, before timing)."""
        return np.ascontiguousarray(x, dtype=self.input["dtype"])

    def cast_all(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        if len(xs) != len(self.inputs):
            raise ValueError(f"the .tflite takes {len(self.inputs)} inputs, given {len(xs)}")
        return [np.ascontiguousarray(x, dtype=d["dtype"]) for x, d in zip(xs, self.inputs,
                                                                           strict=True)]

    def run(self, x: np.ndarray) -> np.ndarray:
        self.interpreter.set_tensor(self.input["index"], x)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output)  # a copy: safe after the next call

    def run_all(self, xs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
        """Several inputs; one array, or ``out0``, ``out1``... as user models are compared."""
        for x, d in zip(xs, self.inputs, strict=True):
            self.interpreter.set_tensor(d["index"], x)
        self.interpreter.invoke()
        outs = [self.interpreter.get_tensor(i) for i in self.outputs]
        return outs[0] if len(outs) == 1 else {f"out{i}": a for i, a in enumerate(outs)}

    def delegation(self) -> dict[str, Any]:
        """Operators XNNPACK took: the execution plan keeps a DELEGATE node per delegated
        partition; the original nodes it replaced are still listed before it."""
        ops = [d["op_name"] for d in self.interpreter._get_ops_details()]
        partitions = ops.count("DELEGATE")
        model_ops = [o for o in ops if o != "DELEGATE"]
        return {"delegate": "XNNPACK", "delegate_partitions": partitions,
                "model_ops": len(model_ops), "op_types": sorted(set(model_ops))}


def _import_tflite() -> None:
    import ai_edge_litert.interpreter  # noqa: F401


def _load_tflite(path: str, threads: int, x: np.ndarray) -> Callable[[], np.ndarray]:
    runner = TfliteRunner(path, threads)
    feed = runner.cast(x)
    return lambda: runner.run(feed)


def _import_pte() -> None:
    import executorch.runtime  # noqa: F401


def _load_pte(path: str, threads: int, x: np.ndarray) -> Callable[[], np.ndarray]:
    runner = PteRunner(path, threads)
    feed = runner.tensor(x)
    return lambda: runner.run(feed)


def _import_onnx() -> None:
    import onnxruntime  # noqa: F401


def _load_onnx(path: str, threads: int, x: np.ndarray) -> Callable[[], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x}
    return lambda: session.run(None, feed)[0]


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
        return self.method.execute([x])[0].numpy()  # outputs are host tensors

    def run_all(self, xs: list[Any]) -> np.ndarray | dict[str, np.ndarray]:
        """Several inputs; one array, or ``out0``, ``out1``... (pytree order, as torch)."""
        outs = [o.numpy() for o in self.method.execute(xs) if hasattr(o, "numpy")]
        return outs[0] if len(outs) == 1 else {f"out{i}": a for i, a in enumerate(outs)}


LOADERS: dict[str, tuple[Callable[[], None], Callable[..., Callable[[], np.ndarray]]]] = {
    "tflite": (_import_tflite, _load_tflite),
    "pte": (_import_pte, _load_pte),
    "onnx": (_import_onnx, _load_onnx),
}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and its wall time in seconds."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def write_artifact(directory: Any, name: str, data: bytes, loader: str, x: np.ndarray,
                   tolerance: tuple[float, float, str] | None = None) -> dict[str, Any]:
    """Write ``data`` and the input it takes (in the runtime's own dtype and layout) for a
    fresh process to load; returns the loader record the cold-start pass hands it."""
    from pathlib import Path

    path = Path(directory) / name
    path.write_bytes(data)
    feed = path.with_suffix(".input.npy")
    np.save(feed, np.ascontiguousarray(x))
    return {"loader": loader, "path": str(path), "input": str(feed),
            "tolerance": list(tolerance) if tolerance else None}
