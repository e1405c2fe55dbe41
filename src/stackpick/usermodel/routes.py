"""The ways out of a user's model, per kind: timed runtimes, one-off conversions, and which stack
each path stands for, derived from the backends' specs (``BackendSpec.models`` and
``BackendSpec.loaders``). Shared by the planner, the runner, the report and the advisor.

A *runtime* path is a timed cell (``torch-compile``, ``onnxruntime``...). A *conversion* path
(``torch.export``, ``onnx-export``...) is tried once per model by a worker and stored as a
:class:`~stackpick.protocol.conversions.Conversion`: no timing, but a status, a time, an
artifact size and, where the artifact runs, a parity error against the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from stackpick.registry import Choice, ModelLoader, ModelRuntime, all_specs
from stackpick.registry.spec import ConversionPath

# Statuses that mean "this path does not work for this model" (not: the machine was too small,
# the framework is missing, or the path does not apply).
FAILED = ("fail_export", "fail_parity", "error", "crash")


def _label(backend: str, variant: str) -> str:
    return backend if variant == "default" else f"{backend}:{variant}"


def _runtimes(kind: str) -> list[tuple[str, ModelRuntime]]:
    found = [(s.name, m) for s in all_specs().values() for m in s.models if m.kind == kind]
    return sorted(found, key=lambda x: x[1].rank)


def _loaders(kind: str) -> list[tuple[str, ModelLoader]]:
    found = [(s.name, m) for s in all_specs().values() for m in s.loaders if m.kind == kind]
    # the reference worker first (it also writes the reference), then in matrix order
    return sorted(found, key=lambda x: (not x[1].reference,
                                        min((p.rank for p in x[1].paths), default=0)))


def kinds() -> tuple[str, ...]:
    """User-model kinds some backend times."""
    return tuple(dict.fromkeys(m.kind for s in all_specs().values() for m in s.models))


def runtimes(kind: str) -> tuple[Choice, ...]:
    """The backends (name, variant) that time a ``kind`` model, the reference one first."""
    return tuple((name, m.variant) for name, m in _runtimes(kind))


def reference(kind: str) -> Choice:
    """The worker (backend, variant) that loads the model and computes its reference output."""
    return next((name, m.variant) for name, m in _loaders(kind) if m.reference)


def reference_text(kind: str) -> str | None:
    """How the reference output of a ``kind`` model is computed, in words."""
    return next((m.reference for _, m in _loaders(kind) if m.reference), None)


def conversions(kind: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(backend, variant, paths) of the workers that try a kind's conversions, the reference
    worker first."""
    return [(name, m.variant, tuple(p.name for p in m.paths)) for name, m in _loaders(kind)]


def needs(kind: str, backend: str) -> str | None:
    """The conversion whose artifact ``backend`` runs for a ``kind`` model, if any."""
    return next((m.needs for name, m in _runtimes(kind) if name == backend and m.needs), None)


@dataclass(frozen=True)
class MatrixRow:
    """One row of the portability matrix: a runtime cell and/or a conversion cell."""

    title: str
    runtime: str | None = None  # cell label
    conversion: str | None = None  # conversion cell label
    stacks: tuple[str, ...] = ()  # stacks that need this path to work for the model
    note: str = ""


def matrix_rows(kind: str) -> tuple[MatrixRow, ...]:
    """The rows of a ``kind`` model's portability matrix, in the specs' rank order."""
    rows: list[tuple[int, MatrixRow]] = [
        (m.rank, MatrixRow(m.title, _label(name, m.variant), m.conversion or None, m.stacks,
                           m.note)) for name, m in _runtimes(kind)]
    paths: list[ConversionPath] = [p for _, m in _loaders(kind) for p in m.paths if p.title]
    rows += [(p.rank, MatrixRow(p.title, None, p.name, p.stacks, p.note)) for p in paths]
    return tuple(row for _, row in sorted(rows, key=lambda x: x[0]))


def all_of(kind: str) -> dict[str, tuple[str, ...]]:
    """Multi-runtime stacks: ruled out only when the model failed on every one of these."""
    out: dict[str, tuple[str, ...]] = {}
    for name, m in _runtimes(kind):
        for stack in m.any_of:
            out[stack] = (*out.get(stack, ()), _label(name, m.variant))
    return out


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


def runtime_backends(kind: str, wanted: Iterable[Choice] | None = None) -> list[Choice]:
    """The kind's runtimes, in order, kept to ``wanted`` when given."""
    keep = None if wanted is None else set(wanted)
    return [b for b in runtimes(kind) if keep is None or b in keep]


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
    for row in matrix_rows(kind):
        for label in (row.conversion, row.runtime):
            cell = by_label.get(label or "")
            if cell is None or cell.status not in FAILED or not row.stacks:
                continue
            needed = needs(kind, (label or "").partition(":")[0])
            if label == row.runtime and cell.status == "fail_export" and needed:
                continue  # its conversion's row says why
            for stack in row.stacks:
                out.setdefault(stack, []).append((_why(row.title, cell), (cell.id,)))
    for stack, labels in all_of(kind).items():
        tried = [by_label[x] for x in labels if x in by_label]
        if tried and all(c.status in FAILED for c in tried):
            why = f"the model failed on every one of {', '.join(labels)}"
            out.setdefault(stack, []).append((why, tuple(c.id for c in tried)))
    return out


def row_cells(kind: str, cells: Iterable[Any]) -> list[tuple[MatrixRow, Any, Any]]:
    """(row, runtime cell or None, conversion cell or None) for each matrix row of ``kind``."""
    by_label = {c.label: c for c in cells}
    return [(row, by_label.get(row.runtime or ""), by_label.get(row.conversion or ""))
            for row in matrix_rows(kind)]
