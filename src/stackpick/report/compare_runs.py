"""Compare two stored runs cell by cell (matched by key): which changes are real, and how big.

Across runs there are no shared rounds, so the ratio of two runs' medians gets its interval
from the two cell intervals (analysis/intervals.py): whole rounds grouped by worker process,
each run's process spread pooled over its own study; samples are never resampled one by one
(thousands of consecutive samples are not thousands of independent draws). A change is listed
only when its 95% interval excludes 1 and also lies beyond ``threshold`` (a relative size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from stackpick.analysis.intervals import (
    CellRounds,
    Study,
    cell_interval,
    study_cell_spread,
    unpaired_interval,
)
from stackpick.errors import UserError
from stackpick.protocol.cells import StoredCell
from stackpick.report.format import duration_ns
from stackpick.store import Store


@dataclass
class Change:
    key: str
    direction: str  # faster | slower
    ratio: float  # median B / median A (time): > 1 is slower
    low: float
    high: float
    median_a_ns: float
    median_b_ns: float

    @property
    def size(self) -> float:
        """How many times faster or slower (>= 1), hyperfine style."""
        return self.ratio if self.direction == "slower" else 1.0 / self.ratio

    def sentence(self) -> str:
        lo, hi = sorted((self.low, self.high) if self.direction == "slower"
                        else (1 / self.high, 1 / self.low))
        return (f"{self.key}: {self.size:.2f}x {self.direction} [{lo:.2f}, {hi:.2f}] "
                f"({duration_ns(self.median_a_ns)} -> {duration_ns(self.median_b_ns)})")


@dataclass
class RunDiff:
    run_a: int
    run_b: int
    threshold: float
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # no measurable change
    hidden: dict[str, float] = field(default_factory=dict)  # unchanged key -> change it allows
    no_interval: list[str] = field(default_factory=list)  # too few rounds to judge
    status_changes: list[dict[str, str]] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    machines_a: list[str] = field(default_factory=list)  # cluster machines ([]: local run)
    machines_b: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {"schema": 1, **asdict(self)}
        for c, d in zip(self.changes, data["changes"], strict=True):
            d["size"] = c.size
        return data


def ratio_of_medians(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]],
                     blocks_a: Sequence[int] | None = None,
                     blocks_b: Sequence[int] | None = None,
                     studies: tuple[Study, Study] = (None, None)
                     ) -> tuple[float, float, float]:
    """median(b) / median(a) per call with a 95% interval from whole rounds and processes
    (NaN bounds when either run has too few rounds for an interval)."""
    ra, rb = CellRounds.from_samples("a", a, blocks_a), CellRounds.from_samples("b", b, blocks_b)
    if not ra.medians or not rb.medians:
        return math.nan, math.nan, math.nan
    iv = unpaired_interval(cell_interval(ra, studies[0]), cell_interval(rb, studies[1]))
    return iv.estimate, iv.low, iv.high


def _blocks(c: StoredCell) -> list[int] | None:
    return c.metrics.timing.blocks if c.metrics.timing else None


def _study(store: Store, cells: dict[str, StoredCell]) -> Study:
    return study_cell_spread(CellRounds.from_samples(c.label, store.rounds(c.id), _blocks(c))
                             for c in cells.values() if c.status == "ok")


def _judge(key: str, ca: StoredCell, cb: StoredCell, store: Store, threshold: float,
           studies: tuple[Study, Study]) -> Change | float | None:
    """The change when its interval excludes no-change (and the threshold); else the largest
    relative change the interval still allows; None when there is no interval."""
    value, low, high = ratio_of_medians(store.rounds(ca.id), store.rounds(cb.id), _blocks(ca),
                                        _blocks(cb), studies)
    if math.isnan(value) or math.isnan(low):
        return None
    median_a = ca.metrics.latency.median if ca.metrics.latency else math.nan
    median_b = cb.metrics.latency.median if cb.metrics.latency else math.nan
    if low > 1.0 + threshold:
        return Change(key, "slower", value, low, high, median_a, median_b)
    if high < 1.0 / (1.0 + threshold):
        return Change(key, "faster", value, low, high, median_a, median_b)
    return max(high, 1.0 / low) - 1.0


def _by_key(cells: list[StoredCell], base: bool) -> dict[str, StoredCell]:
    return {c.base_key if base else c.key: c for c in cells}


def _cells(store: Store, run_id: int, node: str | None) -> list[StoredCell]:
    cells = store.cells(run_id)
    if node is None:
        return cells
    mine = [c for c in cells if c.node == node]
    if not mine:
        known = ", ".join(sorted({c.node for c in cells if c.node})) or "none (a local run)"
        raise UserError(f"run {run_id} has no cell measured on machine {node!r}; its "
                        f"machines: {known}")
    return mine


def compare_runs(store: Store, run_a: int, run_b: int, threshold: float = 0.02,
                 node_a: str | None = None, node_b: str | None = None) -> RunDiff:
    """Match cells across two runs and keep only the changes that are real. Cells match by
    key without the machine (so runs on two machines compare) unless a run holds one cell on
    several machines; ``node_a``/``node_b`` pick one machine's cells of each run."""
    raw_a, raw_b = _cells(store, run_a, node_a), _cells(store, run_b, node_b)
    base = all(len({c.base_key for c in cs}) == len(cs) for cs in (raw_a, raw_b))
    cells_a, cells_b = _by_key(raw_a, base), _by_key(raw_b, base)
    diff = RunDiff(run_a, run_b, threshold,
                   machines_a=sorted({c.node for c in raw_a if c.node}),
                   machines_b=sorted({c.node for c in raw_b if c.node}))
    diff.only_a = sorted(set(cells_a) - set(cells_b))
    diff.only_b = sorted(set(cells_b) - set(cells_a))
    studies = (_study(store, cells_a), _study(store, cells_b))
    for key in sorted(set(cells_a) & set(cells_b)):
        ca, cb = cells_a[key], cells_b[key]
        if ca.status != "ok" or cb.status != "ok":
            if ca.status != cb.status:
                diff.status_changes.append({"key": key, "a": ca.status, "b": cb.status,
                                            "reason": cb.reason or ""})
            continue
        change = _judge(key, ca, cb, store, threshold, studies)
        if isinstance(change, Change):
            diff.changes.append(change)
        elif change is None:
            diff.no_interval.append(key)
        else:
            diff.unchanged.append(key)
            diff.hidden[key] = change
    return diff


def diff_lines(diff: RunDiff) -> list[str]:
    """The comparison as plain lines for the terminal: changes, then what was left out."""
    under = f" or the change is under {diff.threshold:.1%}" if diff.threshold else ""
    where_a = f" (on {', '.join(diff.machines_a)})" if diff.machines_a else ""
    where_b = f" (on {', '.join(diff.machines_b)})" if diff.machines_b else ""
    # "unchanged" would say more than was measured: a wide interval can hide a large change
    allows = sorted(diff.hidden.values())
    widest = "" if not allows else (f"; they could hide a change of ±{median(allows):.0%} "
                                    f"(median), up to ±{allows[-1]:.0%}")
    head = (f"run {diff.run_a}{where_a} -> run {diff.run_b}{where_b}: "
            f"{len(diff.changes)} significant "
            f"change(s), {len(diff.unchanged)} without a measurable change (95% interval "
            f"includes no change{under}{widest})")
    lines = [head] + ["  " + c.sentence() for c in diff.changes]
    if diff.no_interval:
        lines.append(f"  {len(diff.no_interval)} cell(s) with too few rounds for an interval: "
                     + ", ".join(diff.no_interval[:5]) + (" ..." if len(diff.no_interval) > 5
                                                           else ""))
    lines += [f"  status {s['a']} -> {s['b']}: {s['key']}" + (f" ({s['reason']})"
                                                              if s["reason"] else "")
              for s in diff.status_changes]
    for name, keys in ((f"only in run {diff.run_a}", diff.only_a),
                       (f"only in run {diff.run_b}", diff.only_b)):
        if keys:
            lines.append(f"  {len(keys)} cell(s) {name}: {', '.join(keys[:5])}"
                         + (" ..." if len(keys) > 5 else ""))
    return lines
