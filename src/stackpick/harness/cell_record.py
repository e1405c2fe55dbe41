"""A timed cell's Timing record: pooled-sample summary for the descriptive numbers, per-call
tails (analysis/percentiles.py), and the blocks and round ids the intervals are built from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from stackpick.analysis.percentiles import cell_tail
from stackpick.analysis.stability import sample_warnings
from stackpick.analysis.stats import summarize
from stackpick.harness.client import WorkerFailure
from stackpick.protocol.cells import Cell, CellResult, Parity, Timing


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


def failure_result(cell: Cell, exc: WorkerFailure, stage: str) -> CellResult:
    return CellResult(cell, exc.status, reason=f"{stage}: {exc}", error_tail=exc.tail or None)


def parity_reason(p: Parity) -> str:
    if p.max_abs is None:
        return f"parity: {p.detail or 'output unusable'}"
    return (f"parity: max abs error {p.max_abs:.3g} exceeds {p.atol:g} + "
            f"{p.rtol:g} x |reference| ({p.detail or 'logits'})")


