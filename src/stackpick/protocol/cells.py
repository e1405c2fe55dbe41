"""Cells and what is measured of them: the records the plan, the runner, the store, the
analysis and the reports share.

A :class:`Cell` is one (workload, backend, variant, task, batch, device) measurement; its
:class:`CellResult` carries typed :class:`CellMetrics`. The store keeps metrics as JSON in the
documented shape (``docs/results-json.md``): :meth:`CellMetrics.to_dict` writes it and
:meth:`CellMetrics.from_dict` reads it back, from this version's stores and older ones. A
backend's own facts are declared fields of :class:`~stackpick.protocol.extras.Extras`; only
versions and thread read-backs stay open mappings (their keys are the frameworks' own).

A new kind of evidence (a load test's capacity, say) is one record and one optional field of
:class:`CellMetrics`: written when set, read back by its type, nothing else to edit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import msgspec

from stackpick.protocol import tolerant
from stackpick.protocol.extras import ColdStart, Extras

STATUSES = ("ok", "fail_parity", "fail_export", "crash", "timeout", "oom", "error",
            "unavailable", "unsupported", "lost_node")


@dataclass(frozen=True)
class Cell:
    """One (workload, backend, variant, task, batch, device) measurement."""

    workload: str
    backend: str
    variant: str
    task: str
    batch: int
    device: str = "cpu"
    workload_params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # A cluster machine this cell must run on ('' = any matching one): set only when a fleet
    # study measures every group on every machine, so the same cell exists once per machine.
    node: str = ""

    @property
    def key(self) -> str:
        """Stable identity within a run (used for resume and for the store's uniqueness)."""
        return f"{self.base_key}@{self.node}" if self.node else self.base_key

    @property
    def base_key(self) -> str:
        """The key without the machine: what matches the same cell across machines."""
        return f"{self.workload}/{self.task}/b{self.batch}/{self.device}/{self.label}"

    @property
    def label(self) -> str:
        """Backend with its variant, as shown in tables: ``tensorflow:xla``, ``torch``."""
        return label(self.backend, self.variant)

    @property
    def group(self) -> str:
        """Cells of one group run in interleaved rounds (on one machine) and are compared
        with each other."""
        base = f"{self.workload}/{self.task}/b{self.batch}/{self.device}"
        return f"{base}@{self.node}" if self.node else base

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        return cls(**data)


def label(backend: str, variant: str) -> str:
    return backend if variant == "default" else f"{backend}:{variant}"


@dataclass(frozen=True)
class Summary:
    """Latency samples (nanoseconds per call) reduced to what a report shows. Only the
    median is required when reading: older or hand-made records may hold less."""

    median: float
    n: int = 0
    ci_low: float = 0.0
    ci_high: float = 0.0
    mean: float = 0.0
    stdev: float = 0.0
    minimum: float = 0.0
    maximum: float = 0.0
    p90: float | None = None
    p99: float | None = None
    mad: float = 0.0  # median absolute deviation
    slow_fraction: float = 0.0  # share of samples slower than twice the median

    @property
    def cv(self) -> float:
        return self.stdev / self.mean if self.mean > 0 else 0.0

    @property
    def robust_cv(self) -> float:
        """MAD scaled to a normal stdev, over the median: a spread that a handful of
        interrupts in thousands of samples cannot inflate (the plain CV can)."""
        return 1.4826 * self.mad / self.median if self.median > 0 else 0.0

    @property
    def ci_rel_halfwidth(self) -> float:
        return (self.ci_high - self.ci_low) / 2 / self.median if self.median > 0 else math.inf


@dataclass(frozen=True)
class Parity:
    """The backend's output against the float64 reference (``ok``: within atol + rtol|ref|)."""

    ok: bool
    max_abs: float | None = None
    max_rel: float | None = None
    atol: float | None = None
    rtol: float | None = None
    detail: str | None = None  # why it failed, or which output/parameter was worst
    # A quantised cell is judged on its own stated tolerance; the float32 verdict stays beside
    # it so the accuracy change is shown (worker.parity.check_cell).
    tolerance: str | None = None
    float32_ok: bool | None = None
    float32_atol: float | None = None
    float32_rtol: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: the optional keys only when set."""
        optional = ("detail", "tolerance", "float32_ok", "float32_atol", "float32_rtol")
        return {k: v for k, v in asdict(self).items() if v is not None or k not in optional}


@dataclass(frozen=True)
class Warmup:
    calls: int = 0
    seconds: float = 0.0
    converged: bool = False


@dataclass(frozen=True)
class MemoryUse:
    """The memory pass: the worker's peak RSS while calling, and device memory (GPU)."""

    peak_rss_bytes: int | None = None
    calls: int | None = None
    device_memory: dict[str, int] | None = None
    error: str | None = None  # the pass failed; the timing still stands

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error}
        return {k: v for k, v in asdict(self).items() if k != "error"}


@dataclass(frozen=True)
class Timing:
    """What the interleaved rounds measured (absent for cells that never got timed)."""

    latency_ns: Summary
    cv: float = 0.0
    robust_cv: float = 0.0
    stop: str | None = None  # why sampling stopped: decided, narrow, cap:blocks (older:
    # converged, cap:time, cap:samples)
    rounds: int = 0
    sampling_s: float = 0.0
    throughput: float = 0.0
    warnings: list[str] = field(default_factory=list)
    blocks: list[int] | None = None  # the worker process (block) of each stored round
    round_ids: list[int] | None = None  # each stored round's index within its group
    tail: str | None = None  # what p90/p99 are percentiles of: "per call", "of 2-call means"


# Keys every stored record has, set or not (older readers index them); any other field is
# written only when it is set, so records made before it was added read back unchanged.
ALWAYS = ("build_s", "first_call_s", "parity", "extras", "loops", "warmup", "threads",
          "versions", "import_s", "rss_before", "rss_after", "session")
_TIMING_ONLY = ("blocks", "round_ids", "tail")  # added with process blocks
FAULT = "worker failure"


def fault_warning(text: str) -> str:
    """A cell warning for a worker failure that cost some of its figures (not its timing)."""
    return f"{FAULT}: {text}"


@dataclass
class CellMetrics:
    """Everything measured of one cell besides its samples."""

    build_s: float | None = None
    first_call_s: float | None = None
    parity: Parity | None = None
    extras: Extras = field(default_factory=Extras)  # the backend's own facts
    loops: int | None = None  # calls per sample (1: each call timed alone)
    warmup: Warmup | None = None
    threads: dict[str, Any] | None = None  # read back from the framework
    versions: dict[str, str] | None = None
    import_s: float | None = None
    rss_before: int | None = None
    rss_after: int | None = None
    session: str = ""  # cells timed in the same rounds share one
    timing: Timing | None = None
    memory: MemoryUse | None = None
    # Fresh processes to the first correct output (harness.cold_start): the median, and its
    # split into import_s / load_s / first_call_s with the runs and the cell measured on.
    cold_start_s: float | None = None
    cold_start: ColdStart | None = None
    node: dict[str, Any] | None = None  # the cluster machine's fingerprint (None: local run)
    interval: dict[str, Any] | None = None  # the shown interval (set when a run is loaded)
    other: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    @property
    def latency(self) -> Summary | None:
        return self.timing.latency_ns if self.timing else None

    @property
    def warnings(self) -> list[str]:
        return self.timing.warnings if self.timing else []

    @property
    def faults(self) -> list[str]:
        """The warnings a worker failure left: figures of an ``ok`` cell that are missing."""
        return [w for w in self.warnings if w.startswith(FAULT)]

    @property
    def throughput(self) -> float | None:
        return self.timing.throughput if self.timing else None

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape: timing fields at the top level, as stored."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("timing", "other") or (value is None and f.name not in ALWAYS):
                continue
            out[f.name] = _plain(value)
        if self.timing is not None:
            out.update({k: v for k, v in asdict(self.timing).items()
                        if v is not None or k not in _TIMING_ONLY})
        if "cold_start" in out:  # a failed pass has no median: both keys say so
            out.setdefault("cold_start_s", None)
        return {**out, **self.other}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellMetrics:
        """Read stored metrics (any version); unknown keys are kept in ``other``."""
        timing_keys = {f.name for f in fields(Timing)}
        own = {f.name for f in fields(cls)} - {"timing", "other", "extras"}
        known = {k: v for k, v in data.items() if k in own and v is not None}
        metrics, odd = tolerant.convert(known, cls)
        metrics.extras = Extras.from_dict(data.get("extras"))
        if isinstance(data.get("latency_ns"), dict):
            metrics.timing = msgspec.convert(
                {k: v for k, v in data.items() if k in timing_keys}, Timing, strict=False)
        metrics.other = {**{k: v for k, v in data.items()
                            if k not in own and k not in timing_keys and k != "extras"}, **odd}
        return metrics


def _plain(value: Any) -> Any:
    """A field's stored form: its own ``to_dict`` where it has one, else plain data."""
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else msgspec.to_builtins(value)


@dataclass
class CellResult:
    """A finished cell as the runner hands it to the store."""

    cell: Cell
    status: str  # one of STATUSES
    metrics: CellMetrics = field(default_factory=CellMetrics)
    reason: str | None = None
    error_tail: str | None = None
    rounds: list[list[float]] = field(default_factory=list)


@dataclass
class StoredCell:
    """A cell as the store gives it back (with its row id and run)."""

    id: int
    run_id: int
    key: str
    group: str
    workload: str
    backend: str
    variant: str
    task: str
    batch: int
    device: str
    status: str
    reason: str | None
    error_tail: str | None
    metrics: CellMetrics
    node: str = ""  # the machine that measured it ('' for a local run)

    @property
    def label(self) -> str:
        return label(self.backend, self.variant)

    @property
    def base_key(self) -> str:
        """The key without the machine (see :attr:`Cell.base_key`)."""
        return self.key.split("@", 1)[0]
