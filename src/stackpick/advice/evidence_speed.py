"""Measured speed from a stored run: per group, each stack's standing against the fastest.

A group's comparisons put its fastest backend against each other one (time slow / time fast,
with an interval from the block statistics). A stack stands by its best backend: ratio 1 when
it is the fastest or its verdict is ``tie`` (the interval's upper end is kept as its range),
the point ratio for ``faster`` (with the interval) and for ``inconclusive`` (its range then
reaches twice the point ratio when the statistics gave no interval; a caveat says so: never
full credit). The fastest stack's reason names each speed-up it measured, with its interval.
Groups with a single timed backend prove nothing and are skipped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from stackpick.advice.devices import device_class
from stackpick.advice.measured import GroupValue, stacks_for
from stackpick.advice.model import Reason

if TYPE_CHECKING:
    from stackpick.analysis.run_view import GroupView, RunView

Standing = tuple[float, float | None, float | None, str, tuple[int, ...]]


def _finite(x: float) -> bool:
    return not math.isnan(x) and not math.isinf(x)


def _standing(cmp: Any) -> Standing:
    """(ratio, low, high, text, cells) of the slower side of one comparison."""
    r, cells = cmp.ratio, (cmp.fast.cell_id, cmp.slow.cell_id)
    if cmp.verdict == "tie":
        return 1.0, 1.0, max(r.high, 1.0) if _finite(r.high) else 1.0, cmp.sentence(), cells
    if cmp.verdict == "faster":
        return r.value, r.low, r.high, cmp.sentence(), cells
    low = r.low if _finite(r.low) else 1.0
    high = r.high if _finite(r.high) else 2 * r.value
    return (r.value, min(low, r.value), max(high, r.value),
            cmp.sentence() + "; inconclusive: scored by its point ratio", cells)


def _fastest_text(group: GroupView, label: str) -> str:
    wins = [c.sentence() for c in group.comparisons if c.verdict == "faster"]
    ties = sum(c.verdict == "tie" for c in group.comparisons)
    text = f"{label} was the fastest"
    if wins:
        text += ": " + "; ".join(wins)
    return text + (f"; tied with {ties} other{'s' if ties > 1 else ''}" if ties else "")


def _speed_group(group: GroupView) -> dict[str, GroupValue]:
    """Per stack: its best backend's standing against the fastest backend in this group."""
    if not group.comparisons:
        return {}
    first = group.cells[0]
    fastest = group.comparisons[0].fast
    cls = {c.label: device_class(c.backend, c.device) for c in group.cells}
    scored: dict[str, Standing] = {
        fastest.label: (1.0, None, None, _fastest_text(group, fastest.label),
                        (fastest.cell_id,))}
    verdicts = {cmp.slow.label: cmp.verdict for cmp in group.comparisons}
    for cmp in group.comparisons:
        scored[cmp.slow.label] = _standing(cmp)
    # The fastest by median should never be slower in the paired rounds; when it is, the run
    # contradicts itself and its standings here are anyone's guess (any ratio at all).
    if any(cmp.ratio.value < 1 for cmp in group.comparisons):
        scored = {k: (v, 1.0, math.inf, t + "; medians and paired rounds disagree: uncertain", c)
                  for k, (v, _, _, t, c) in scored.items()}
    out: dict[str, GroupValue] = {}
    for label, (ratio, low, high, text, cells) in scored.items():
        where = cls.get(label, "x86-cpu")
        for stack in stacks_for(label, first.task):
            if stack not in out or ratio < out[stack].ratio:
                out[stack] = GroupValue(first.workload, ratio,
                                        Reason(f"{group.key}: {text}", cells=cells), where,
                                        low, high, group.key, verdicts.get(label, ""))
    return out


def speed(results: RunView, task: str) -> dict[str, list[GroupValue]]:
    """Per stack: its standing in every ``task`` group of the run."""
    out: dict[str, list[GroupValue]] = {}
    for group in results.groups:
        if not group.cells or group.cells[0].task != task:
            continue
        for stack, gv in _speed_group(group).items():
            out.setdefault(stack, []).append(gv)
    return out


def inference_speed(results: RunView) -> dict[str, list[GroupValue]]:
    return speed(results, "inference")


def training_speed(results: RunView) -> dict[str, list[GroupValue]]:
    return speed(results, "training")
