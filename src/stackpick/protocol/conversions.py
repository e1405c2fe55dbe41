"""Conversion results of a user's model (``--model``): one record per path out of it
(``torch.export``, ``onnx-export``, ``keras-onnx``, ...), stored in their own table: they are
steps before timing, not cells of the plan."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from stackpick.protocol.cells import Parity


@dataclass
class Conversion:
    """What one conversion path did, as the worker reports it."""

    path: str
    status: str  # ok | fail_parity | fail_export | unavailable | crash | timeout | error
    seconds: float | None = None
    artifact: str | None = None  # a file later cells load (not stored: it is temporary)
    artifact_bytes: int | None = None
    parity: Parity | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the converter's first error line
    cause: str | None = None  # a known pattern's name, with a plain-language text
    cause_text: str | None = None
    reason: str | None = None

    def details(self) -> dict[str, Any]:
        """The stored details (what the store's ``details_json`` holds): set fields only."""
        data = asdict(self)
        for key in ("path", "status", "artifact", "reason"):
            data.pop(key)
        if self.parity is not None:
            data["parity"] = self.parity.to_dict()
        return {k: v for k, v in data.items() if v not in (None, {})}


@dataclass
class StoredConversion(Conversion):
    """A conversion as the store gives it back: its run and the group of the cells it feeds."""

    id: int = 0
    run_id: int = 0
    group: str = ""  # model/convert/bN/device (the cells it feeds: model/inference/bN/device)
    model: str = ""  # the user model's name (the group's workload)

    @property
    def label(self) -> str:
        return self.path
