"""A run as the store keeps it: its plan (:class:`PlanRecord`, plain JSON), its notes
(:class:`RunNotes`: one name, in the store, the record and ``results.json``) and both read back
typed in :class:`StoredRun`, with the advice decoded once, when the run is loaded."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from stackpick.protocol.advice import Advice
from stackpick.protocol.cells import Cell


@dataclass
class PlanRecord:
    """The cells of a study and how they are sampled (``rule``: the stop rule's fields,
    ``harness.stopping.StopRule``), stored so that ``--resume`` measures the same study."""

    cells: list[Cell]
    threads: int
    rule: dict[str, Any] = field(default_factory=dict)
    cold_start: bool = False
    left_out: dict[str, str] = field(default_factory=dict)  # label -> why it is not measured

    def to_dict(self) -> dict[str, Any]:
        return {"cells": [c.to_dict() for c in self.cells], "threads": self.threads,
                "rule": self.rule, "cold_start": self.cold_start, "left_out": self.left_out}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlanRecord:
        """A stored plan; stores before schema 4 kept it as JSON text under ``"json"``."""
        if isinstance(data.get("json"), str):
            data = json.loads(data["json"] or "{}")
        cells = [Cell.from_dict(c) for c in data.get("cells") or [] if c]
        return cls(cells, int(data.get("threads") or 0), dict(data.get("rule") or {}),
                   bool(data.get("cold_start", False)), dict(data.get("left_out") or {}))


@dataclass
class RunNotes:
    """What a run knows besides its cells: the machine's load when it started, the user's
    model, the answers and the advice of `stackpick run`, what the study left out."""

    load_warning: str | None = None
    model: dict[str, Any] | None = None  # the user's model: its spec, name and signature
    profile: dict[str, Any] | None = None  # the answers, as given
    profile_source: str | None = None
    advice: Advice | None = None
    left_out: dict[str, str] = field(default_factory=dict)
    other: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: set fields only (the advice as its documented JSON)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "other" and value not in (None, {}):
                out[f.name] = value.to_dict() if isinstance(value, Advice) else value
        return {**out, **self.other}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunNotes:
        """Stored notes of any version; the advice (any schema) decoded here, once."""
        known = {f.name for f in fields(cls)} - {"other"}
        text = {k: v for k, v in data.items() if isinstance(v, str)}
        maps = {k: v for k, v in data.items() if isinstance(v, dict)}
        return cls(
            text.get("load_warning"), maps.get("model"), maps.get("profile"),
            text.get("profile_source"),
            Advice.from_dict(maps["advice"]) if "advice" in maps else None,
            {str(k): str(v) for k, v in maps.get("left_out", {}).items()},
            {k: v for k, v in data.items() if k not in known})


@dataclass
class StoredRun:
    """A run as stored: its plan, the machine's fingerprint, and its notes."""

    id: int
    kind: str
    status: str
    started_at: str
    finished_at: str | None
    command: str | None
    plan: PlanRecord
    fingerprint: dict[str, Any]
    notes: RunNotes = field(default_factory=RunNotes)
