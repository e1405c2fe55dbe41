"""Warnings that sit beside a number when it should not be trusted as is (pyperf's checks)."""

from __future__ import annotations

import os

from stackpick.analysis.stats import Summary

CV_LIMIT = 0.10  # robust CV (MAD-based) above which the bulk of the samples is noisy
SLOW_LIMIT = 0.01  # share of samples over twice the median that signals interference
SPREAD_LIMIT = 0.5


def sample_warnings(s: Summary, stop_reason: str, ci_target: float) -> list[str]:
    """Warnings about one cell's samples, each with what to do about it.

    Rare spikes (an interrupt, a page fault) are normal on a shared machine and cannot move a
    median, so they only warn when they are frequent; the spread test uses the MAD."""
    out: list[str] = []
    if s.robust_cv >= CV_LIMIT:
        out.append(f"high variation (robust CV {s.robust_cv:.0%}): close other programs "
                   "or raise --max-time")
    if s.slow_fraction >= SLOW_LIMIT:
        out.append(
            f"interference: {s.slow_fraction:.1%} of samples took over twice the median "
            f"(max {s.maximum / s.median:.1f}x); another process likely interfered, "
            "rerun on an idle machine")
    if s.median > 0 and (s.median - s.minimum) / s.median > SPREAD_LIMIT:
        out.append(f"min is {s.minimum / s.median:.2f}x the median: timings are bimodal")
    # (a group stopped at the block cap says how wide its verdicts stayed in the verdicts)
    if stop_reason in ("cap:time", "cap:samples") and s.ci_rel_halfwidth > ci_target:
        out.append(
            f"not converged: CI +-{s.ci_rel_halfwidth:.1%} after the {stop_reason[4:]} cap; "
            "raise --max-time for a tighter interval"
        )
    return out


def load_warning(cores: int | None = None) -> str | None:
    """A warning when the machine was busy at the start of a study, else None."""
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        return None
    cores = cores or os.cpu_count() or 1
    if load1 > 0.5 * cores:
        return (f"machine busy: load average {load1:.2f} on {cores} cores; "
                "timings may be slow and noisy, rerun when the machine is idle")
    return None
