"""What the reports show, derived once from a stored run: baselines, speed-ups, break-even call
counts, parity rows, failures and warnings. HTML, Markdown and JSON all read these."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stackpick.results import GroupView, RunResults
from stackpick.store import StoredCell

BASELINE = "torch"  # eager PyTorch: the reference every speed-up is measured against
PARTIAL = ("interrupted", "running")


def latency(c: StoredCell) -> dict[str, Any]:
    return c.metrics.get("latency_ns") or {}


def median_ns(c: StoredCell) -> float | None:
    return latency(c).get("median")


def ok_cells(g: GroupView) -> list[StoredCell]:
    """Timed cells of a group, fastest first."""
    timed = [c for c in g.cells if c.status == "ok" and median_ns(c)]
    return sorted(timed, key=lambda c: median_ns(c) or 0.0)


def baseline(g: GroupView) -> StoredCell | None:
    """The group's eager PyTorch cell, when it was measured."""
    return next((c for c in ok_cells(g) if c.label == BASELINE), None)


def group_title(g: GroupView) -> str:
    """'mlp · inference · batch 1 · cpu' from the first cell (the key is the fallback)."""
    if not g.cells:
        return g.key
    c = g.cells[0]
    return f"{c.workload} · {c.task} · batch {c.batch} · {c.device}"


@dataclass
class Speedup:
    """How many times faster than eager PyTorch (>1 faster); the interval brackets the ratio
    of the two medians' 95% CIs, which is conservative."""

    group: GroupView
    cell: StoredCell
    value: float
    low: float
    high: float


def speedups(g: GroupView) -> list[Speedup]:
    base = baseline(g)
    if base is None:
        return []
    b = latency(base)
    out = []
    for c in ok_cells(g):
        lat = latency(c)
        if c is base or not lat.get("ci_low"):
            continue
        out.append(Speedup(g, c, b["median"] / lat["median"], b["ci_low"] / lat["ci_high"],
                           b["ci_high"] / lat["ci_low"]))
    return out


def break_even_calls(first_eager_s: float, steady_eager_s: float, first_comp_s: float,
                     steady_comp_s: float) -> float | None:
    """Calls after which compiling pays off: (first_c - first_e) / (steady_e - steady_c).

    0 when the compiled path is ahead from the first call; None when its steady state is not
    faster, so it never pays off.
    """
    gain = steady_eager_s - steady_comp_s
    if gain <= 0:
        return None
    return max((first_comp_s - first_eager_s) / gain, 0.0)


@dataclass
class FirstCall:
    cell: StoredCell
    first_s: float
    steady_s: float
    calls: float | None  # break-even against the baseline; None = never
    is_baseline: bool


def first_calls(g: GroupView) -> list[FirstCall]:
    """First call and steady state per timed cell, with break-even against eager PyTorch."""
    base = baseline(g)
    rows = []
    for c in ok_cells(g):
        first = c.metrics.get("first_call_s")
        if first is None:
            continue
        steady = (median_ns(c) or 0.0) / 1e9
        calls = None
        if base is not None and c is not base and base.metrics.get("first_call_s") is not None:
            calls = break_even_calls(base.metrics["first_call_s"], (median_ns(base) or 0) / 1e9,
                                     first, steady)
        rows.append(FirstCall(c, first, steady, calls, c is base))
    return rows


def break_even_text(row: FirstCall, has_baseline: bool) -> str:
    if row.is_baseline:
        return "baseline"
    if not has_baseline:
        return "no eager PyTorch baseline"
    if row.calls is None:
        return "never (steady state not faster)"
    if row.calls == 0:
        return "from the first call"
    return f"after {row.calls:,.0f} calls"


def peak_rss(c: StoredCell) -> float | None:
    return (c.metrics.get("memory") or {}).get("peak_rss_bytes")


def memory_sets(res: RunResults) -> dict[str, list[StoredCell]]:
    """Cells with a peak-memory reading, by 'workload · task'."""
    out: dict[str, list[StoredCell]] = {}
    for c in res.cells:
        if peak_rss(c):
            out.setdefault(f"{c.workload} · {c.task}", []).append(c)
    return out


def parity_rows(res: RunResults) -> list[tuple[GroupView, StoredCell, dict[str, Any]]]:
    return [(g, c, c.metrics["parity"]) for g in res.groups for c in g.cells
            if isinstance(c.metrics.get("parity"), dict)]


def warnings(res: RunResults) -> list[tuple[str, str]]:
    """(where, warning) pairs: run-level first, then each cell's stability warnings."""
    out = []
    if res.run.extra.get("load_warning"):
        out.append(("machine", str(res.run.extra["load_warning"])))
    for g in res.groups:
        for c in g.cells:
            out.extend((f"{g.key} {c.label}", str(w)) for w in c.metrics.get("warnings") or [])
    return out


def uses_loops(res: RunResults) -> bool:
    return any((c.metrics.get("loops") or 1) > 1 for c in res.cells)


def planned_cells(res: RunResults) -> int | None:
    """How many cells the run's plan holds (None when the plan cannot be read)."""
    plan = res.run.plan
    try:
        data = json.loads(plan["json"]) if "json" in plan else plan
        return len(data["cells"])
    except (KeyError, TypeError, ValueError):
        return None


def partial_note(res: RunResults) -> str | None:
    """The banner text for a run that did not finish, else None."""
    if res.run.status not in PARTIAL:
        return None
    planned = planned_cells(res)
    of = f" of {planned} planned" if planned else ""
    state = "was interrupted" if res.run.status == "interrupted" else "is still running"
    hint = (f" Finish it with: stackpick bench --resume {res.run.id}"
            if res.run.kind == "bench" else "")
    return (f"Partial results: run {res.run.id} {state}; {len(res.cells)}{of} cells "
            f"measured, the rest are missing from this report.{hint}")


def profile_of(res: RunResults, advice: dict[str, Any] | None) -> dict[str, Any]:
    """The answers: from the advice when given, else as stored with the run."""
    found = (advice or {}).get("profile") or res.run.extra.get("profile") or {}
    return found if isinstance(found, dict) else {"profile": found}
