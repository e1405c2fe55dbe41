"""Parent side of a user model's one-off steps, run in worker processes (no framework here).

- :func:`inspect`, at planning: load the model and run it once, so a broken model file stops the
  command with one line (exit 2) before anything is stored or timed; it also gives the batch.
- :func:`prepare_group`, before a group is timed: the reference output (written as the group's
  materials, which every cell compares with), then each conversion path, stored as a cell of
  task ``convert``. A runtime cell whose artifact failed to convert is stored as ``fail_export``
  without starting it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from stackpick.errors import UserError
from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.executor import LocalExecutor
from stackpick.harness.plan import Cell
from stackpick.harness.runner import CellResult
from stackpick.registry import get_spec
from stackpick.usermodel.routes import CONVERSIONS, CONVERT, NEEDS, REFERENCE
from stackpick.usermodel.spec import ModelSpec

INSPECT_TIMEOUT = 300.0  # importing a framework and running a large model once


def spec_of(cell: Cell) -> ModelSpec | None:
    """The user model a cell measures, or None for a reference workload."""
    data = cell.workload_params.get("model")
    return ModelSpec.from_dict(data) if isinstance(data, dict) else None


def _needs_framework(spec: ModelSpec, backend: str, variant: str) -> None:
    missing = get_spec(backend).unavailable_reason(variant)
    if missing:
        raise UserError(f"--model {spec.shown}: loading a {spec.kind} model needs {missing}")


def inspect(spec: ModelSpec, threads: int, device: str = "cpu") -> dict[str, Any]:
    """Load and run the model once in a worker; its signature (inputs, outputs, batch).

    Raises :class:`UserError` (one line naming the file) when the model cannot run at all.
    """
    backend, variant = REFERENCE[spec.kind]
    _needs_framework(spec, backend, variant)
    handle = WorkerHandle(backend, threads, device, variant=variant)
    try:
        handle.request("hello", INSPECT_TIMEOUT, variant=variant)
        answer = handle.request("model_reference", INSPECT_TIMEOUT, model=spec.to_dict(),
                                variant=variant)
    except WorkerFailure as exc:
        raise UserError(f"--model {spec.shown}: the {backend} worker failed while loading it "
                        f"({exc}); run the model on its own to see the full error") from None
    finally:
        handle.close()
    if not answer["ok"]:
        raise UserError(answer["message"])
    return answer["signature"]


@dataclass
class GroupInputs:
    """What the timed cells of a user model's group need from the one-off steps."""

    materials: Path
    artifacts: dict[str, str] = field(default_factory=dict)
    pending: list[Cell] = field(default_factory=list)


Emit = Callable[[CellResult], None]


def _conversion_cell(cell: Cell, path: str) -> Cell:
    return replace(cell, backend=path, variant="default", task=CONVERT)


def _row_result(cell: Cell, row: dict[str, Any]) -> CellResult:
    metrics = {k: row[k] for k in ("seconds", "artifact_bytes", "parity", "extras", "error",
                                   "cause", "cause_text") if row.get(k) is not None}
    return CellResult(_conversion_cell(cell, row["path"]), row["status"], metrics,
                      reason=row.get("reason") or _reason(row))


def _reason(row: dict[str, Any]) -> str | None:
    if row["status"] == "ok":
        return None
    if row["status"] == "fail_parity":
        p = row.get("parity") or {}
        err = f"max abs error {p['max_abs']:.3g}" if p.get("max_abs") is not None else \
            p.get("detail", "unusable output")
        return f"{row['path']}: output differs from the reference ({err})"
    cause = f"; likely cause: {row['cause']}: {row['cause_text']}" if row.get("cause") else ""
    return f"{row['path']} failed: {row.get('error', 'no message')}{cause}"


def _failed_rows(names: tuple[str, ...], status: str, why: str) -> list[dict[str, Any]]:
    return [{"path": n, "status": status, "reason": f"{n}: {why}"} for n in names]


def _convert(executor: LocalExecutor, spec: ModelSpec, workdir: Path, materials: Path,
             shared: dict[str, str]) -> tuple[list[dict[str, Any]], str | None]:
    """(conversion rows, reference failure message) from each conversion worker in turn; the
    first one also makes the reference, and what it saves for the others goes in ``shared``."""
    rows: list[dict[str, Any]] = []
    t = executor.timeouts
    for i, (backend, variant, names) in enumerate(CONVERSIONS[spec.kind]):
        missing = get_spec(backend).unavailable_reason(variant)
        if missing:
            rows += _failed_rows(names, "unavailable", missing)
            continue
        try:
            with executor.scratch(backend, variant) as handle:
                if i == 0:  # the reference worker is the first conversion worker
                    answer = handle.request("model_reference", t.setup, model=spec.to_dict(),
                                            materials=str(materials), variant=variant)
                    if not answer["ok"]:
                        return rows, answer["message"]
                    shared.update(answer.get("artifacts") or {})
                rows += handle.request("model_convert", t.setup, model=spec.to_dict(),
                                       materials=str(materials), workdir=str(workdir),
                                       paths=list(names), variant=variant,
                                       artifacts=shared)["rows"]
        except WorkerFailure as exc:
            if i == 0 and not materials.exists():
                return rows, f"the reference run failed: {exc}"
            rows += _failed_rows(names, exc.status, f"the {backend} worker failed: {exc}")
    return rows, None


def prepare_group(cells: list[Cell], executor: LocalExecutor, workdir: Path, emit: Emit,
                  stage: Callable[[Cell, str], None]) -> GroupInputs | None:
    """Reference and conversions for the user model of ``cells``; stores the conversion cells.
    Returns None when the reference cannot be made (every cell is then stored as an error)."""
    spec = spec_of(cells[0])
    assert spec is not None
    model_dir = workdir / cells[0].group.replace("/", "_")
    model_dir.mkdir(parents=True, exist_ok=True)
    materials = model_dir / "materials.npz"
    stage(cells[0], "reference output and conversions")
    shared: dict[str, str] = {}
    rows, failure = _convert(executor, spec, model_dir, materials, shared)
    if failure is not None:
        for c in cells:
            emit(CellResult(c, "error", reason=f"no reference output: {failure}"))
        return None
    for row in rows:
        emit(_row_result(cells[0], row))
    return _ready(spec, cells, rows, GroupInputs(materials, shared), emit)


def _ready(spec: ModelSpec, cells: list[Cell], rows: list[dict[str, Any]], ready: GroupInputs,
           emit: Emit) -> GroupInputs:
    by_path = {r["path"]: r for r in rows}
    ready.artifacts.update({r["path"]: r["artifact"] for r in rows if r.get("artifact")})
    for c in cells:
        needed = NEEDS.get((spec.kind, c.backend))
        row = by_path.get(needed or "")
        if row is not None and row["status"] != "ok":
            status = "unavailable" if row["status"] == "unavailable" else "fail_export"
            emit(CellResult(c, status, reason=f"not run: {needed} did not succeed "
                            f"({row['status']}), so there is no artifact to run; see its row"))
        else:
            ready.pending.append(c)
    return ready
