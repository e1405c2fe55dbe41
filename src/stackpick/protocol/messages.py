"""The worker protocol: one request record per operation and the reply it gets.

On the wire each message is one JSON line, ``{"id": n, "op": OP, ...fields}``, answered with
``{"id": n, "ok": true, "result": {...reply}}`` or ``{"ok": false, "kind": ..., "error": ...}``.
:func:`encode` and :func:`decode` turn records into those dicts and back; msgspec does the
typed, validated conversion of nested records (see docs/architecture.md for why msgspec).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

from stackpick.protocol.cells import Cell, MemoryUse, Parity, Warmup
from stackpick.protocol.cold_start import Artifact
from stackpick.protocol.conversions import Conversion, Signature
from stackpick.protocol.extras import Extras
from stackpick.workloads.base import TrainConfig

T = TypeVar("T")
R = TypeVar("R")


class Request(Generic[R]):
    """A request record; ``R`` is the reply record it gets (what ``WorkerHandle.call``
    returns), ``OP`` its name on the wire."""

    OP: ClassVar[str]


@dataclass
class Hello(Request["HelloReply"]):
    OP: ClassVar[str] = "hello"
    variant: str = "default"


# Thread settings as a framework reports them: ``intra_op`` (what fairness is checked on) and
# the framework's own keys (inter_op, the pinned CPUs, how it was read back).
ThreadReadBack = dict[str, int | float | str | bool | list[int] | None]


@dataclass
class Configured:
    """What a backend's ``configure()`` read back from its framework: versions, the thread
    settings as the framework reports them (``intra_op`` is what fairness is checked on), the
    device, and other facts worth recording."""

    versions: dict[str, str]
    threads: ThreadReadBack
    device: str = "cpu"
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WarmupRule:
    """Warm up until two successive windows' medians agree within ``tolerance`` (pyperf-like)."""

    window: int = 5
    tolerance: float = 0.05
    min_windows: int = 2
    max_calls: int = 2_000
    max_seconds: float = 3.0


@dataclass
class HelloReply:
    """The framework as configured: versions, thread settings read back, device."""

    versions: dict[str, str] = field(default_factory=dict)
    threads: ThreadReadBack = field(default_factory=dict)
    device: str = "cpu"
    pid: int = 0
    import_s: float = 0.0
    rss_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # other facts the backend reports

    @property
    def intra_op(self) -> int | None:
        value = self.threads.get("intra_op")
        return value if isinstance(value, int) else None

    @classmethod
    def of(cls, configured: Configured, pid: int, import_s: float,
           rss_bytes: int | None) -> HelloReply:
        return cls(configured.versions, configured.threads, configured.device, pid, import_s,
                   rss_bytes, configured.details)


@dataclass
class Setup(Request["SetupReply"]):
    """Build the cell, first call, parity; calibrate and warm up when parity passes."""

    OP: ClassVar[str] = "setup"
    key: str
    arrays: str  # path of the group's arrays file (weights, inputs, reference)
    cell: Cell
    artifacts: dict[str, str] = field(default_factory=dict)
    warmup: WarmupRule | None = None  # None: the worker's default rule
    train: TrainConfig | None = None  # None: the default optimiser


@dataclass
class SetupReply:
    build_s: float
    first_call_s: float
    parity: Parity
    extras: Extras = field(default_factory=Extras)
    rss_before: int | None = None
    loops: int | None = None  # absent when parity failed (nothing to time)
    rss_after: int | None = None
    warmup: Warmup | None = None
    quiet_s: float = 0.0  # after the warm-up: how long the process and its children kept busy


@dataclass
class Sample(Request["SampleReply"]):
    OP: ClassVar[str] = "sample"
    key: str
    budget_s: float
    max_samples: int = 100_000
    per_call: bool = False  # time single calls whatever the calibrated loops (tail pass)
    quiet_s: float = 0.0  # after the turn, wait up to this long for the runtime's threads to idle


@dataclass
class SampleReply:
    samples_ns: list[float]
    loops: int
    clock_ns: float | None = None  # per-call pass: what a reading around nothing measures
    quiet_s: float = 0.0  # how long the runtime's threads kept a CPU busy after the turn
    wait_s: float | None = None  # the turn's threads, runnable but without a CPU (Linux only)
    turn_s: float = 0.0  # the turn's sampling time (what wait_s is a share of)


@dataclass
class Memory(Request[MemoryUse]):
    OP: ClassVar[str] = "memory"
    key: str
    variant: str = "default"
    seconds: float = 0.2
    min_calls: int = 3


@dataclass
class Release(Request["ReleaseReply"]):
    OP: ClassVar[str] = "release"
    key: str


@dataclass
class ReleaseReply:
    rss_bytes: int | None = None


@dataclass
class Deploy(Request["DeployReply"]):
    """Write a set-up cell's deployable artifact into ``dir`` (for the cold-start pass)."""

    OP: ClassVar[str] = "deploy"
    key: str
    dir: str


@dataclass
class DeployReply:
    """How a fresh process loads it; None: no artifact, the cold start rebuilds the model
    from its weights."""

    artifact: Artifact | None = None


@dataclass
class ModelReference(Request["ModelReferenceReply"]):
    """Load a user's model, run it once; with ``arrays``, write its inputs and outputs there."""

    OP: ClassVar[str] = "model_reference"
    model: dict[str, Any]
    variant: str = "default"
    arrays: str | None = None


@dataclass
class ModelReferenceReply:
    ok: bool
    message: str | None = None  # why the model cannot run (a user error)
    signature: Signature | None = None
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelConvert(Request["ModelConvertReply"]):
    OP: ClassVar[str] = "model_convert"
    model: dict[str, Any]
    arrays: str
    workdir: str
    paths: list[str]
    variant: str = "default"
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelConvertReply:
    rows: list[Conversion]


@dataclass
class ByeReply:
    """The worker leaves after answering."""


@dataclass
class Bye(Request[ByeReply]):
    OP: ClassVar[str] = "bye"


REQUESTS: dict[str, type[Request[Any]]] = {cls.OP: cls for cls in (
    Hello, Setup, Sample, Memory, Release, Deploy, ModelReference, ModelConvert, Bye)}
REPLIES: dict[type[Request[Any]], type[Any]] = {
    Hello: HelloReply, Setup: SetupReply, Sample: SampleReply, Memory: MemoryUse,
    Release: ReleaseReply, Deploy: DeployReply, ModelReference: ModelReferenceReply,
    ModelConvert: ModelConvertReply, Bye: ByeReply,
}


def _plain(value: Any) -> Any:
    """Values msgspec does not know: numpy scalars (``.item()``), and str subclasses such as
    torch's ``TorchVersion`` (as text)."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} to the other process")


def encode(record: Any) -> dict[str, Any]:
    """A record as plain JSON-ready data."""
    return msgspec.to_builtins(record, enc_hook=_plain)


def decode(data: Any, kind: type[T]) -> T:
    """Plain data as a record of ``kind`` (nested records converted and type-checked)."""
    return msgspec.convert(data, kind)


def request_of(message: dict[str, Any]) -> Any:
    """The request record of a wire message (its ``op`` names the type)."""
    kind = REQUESTS.get(message.get("op", ""))
    if kind is None:
        raise ValueError(f"unknown op {message.get('op')!r}")
    return decode({k: v for k, v in message.items() if k not in ("id", "op")}, kind)
