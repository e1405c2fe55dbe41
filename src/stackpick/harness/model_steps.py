"""Parent side of a user model's one-off steps, run in worker processes (no framework here).

- :func:`inspect`, at planning: load the model and run it once, so a broken model file stops the
  command with one line (exit 2) before anything is stored or timed; it also gives the batch.
- :func:`prepare_group`, before a group is timed: the reference output (written as the group's
  arrays, which every cell compares with), then each conversion path, stored as a conversion
  (its own record and table, not a cell). A runtime cell whose artifact failed to convert is
  stored as ``fail_export`` without starting it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stackpick.errors import UserError
from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.harness.executor import LocalExecutor
from stackpick.protocol.cells import Cell, CellResult
from stackpick.protocol.conversions import Conversion, Signature
from stackpick.protocol.messages import Hello, ModelConvert, ModelReference
from stackpick.registry import get_spec
from stackpick.usermodel.routes import conversions, needs, reference
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


def inspect(spec: ModelSpec, threads: int, device: str = "cpu") -> Signature:
    """Load and run the model once in a worker; its signature (inputs, outputs, batch).

    Raises :class:`UserError` (one line naming the file) when the model cannot run at all.
    """
    backend, variant = reference(spec.kind)
    _needs_framework(spec, backend, variant)
    handle = WorkerHandle(backend, threads, device, variant=variant)
    try:
        handle.call(Hello(variant), INSPECT_TIMEOUT)
        answer = handle.call(ModelReference(spec.to_dict(), variant), INSPECT_TIMEOUT)
    except WorkerFailure as exc:
        raise UserError(f"--model {spec.shown}: the {backend} worker failed while loading it "
                        f"({exc}); run the model on its own to see the full error") from None
    finally:
        handle.close()
    if not answer.ok or answer.signature is None:
        raise UserError(answer.message or f"--model {spec.shown}: the model did not run")
    return answer.signature


@dataclass
class GroupInputs:
    """What the timed cells of a user model's group need from the one-off steps."""

    arrays: Path
    artifacts: dict[str, str] = field(default_factory=dict)
    pending: list[Cell] = field(default_factory=list)


Emit = Callable[[CellResult], None]
EmitConversion = Callable[[Cell, Conversion], None]  # (a cell of the group it feeds, result)


def _with_reason(row: Conversion) -> Conversion:
    if row.reason is None:
        row.reason = _reason(row)
    return row


def _reason(row: Conversion) -> str | None:
    if row.status == "ok":
        return None
    if row.status == "fail_parity":
        p = row.parity
        err = f"max abs error {p.max_abs:.3g}" if p and p.max_abs is not None else \
            (p.detail if p and p.detail else "unusable output")
        return f"{row.path}: output differs from the reference ({err})"
    cause = f"; likely cause: {row.cause}: {row.cause_text}" if row.cause else ""
    return f"{row.path} failed: {row.error or 'no message'}{cause}"


def _failed_rows(names: tuple[str, ...], status: str, why: str) -> list[Conversion]:
    return [Conversion(n, status, reason=f"{n}: {why}") for n in names]


def _convert(executor: LocalExecutor, spec: ModelSpec, workdir: Path, arrays: Path,
             shared: dict[str, str]) -> tuple[list[Conversion], str | None]:
    """(conversion rows, reference failure message) from each conversion worker in turn; the
    first one also makes the reference, and what it saves for the others goes in ``shared``."""
    rows: list[Conversion] = []
    t = executor.timeouts
    for i, (backend, variant, names) in enumerate(conversions(spec.kind)):
        missing = get_spec(backend).unavailable_reason(variant)
        if missing:
            rows += _failed_rows(names, "unavailable", missing)
            continue
        try:
            with executor.scratch(backend, variant) as handle:
                if i == 0:  # the reference worker is the first conversion worker
                    answer = handle.call(ModelReference(spec.to_dict(), variant, str(arrays)),
                                         t.setup)
                    if not answer.ok:
                        return rows, answer.message
                    shared.update(answer.artifacts)
                rows += handle.call(ModelConvert(spec.to_dict(), str(arrays), str(workdir),
                                                 list(names), variant, shared), t.setup).rows
        except WorkerFailure as exc:
            if i == 0 and not arrays.exists():
                return rows, f"the reference run failed: {exc}"
            rows += _failed_rows(names, exc.status, f"the {backend} worker failed: {exc}")
    return rows, None


def prepare_group(cells: list[Cell], executor: LocalExecutor, workdir: Path, emit: Emit,
                  emit_conversion: EmitConversion, stage: Callable[[Cell, str], None]
                  ) -> GroupInputs | None:
    """Reference and conversions for the user model of ``cells``; hands each conversion to
    ``emit_conversion`` (the store keeps them in their own table).
    Returns None when the reference cannot be made (every cell is then stored as an error)."""
    spec = spec_of(cells[0])
    assert spec is not None
    model_dir = workdir / cells[0].group.replace("/", "_")
    model_dir.mkdir(parents=True, exist_ok=True)
    arrays = model_dir / "arrays.npz"
    stage(cells[0], "reference output and conversions")
    shared: dict[str, str] = {}
    rows, failure = _convert(executor, spec, model_dir, arrays, shared)
    if failure is not None:
        for c in cells:
            emit(CellResult(c, "error", reason=f"no reference output: {failure}"))
        return None
    for row in rows:
        emit_conversion(cells[0], _with_reason(row))
    return _ready(spec, cells, rows, GroupInputs(arrays, shared), emit)


def _ready(spec: ModelSpec, cells: list[Cell], rows: list[Conversion], ready: GroupInputs,
           emit: Emit) -> GroupInputs:
    by_path = {r.path: r for r in rows}
    ready.artifacts.update({r.path: r.artifact for r in rows if r.artifact})
    for c in cells:
        needed = needs(spec.kind, c.backend)
        row = by_path.get(needed or "")
        if row is not None and row.status != "ok":
            status = "unavailable" if row.status == "unavailable" else "fail_export"
            emit(CellResult(c, status, reason=f"not run: {needed} did not succeed "
                            f"({row.status}), so there is no artifact to run; see its row"))
        else:
            ready.pending.append(c)
    return ready
