"""LiteRT's interpreter (``ai-edge-litert``) on a ``.tflite``: what a deployed app carries.

Imports the runtime only, never the converter that made the file, so the cold-start pass
(:mod:`stackpick.worker.cold_start`) times in a fresh process what an app would load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackpick.protocol.extras import Extras


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
        out: np.ndarray = self.interpreter.get_tensor(self.output)  # a copy: safe to keep
        return out

    def run_all(self, xs: list[np.ndarray]) -> np.ndarray | dict[str, np.ndarray]:
        """Several inputs; one array, or ``out0``, ``out1``... as user models are compared."""
        for x, d in zip(xs, self.inputs, strict=True):
            self.interpreter.set_tensor(d["index"], x)
        self.interpreter.invoke()
        outs = [self.interpreter.get_tensor(i) for i in self.outputs]
        return outs[0] if len(outs) == 1 else {f"out{i}": a for i, a in enumerate(outs)}

    def delegation(self) -> Extras:
        """Operators XNNPACK took: the execution plan keeps a DELEGATE node per delegated
        partition; the original nodes it replaced are still listed before it."""
        ops = [d["op_name"] for d in self.interpreter._get_ops_details()]
        model_ops = [o for o in ops if o != "DELEGATE"]
        return Extras(delegate="XNNPACK", delegate_partitions=ops.count("DELEGATE"),
                      model_ops=len(model_ops), op_types=sorted(set(model_ops)))


def import_runtime() -> None:
    import ai_edge_litert.interpreter  # noqa: F401


def load(path: str, threads: int, x: np.ndarray) -> Callable[[], Any]:
    """A call of the ``.tflite`` at ``path`` on ``x`` (cast once, here)."""
    runner = TfliteRunner(path, threads)
    feed = runner.cast(x)
    return lambda: runner.run(feed)
