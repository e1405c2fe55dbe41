"""The portability matrix of a stored run: one row per path out of the user's model, built from
its runtime cells and conversion cells (see :mod:`usermodel.paths`). Pure: reports, JSON and
the terminal all render these rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from stackpick.usermodel.diagnose import classify, first_line
from stackpick.usermodel.routes import FAILED, REFERENCE_TEXT, MatrixRow, row_cells


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


def model_of(extra: dict[str, Any]) -> dict[str, Any] | None:
    """The user model a run measured (from the run's notes), or None."""
    model = extra.get("model")
    return model if isinstance(model, dict) and model.get("kind") else None


def _status(row: MatrixRow, runtime: Any, conversion: Any) -> str:
    for c in (conversion, runtime):
        if c is not None and c.status != "ok":
            return str(c.status)
    if runtime is None and row.runtime is not None:  # e.g. left out with --backends
        return "not timed" if conversion is not None else "not run"
    return "ok" if (runtime or conversion) is not None else "not run"


def _graph_notes(conversion: Any) -> list[str]:
    extras = (conversion.metrics.get("extras") or {}) if conversion is not None else {}
    if "graphs" not in extras:
        return []
    notes = [f"{extras['graphs']} graph(s), {extras.get('graph_breaks', 0)} graph break(s)"]
    if extras.get("note"):
        notes.append(str(extras["note"]))
    return notes + [f"break: {r}" for r in extras.get("reasons") or []]


def _failure(runtime: Any, conversion: Any) -> tuple[str | None, tuple[str, str] | None]:
    """(first line of the error, (cause, explanation)) of whichever cell failed."""
    if conversion is not None and conversion.status != "ok":
        m = conversion.metrics
        error = m.get("error") or first_line(conversion.reason or "")
        cause = (m["cause"], m.get("cause_text", "")) if m.get("cause") else None
        return error, cause
    if runtime is not None and runtime.status != "ok":
        text = f"{runtime.reason or ''}\n{runtime.error_tail or ''}"
        return first_line(runtime.reason or runtime.status), classify(text)
    m = conversion.metrics if conversion is not None else {}
    return None, (m["cause"], m.get("cause_text", "")) if m.get("cause") else None  # breaks


def _row(row: MatrixRow, runtime: Any, conversion: Any) -> PortRow:
    rm = runtime.metrics if runtime is not None else {}
    cm = conversion.metrics if conversion is not None else {}
    parity = rm.get("parity") or cm.get("parity") or {}
    error, cause = _failure(runtime, conversion)
    seconds = cm.get("seconds") if row.runtime is None else rm.get("first_call_s")
    artifact = cm.get("artifact_bytes") or (rm.get("extras") or {}).get("artifact_bytes")
    out = PortRow(row.title, _status(row, runtime, conversion), seconds,
                  (rm.get("latency_ns") or {}).get("median"), artifact, parity.get("max_abs"),
                  error, cause[0] if cause else None, cause[1] if cause else None,
                  _graph_notes(conversion),
                  [c.id for c in (runtime, conversion) if c is not None], list(row.stacks))
    if row.note and out.status == "ok":
        out.notes.append(row.note)
    return out


def matrix(extra: dict[str, Any], cells: Iterable[Any]) -> list[PortRow]:
    """The rows for the run's model (empty for a run of the reference workloads)."""
    model = model_of(extra)
    if model is None:
        return []
    return [_row(row, r, c) for row, r, c in row_cells(model["kind"], list(cells))]


def summary(extra: dict[str, Any]) -> dict[str, Any] | None:
    """The model in a few facts: name, kind, class, parameters, inputs, outputs, reference."""
    model = model_of(extra)
    if model is None:
        return None
    sig = model.get("signature") or {}

    def shapes(items: list[dict[str, Any]]) -> str:
        return "; ".join(f"{i.get('shape')} {i.get('dtype')}" for i in items) or "-"

    return {"name": model.get("name") or model.get("shown"), "file": model.get("shown"),
            "kind": model["kind"], "class": sig.get("class"), "parameters": sig.get("parameters"),
            "inputs": shapes(sig.get("inputs") or []), "outputs": shapes(sig.get("outputs") or []),
            "batch": sig.get("batch"), "reference": REFERENCE_TEXT.get(model["kind"])}


def failed(rows: Iterable[PortRow]) -> list[PortRow]:
    return [r for r in rows if r.status in FAILED]
