"""The worker protocol: one request record per operation and the reply it gets.

On the wire each message is one JSON line, ``{"id": n, "op": OP, ...fields}``, answered with
``{"id": n, "ok": true, "result": {...reply}}`` or ``{"ok": false, "kind": ..., "error": ...}``.
:func:`encode` and :func:`decode` turn records into those dicts and back; msgspec does the
typed, validated conversion of nested records (see docs/architecture.md for why msgspec).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import msgspec

from stackpick.protocol.cells import Cell, MemoryUse, Parity, Warmup
from stackpick.protocol.conversions import Conversion

T = TypeVar("T")


@dataclass
class Hello:
    OP: ClassVar[str] = "hello"
    variant: str = "default"


@dataclass
class HelloReply:
    """The framework as configured: versions, thread settings read back, device."""

    versions: dict[str, str] = field(default_factory=dict)
    threads: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    pid: int = 0
    import_s: float = 0.0
    rss_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # other facts the backend reports

    @property
    def intra_op(self) -> int | None:
        return self.threads.get("intra_op")


@dataclass
class Setup:
    """Build the cell, first call, parity; calibrate and warm up when parity passes."""

    OP: ClassVar[str] = "setup"
    key: str
    arrays: str  # path of the group's arrays file (weights, inputs, reference)
    cell: Cell
    artifacts: dict[str, str] = field(default_factory=dict)
    warmup: dict[str, Any] | None = None  # WarmupRule overrides
    train: dict[str, Any] | None = None  # TrainConfig overrides


@dataclass
class SetupReply:
    build_s: float
    first_call_s: float
    parity: Parity
    extras: dict[str, Any] = field(default_factory=dict)
    rss_before: int | None = None
    loops: int | None = None  # absent when parity failed (nothing to time)
    rss_after: int | None = None
    warmup: Warmup | None = None
    quiet_s: float = 0.0  # after the warm-up: how long the process and its children kept busy


@dataclass
class Sample:
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
class Memory:
    OP: ClassVar[str] = "memory"
    key: str
    variant: str = "default"
    seconds: float = 0.2
    min_calls: int = 3


@dataclass
class Release:
    OP: ClassVar[str] = "release"
    key: str


@dataclass
class ReleaseReply:
    rss_bytes: int | None = None


@dataclass
class Deploy:
    """Write a set-up cell's deployable artifact into ``dir`` (for the cold-start pass)."""

    OP: ClassVar[str] = "deploy"
    key: str
    dir: str


@dataclass
class DeployReply:
    """How a fresh process loads it (``worker.artifacts.LOADERS``); loader None: no artifact,
    the cold start rebuilds the model from its weights."""

    loader: str | None = None
    path: str | None = None
    input: str | None = None  # the input, in the runtime's own dtype and layout (.npy)
    tolerance: list[Any] | None = None  # (atol, rtol, why) of a quantised cell


@dataclass
class ModelReference:
    """Load a user's model, run it once; with ``arrays``, write its inputs and outputs there."""

    OP: ClassVar[str] = "model_reference"
    model: dict[str, Any]
    variant: str = "default"
    arrays: str | None = None


@dataclass
class ModelReferenceReply:
    ok: bool
    message: str | None = None  # why the model cannot run (a user error)
    signature: dict[str, Any] | None = None
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelConvert:
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
class Bye:
    OP: ClassVar[str] = "bye"


REQUESTS: dict[str, type] = {cls.OP: cls for cls in (
    Hello, Setup, Sample, Memory, Release, Deploy, ModelReference, ModelConvert, Bye)}
REPLIES: dict[type, type] = {
    Hello: HelloReply, Setup: SetupReply, Sample: SampleReply, Memory: MemoryUse,
    Release: ReleaseReply, Deploy: DeployReply, ModelReference: ModelReferenceReply,
    ModelConvert: ModelConvertReply, Bye: dict,
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
