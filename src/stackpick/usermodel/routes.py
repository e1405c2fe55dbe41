"""The ways out of a user's model, per kind: timed runtimes, one-off conversions, and which stack
each path stands for. Plain data, shared by the planner, the runner, the report and the advisor.

A *runtime* path is a timed cell (``torch-compile``, ``onnxruntime``...). A *conversion* path
(``torch.export``, ``onnx-export``...) is tried once per model by a worker and stored as a
:class:`~stackpick.protocol.conversions.Conversion`: no timing, but a status, a time, an
artifact size and, where the artifact runs, a parity error against the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

# Statuses that mean "this path does not work for this model" (not: the machine was too small,
# the framework is missing, or the path does not apply).
FAILED = ("fail_export", "fail_parity", "error", "crash")

# kind -> the backends (name, variant) that time the model, the reference one first
RUNTIMES: dict[str, tuple[tuple[str, str], ...]] = {
    "pytorch": (("torch", "default"), ("torch-compile", "default"), ("onnxruntime", "default"),
                ("executorch", "xnnpack"), ("litert", "from-torch")),
    "onnx": (("onnxruntime", "default"),),
    "keras": (("keras", "tensorflow"), ("keras", "jax"), ("keras", "torch"),
              ("litert", "from-keras")),
}
# kind -> the worker (backend, variant) that loads the model and computes the reference output
REFERENCE: dict[str, tuple[str, str]] = {
    "pytorch": ("torch", "default"), "onnx": ("onnxruntime", "default"),
    "keras": ("keras", "tensorflow"),
}
REFERENCE_TEXT = {
    "pytorch": "eager PyTorch (the model as written, under inference_mode)",
    "onnx": "ONNX Runtime with graph optimisations off",
    "keras": "Keras on TensorFlow, called eagerly",
}
# kind -> conversions, by the worker that tries them (the reference worker's first)
CONVERSIONS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "pytorch": (("torch", "default", ("dynamo-explain", "torch.export", "onnx-export")),),
    "onnx": (("onnxruntime", "default", ("onnx-check",)),),
    "keras": (("keras", "tensorflow", ("keras-savedmodel",)), ("keras", "torch", ("keras-onnx",))),
}
# (kind, runtime backend) -> the conversion whose artifact it runs
NEEDS: dict[tuple[str, str], str] = {("pytorch", "onnxruntime"): "onnx-export"}


@dataclass(frozen=True)
class MatrixRow:
    """One row of the portability matrix: a runtime cell and/or a conversion cell."""

    title: str
    runtime: str | None = None  # cell label
    conversion: str | None = None  # conversion cell label
    stacks: tuple[str, ...] = ()  # stacks that need this path to work for the model
    note: str = ""


MATRIX: dict[str, tuple[MatrixRow, ...]] = {
    "pytorch": (
        MatrixRow("eager PyTorch (reference)", "torch"),
        MatrixRow("torch.compile (inductor)", "torch-compile", "dynamo-explain"),
        MatrixRow("torch.export", None, "torch.export", ("pytorch-executorch",)),
        MatrixRow("ONNX export (dynamo exporter)", None, "onnx-export",
                  ("pytorch-onnxruntime",), "its output is checked in the ONNX Runtime row"),
        MatrixRow("ONNX Runtime run", "onnxruntime", None, ("pytorch-onnxruntime",)),
        MatrixRow("ExecuTorch (XNNPACK) run", "executorch:xnnpack", None,
                  ("pytorch-executorch",), "torch.export, lowered to a .pte; host CPU as a "
                  "proxy for mobile"),
        MatrixRow("LiteRT via litert-torch run", "litert:from-torch", None, (),
                  "a .tflite from the PyTorch model; host CPU as a proxy for mobile"),
    ),
    "onnx": (
        MatrixRow("ONNX checker", None, "onnx-check", (),
                  "the file as given; its output is checked in the ONNX Runtime row"),
        MatrixRow("ONNX Runtime run", "onnxruntime", None, ("pytorch-onnxruntime",)),
    ),
    "keras": (
        MatrixRow("Keras on TensorFlow", "keras:tensorflow"),
        MatrixRow("Keras on JAX", "keras:jax"),
        MatrixRow("Keras on PyTorch", "keras:torch"),
        MatrixRow("SavedModel export (TF Serving)", None, "keras-savedmodel",
                  ("tensorflow-serving",)),
        MatrixRow("ONNX export (Keras torch backend) run in ONNX Runtime", None, "keras-onnx"),
        MatrixRow("LiteRT (TF converter) run", "litert:from-keras", None,
                  ("tensorflow-litert",), "host CPU as a proxy for mobile"),
    ),
}


# multi-runtime stacks: ruled out only when the model failed on every one of these
ALL_OF: dict[str, tuple[str, ...]] = {
    "keras3": ("keras:tensorflow", "keras:jax", "keras:torch"),
}


class CellLike(Protocol):
    """A runtime cell or a conversion, as the matrix and the advisor see either."""

    @property
    def id(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


def runtime_backends(kind: str, wanted: Iterable[tuple[str, str]] | None = None
                     ) -> list[tuple[str, str]]:
    """The kind's runtimes, in order, kept to ``wanted`` when given."""
    keep = None if wanted is None else set(wanted)
    return [b for b in RUNTIMES[kind] if keep is None or b in keep]


def _why(title: str, cell: CellLike) -> str:
    cause, error = getattr(cell, "cause", None), getattr(cell, "error", None)  # conversions
    if cause:
        detail = f"likely cause: {cause} ({getattr(cell, 'cause_text', None) or ''})"
    else:
        detail = error or cell.reason or cell.status
    return f"{title} failed for this model: {detail}"


def failed_paths(kind: str, cells: Iterable[CellLike]
                 ) -> dict[str, list[tuple[str, tuple[int, ...]]]]:
    """Stacks ruled out for this model: stack -> [(why, cell ids)].

    A path a stack needs failed (a conversion, or the one runtime that serves it), or every
    runtime cell of a multi-runtime stack failed. A runtime left unrun because its conversion
    failed (``fail_export``) adds nothing: the conversion's row says why. A runtime that
    converts the model itself (LiteRT, ExecuTorch) and fails to is its own reason.
    """
    by_label = {c.label: c for c in cells}
    out: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for row in MATRIX.get(kind, ()):
        for label in (row.conversion, row.runtime):
            cell = by_label.get(label or "")
            if cell is None or cell.status not in FAILED or not row.stacks:
                continue
            needs = NEEDS.get((kind, (label or "").partition(":")[0]))
            if label == row.runtime and cell.status == "fail_export" and needs:
                continue  # its conversion's row says why
            for stack in row.stacks:
                out.setdefault(stack, []).append((_why(row.title, cell), (cell.id,)))
    for stack, labels in ALL_OF.items():
        tried = [by_label[x] for x in labels if x in by_label]
        if tried and all(c.status in FAILED for c in tried):
            why = f"the model failed on every one of {', '.join(labels)}"
            out.setdefault(stack, []).append((why, tuple(c.id for c in tried)))
    return out


def row_cells(kind: str, cells: Iterable[Any]) -> list[tuple[MatrixRow, Any, Any]]:
    """(row, runtime cell or None, conversion cell or None) for each matrix row of ``kind``."""
    by_label = {c.label: c for c in cells}
    return [(row, by_label.get(row.runtime or ""), by_label.get(row.conversion or ""))
            for row in MATRIX.get(kind, ())]
