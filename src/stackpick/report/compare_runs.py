"""Compare two stored runs cell by cell (matched by key): which changes are real, and how big.

Across runs there are no shared rounds, so each run's samples are resampled independently
(a seeded bootstrap of the ratio of medians). A change is listed only when its 95% interval
excludes 1 and also lies beyond ``threshold`` (a relative size), because thousands of samples
make a 0.1% shift "significant" although a rerun on another day moves more than that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stackpick.protocol.cells import StoredCell
from stackpick.report.format import duration_ns
from stackpick.store import Store

RESAMPLES = 1000
MAX_SAMPLES = 4000  # per cell; an even subsample keeps the bootstrap fast and the CI honest
CHUNK = 100  # resamples per vectorised batch (bounds memory at CHUNK x MAX_SAMPLES floats)


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
    unchanged: list[str] = field(default_factory=list)
    status_changes: list[dict[str, str]] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {"schema": 1, **asdict(self)}
        for c, d in zip(self.changes, data["changes"], strict=True):
            d["size"] = c.size
        return data


def _flat(rounds: Sequence[Sequence[float]], seed: int) -> np.ndarray:
    arr = np.asarray([v for r in rounds for v in r], dtype=np.float64)
    if len(arr) > MAX_SAMPLES:
        arr = np.random.default_rng(seed).choice(arr, MAX_SAMPLES, replace=False)
    return arr


def _boot_medians(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = []
    for start in range(0, RESAMPLES, CHUNK):
        n = min(CHUNK, RESAMPLES - start)
        out.append(np.median(arr[rng.integers(0, len(arr), size=(n, len(arr)))], axis=1))
    return np.concatenate(out)


def ratio_of_medians(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]],
                     seed: int = 0) -> tuple[float, float, float]:
    """median(b) / median(a) with a 95% percentile-bootstrap interval, each run's samples
    resampled independently (seeded, so the same inputs give the same answer)."""
    xa, xb = _flat(a, seed), _flat(b, seed + 1)
    if len(xa) == 0 or len(xb) == 0:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    ratios = _boot_medians(xb, rng) / _boot_medians(xa, rng)
    return (float(np.median(xb) / np.median(xa)), float(np.quantile(ratios, 0.025)),
            float(np.quantile(ratios, 0.975)))


def _judge(key: str, a: Sequence[Sequence[float]], b: Sequence[Sequence[float]],
           threshold: float) -> Change | None:
    value, low, high = ratio_of_medians(a, b)
    if math.isnan(value):
        return None
    median_a = float(np.median(_flat(a, 0)))
    median_b = float(np.median(_flat(b, 1)))
    if low > 1.0 + threshold:
        return Change(key, "slower", value, low, high, median_a, median_b)
    if high < 1.0 / (1.0 + threshold):
        return Change(key, "faster", value, low, high, median_a, median_b)
    return None


def _by_key(cells: list[StoredCell]) -> dict[str, StoredCell]:
    return {c.key: c for c in cells}


def compare_runs(store: Store, run_a: int, run_b: int, threshold: float = 0.02) -> RunDiff:
    """Match cells by key across two runs and keep only the changes that are real."""
    cells_a, cells_b = _by_key(store.cells(run_a)), _by_key(store.cells(run_b))
    diff = RunDiff(run_a, run_b, threshold)
    diff.only_a = sorted(set(cells_a) - set(cells_b))
    diff.only_b = sorted(set(cells_b) - set(cells_a))
    for key in sorted(set(cells_a) & set(cells_b)):
        ca, cb = cells_a[key], cells_b[key]
        if ca.status != "ok" or cb.status != "ok":
            if ca.status != cb.status:
                diff.status_changes.append({"key": key, "a": ca.status, "b": cb.status,
                                            "reason": cb.reason or ""})
            continue
        change = _judge(key, store.rounds(ca.id), store.rounds(cb.id), threshold)
        if change:
            diff.changes.append(change)
        else:
            diff.unchanged.append(key)
    return diff


def diff_lines(diff: RunDiff) -> list[str]:
    """The comparison as plain lines for the terminal: changes, then what was left out."""
    under = f" or the change is under {diff.threshold:.1%}" if diff.threshold else ""
    head = (f"run {diff.run_a} -> run {diff.run_b}: {len(diff.changes)} significant "
            f"change(s), {len(diff.unchanged)} unchanged (95% interval includes no "
            f"change{under})")
    lines = [head] + ["  " + c.sentence() for c in diff.changes]
    lines += [f"  status {s['a']} -> {s['b']}: {s['key']}" + (f" ({s['reason']})"
                                                              if s["reason"] else "")
              for s in diff.status_changes]
    for name, keys in ((f"only in run {diff.run_a}", diff.only_a),
                       (f"only in run {diff.run_b}", diff.only_b)):
        if keys:
            lines.append(f"  {len(keys)} cell(s) {name}: {', '.join(keys[:5])}"
                         + (" ..." if len(keys) > 5 else ""))
    return lines
