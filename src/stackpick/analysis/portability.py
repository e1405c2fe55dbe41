"""The portability matrix of a stored run: one row per path out of the user's model, built from
its runtime cells and its conversions (see :mod:`usermodel.routes`). Pure: reports, JSON and
the terminal all render these rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from stackpick.protocol.cells import CellMetrics, StoredCell
from stackpick.protocol.conversions import StoredConversion
from stackpick.usermodel.diagnose import classify, first_line
from stackpick.usermodel.routes import FAILED, MatrixRow, reference_text, row_cells


@dataclass
class PortRow:
    """What one path did for the model. ``status``: ok, a cell status, ``not run`` (left out),
    or ``not timed`` (analysed, e.g. dynamo's graph capture, but its runtime left out)."""

    path: str
    status: str
    seconds: float | None = None  # export time, or first call (compile) for a runtime
    median_ns: float | None = None
    artifact_bytes: int | None = None
    parity_max_abs: float | None = None
    error: str | None = None
    cause: str | None = None
    cause_text: str | None = None
    notes: list[str] = field(default_factory=list)
    cells: list[int] = field(default_factory=list)
    stacks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ModelSummary:
    """The user's model in a few facts: name, file, kind, class, parameters, inputs and
    outputs (shape and dtype), batch, and how its reference output is computed."""

    name: str
    file: str
    kind: str
    class_name: str | None = None
    parameters: int | None = None
    inputs: str = "-"
    outputs: str = "-"
    batch: int | None = None
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["class"] = out.pop("class_name")
        return out


def _status(row: MatrixRow, runtime: Any, conversion: Any) -> str:
    for c in (conversion, runtime):
        if c is not None and c.status != "ok":
            return str(c.status)
    if runtime is None and row.runtime is not None:  # e.g. left out with --backends
        return "not timed" if conversion is not None else "not run"
    return "ok" if (runtime or conversion) is not None else "not run"


def _graph_notes(conversion: StoredConversion | None) -> list[str]:
    extras = conversion.extras if conversion is not None else None
    if extras is None or extras.graphs is None:
        return []
    notes = [f"{extras.graphs} graph(s), {extras.graph_breaks or 0} graph break(s)"]
    if extras.note:
        notes.append(extras.note)
    return notes + [f"break: {r}" for r in extras.reasons or []]


def _cause(conversion: StoredConversion | None) -> tuple[str, str] | None:
    if conversion is None or not conversion.cause:
        return None
    return conversion.cause, conversion.cause_text or ""


def _failure(runtime: StoredCell | None, conversion: StoredConversion | None
             ) -> tuple[str | None, tuple[str, str] | None]:
    """(first line of the error, (cause, explanation)) of whichever step failed."""
    if conversion is not None and conversion.status != "ok":
        return conversion.error or first_line(conversion.reason or ""), _cause(conversion)
    if runtime is not None and runtime.status != "ok":
        text = f"{runtime.reason or ''}\n{runtime.error_tail or ''}"
        return first_line(runtime.reason or runtime.status), classify(text)
    return None, _cause(conversion)  # graph breaks have a cause too


def _row(row: MatrixRow, runtime: StoredCell | None,
         conversion: StoredConversion | None) -> PortRow:
    rm = runtime.metrics if runtime is not None else CellMetrics()
    parity = rm.parity or (conversion.parity if conversion is not None else None)
    error, cause = _failure(runtime, conversion)
    seconds = (conversion.seconds if conversion is not None else None) if row.runtime is None \
        else rm.first_call_s
    artifact = (conversion.artifact_bytes if conversion is not None else None) or \
        rm.extras.artifact_bytes
    out = PortRow(row.title, _status(row, runtime, conversion), seconds,
                  rm.latency.median if rm.latency else None, artifact,
                  parity.max_abs if parity else None,
                  error, cause[0] if cause else None, cause[1] if cause else None,
                  _graph_notes(conversion),
                  [c.id for c in (runtime, conversion) if c is not None], list(row.stacks))
    if row.note and out.status == "ok":
        out.notes.append(row.note)
    return out


def matrix(model: Mapping[str, Any] | None, cells: Iterable[StoredCell | StoredConversion]
           ) -> list[PortRow]:
    """The rows for the run's model (``RunNotes.model``; none for a run of the reference
    workloads), from its runtime cells and its conversions."""
    if not model or not model.get("kind"):
        return []
    return [_row(row, r, c) for row, r, c in row_cells(str(model["kind"]), list(cells))]


def summary(model: Mapping[str, Any] | None) -> ModelSummary | None:
    """The run's model (``RunNotes.model``) in a few facts; None for the reference workloads."""
    if not model or not model.get("kind"):
        return None
    sig = model.get("signature") or {}
    kind = str(model["kind"])

    def shapes(items: list[Mapping[str, object]]) -> str:
        return "; ".join(f"{i.get('shape')} {i.get('dtype')}" for i in items) or "-"

    return ModelSummary(str(model.get("name") or model.get("shown")), str(model.get("shown")),
                        kind, sig.get("class"), sig.get("parameters"),
                        shapes(sig.get("inputs") or []), shapes(sig.get("outputs") or []),
                        sig.get("batch"), reference_text(kind))


def failed(rows: Iterable[PortRow]) -> list[PortRow]:
    return [r for r in rows if r.status in FAILED]
