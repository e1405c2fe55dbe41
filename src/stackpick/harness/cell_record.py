"""A cell's stored record: the Timing (pooled-sample summary for the descriptive numbers,
per-call tails from analysis/percentiles.py, the blocks and round ids the intervals are built
from), its metrics, a failure, and the cells that need no worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from stackpick.analysis.percentiles import cell_tail
from stackpick.analysis.stability import sample_warnings
from stackpick.analysis.stats import summarize
from stackpick.harness import footprint
from stackpick.harness.checkpoint import ActiveCell
from stackpick.harness.client import WorkerFailure
from stackpick.protocol.cells import Cell, CellMetrics, CellResult, Parity, Timing
from stackpick.protocol.messages import HelloReply, SetupReply
from stackpick.registry import get_spec


def cell_timing(rounds: Sequence[Sequence[float]], blocks: Sequence[int],
                round_ids: Sequence[int], loops: int,
                tail: tuple[list[float], float] | None, stop: str | None, sampling_s: float,
                batch: int, ci_rel: float) -> Timing:
    """The stored Timing of a cell (``tail``: single-call samples and the clock's cost)."""
    s = summarize([v for r in rounds for v in r])
    t = cell_tail([v for r in rounds for v in r], loops,
                  tail[0] if tail else None, tail[1] if tail else 0.0)
    s = replace(s, p90=t.p90, p99=t.p99)
    return Timing(s, s.cv, s.robust_cv, stop, len(rounds), sampling_s,
                  batch / (s.median / 1e9), sample_warnings(s, stop or "", ci_rel),
                  list(blocks), list(round_ids), t.basis)


def cell_metrics(a: ActiveCell | None, setup: SetupReply, cell: Cell, info: HelloReply,
                 session: str, ci_rel: float, stop: str | None = None) -> CellMetrics:
    """What a cell stores besides its samples: its setup, the worker's facts (``info``), the
    timing of its rounds (none for ``a`` None: never timed) and its first-block passes."""
    timing = None if a is None else cell_timing(
        a.rounds, a.blocks, a.round_ids, setup.loops or 1, a.tail, stop, a.sampling_s,
        cell.batch, ci_rel)
    extras = replace(setup.extras, other=dict(setup.extras.other))
    install = footprint.install_footprint(get_spec(cell.backend).runtime_dists)
    if install is not None:
        extras.install_bytes, extras.install = install.bytes, install
    if a is not None and len(a.first_calls) > 1:
        extras.first_call_s_by_process = a.first_calls  # cold, then warm caches
    return CellMetrics(
        build_s=setup.build_s, first_call_s=setup.first_call_s, parity=setup.parity,
        extras=extras, loops=setup.loops, warmup=setup.warmup,
        threads=info.threads, versions=info.versions, import_s=info.import_s,
        rss_before=setup.rss_before, rss_after=setup.rss_after, session=session,
        timing=timing, memory=a.memory if a else None)


def add_notes(metrics: CellMetrics, a: ActiveCell) -> CellMetrics:
    """A finished cell's metrics with its cold start, and the warnings its blocks left: a late
    worker failure, figures a failure cost it, turns other processes disturbed."""
    if a.cold is not None:
        metrics.cold_start_s, metrics.cold_start = a.cold.total_s, a.cold
    for note in [a.late_failure, *a.faults, *a.turns.warnings()]:
        if note and metrics.timing is not None:
            metrics.timing.warnings.append(note)
    return metrics


def failure_result(cell: Cell, exc: WorkerFailure, stage: str) -> CellResult:
    return CellResult(cell, exc.status, reason=f"{stage}: {exc}", error_tail=exc.tail or None)


def parity_reason(p: Parity) -> str:
    if p.max_abs is None:
        return f"parity: {p.detail or 'output unusable'}"
    return (f"parity: max abs error {p.max_abs:.3g} exceeds {p.atol:g} + "
            f"{p.rtol:g} x |reference| ({p.detail or 'logits'})")


def precheck(cell: Cell) -> CellResult | None:
    """Cells that need no worker: unsupported combinations and missing frameworks."""
    spec = get_spec(cell.backend)
    model = cell.workload_params.get("model")
    kind = model.get("kind") if isinstance(model, dict) else None
    reason = spec.unsupported_reason(cell.task, cell.device, kind)
    if reason:
        return CellResult(cell, "unsupported", reason=reason)
    reason = spec.unavailable_reason(cell.variant)
    if reason:
        return CellResult(cell, "unavailable", reason=reason)
    return None
