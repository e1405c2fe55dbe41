"""What a backend reports about a cell beyond its timings (``metrics.extras``), as declared
fields: one record per backend family where they differ, joined into :class:`Extras`.

Stored flat, as ``docs/results-json.md`` documents it: :meth:`Extras.to_dict` writes the fields
that are set, :meth:`Extras.from_dict` reads any version's record (keys this version does not
declare, e.g. a third-party backend's, are kept in ``other``). A new kind of fact is a field
here (or, for a third-party backend, a key of ``other``), read as an attribute everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import msgspec

from stackpick.protocol import tolerant


@dataclass
class CacheStats:
    """Inductor's on-disk FX-graph cache during the first call."""

    hits: int = 0
    misses: int = 0


@dataclass
class Delegation:
    """How much of an ExecuTorch program a delegate (XNNPACK) took."""

    delegate: str | None = None
    delegated_ops: int = 0
    non_delegated_ops: int = 0
    delegated_share: float = 0.0
    delegated_subgraphs: int = 0


@dataclass
class Footprint:
    """The installed size of a runtime's distributions and their dependencies."""

    bytes: int = 0
    own_bytes: int = 0  # the named distributions alone
    distributions: int = 0
    roots: list[str] = field(default_factory=list)
    largest: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ColdStart:
    """Medians over the fresh processes that gave a correct first output."""

    measured_on: str = ""  # the cell whose artifact or weights they loaded
    runs: int = 0
    what: str = ""  # the artifact format, or "rebuild from weights"
    total_s: float | None = None
    import_s: float | None = None  # interpreter start included
    load_s: float | None = None
    first_call_s: float | None = None
    totals_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error: str | None = None  # the pass could not start (no artifact written)

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: set fields only."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return {k: v for k, v in data.items() if v not in (None, [])}



@dataclass
class ArtifactFacts:
    """A runtime that runs an exported or converted model (ONNX, .tflite, .pte)."""

    artifact: str | None = None  # its format: tflite, pte
    artifact_bytes: int | None = None
    export_s: float | None = None
    load_s: float | None = None
    session_s: float | None = None
    opset: int | None = None
    exporter: str | None = None
    providers: list[str] | None = None
    quantization: str | None = None
    ir_version: int | None = None
    producer: str | None = None


@dataclass
class CompileFacts:
    """How a framework built the cell: graphs, compile times, layouts, the call it times."""

    compile_note: str | None = None
    graphs: int | None = None
    graph_breaks: int | None = None
    ops: int | None = None
    reasons: list[str] | None = None  # why dynamo broke the graph
    note: str | None = None
    fx_graph_cache: CacheStats | None = None
    jit: bool | None = None
    matmul_precision: str | None = None
    layout: str | None = None
    trace_s: float | None = None
    lower_s: float | None = None
    compile_s: float | None = None
    donated: list[str] | None = None
    variant: str | None = None
    input_layout: str | None = None
    call: str | None = None
    keras_backend: str | None = None


@dataclass
class DelegationFacts:
    """An on-device runtime's delegate (XNNPACK) and threads."""

    delegation: Delegation | None = None  # ExecuTorch
    delegate: str | None = None  # LiteRT
    delegate_partitions: int | None = None
    model_ops: int | None = None
    op_types: list[str] | None = None
    threads_observed: int | None = None


@dataclass
class BrowserFacts:
    """A runtime in headless Chromium: what the page loads and how long it takes."""

    runtime_bundle_bytes: int | None = None
    runtime_files: dict[str, int] | None = None
    model_bytes: int | None = None
    page_init_ms: float | None = None
    page_load_to_first_output_ms: float | None = None
    browser_rss_bytes: int | None = None
    cross_origin_isolated: bool | None = None
    browser_cores: int | None = None
    min_sample_ns: int | None = None
    timer: str | None = None


@dataclass
class TransformFacts:
    """A function-transformation task: the API timed and whether it was native."""

    api: str | None = None
    capability: str | None = None  # native | workaround | baseline
    workaround: str | None = None


@dataclass
class HarnessFacts:
    """Added by the parent: the install footprint and each process's first call."""

    install_bytes: int | None = None
    install: Footprint | None = None
    first_call_s_by_process: list[float] | None = None


@dataclass
class Extras(HarnessFacts, TransformFacts, BrowserFacts, DelegationFacts, CompileFacts,
             ArtifactFacts):
    """Every declared extra (see the family records), and ``other`` for undeclared keys."""

    other: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: set fields only, nested records as objects, ``other`` merged."""
        out: dict[str, Any] = {f.name: msgspec.to_builtins(getattr(self, f.name))
                               for f in fields(self) if f.name != "other"
                               and getattr(self, f.name) is not None}
        return {**out, **self.other}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Extras:
        """A stored record of any version (undeclared keys go to ``other``)."""
        data = data or {}
        declared = {f.name for f in fields(cls)} - {"other"}
        extras, odd = tolerant.convert({k: v for k, v in data.items() if k in declared}, cls)
        extras.other = {**{k: v for k, v in data.items() if k not in declared}, **odd}
        return extras

    def update(self, other: Extras) -> None:
        """Take every field ``other`` sets (a later step's facts over an earlier one's)."""
        for f in fields(other):
            value = getattr(other, f.name)
            if f.name == "other":
                self.other.update(value)
            elif value is not None:
                setattr(self, f.name, value)
