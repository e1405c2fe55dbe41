"""Conversion results of a user's model (``--model``): one record per path out of it
(``torch.export``, ``onnx-export``, ``keras-onnx``, ...), stored in their own table: they are
steps before timing, not cells of the plan."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import msgspec

from stackpick.protocol.cells import Parity
from stackpick.protocol.extras import Extras


@dataclass
class Conversion:
    """What one conversion path did, as the worker reports it."""

    path: str
    status: str  # ok | fail_parity | fail_export | unavailable | crash | timeout | error
    seconds: float | None = None
    artifact: str | None = None  # a file later cells load (not stored: it is temporary)
    artifact_bytes: int | None = None
    parity: Parity | None = None
    extras: Extras = field(default_factory=Extras)
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
        data["extras"] = self.extras.to_dict()
        return {k: v for k, v in data.items() if v not in (None, {})}

    @classmethod
    def from_details(cls, path: str, status: str, reason: str | None,
                     details: dict[str, Any]) -> Conversion:
        """A stored conversion: its columns and its ``details``."""
        data = {**details, "path": path, "status": status, "reason": reason}
        extras = Extras.from_dict(data.pop("extras", None))
        conversion = msgspec.convert(data, cls, strict=False)
        conversion.extras = extras
        return conversion


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


@dataclass
class TensorInfo:
    shape: list[int]
    dtype: str


@dataclass
class ModelAbout:
    """What a loader says of a user's model: its class, parameter count, other facts (the
    framework's version, an ONNX file's opset and producer)."""

    class_name: str = ""
    parameters: int | None = None
    other: dict[str, Any] = field(default_factory=dict)


@dataclass
class Signature:
    """A user's model as it ran once: inputs and outputs, the batch (first dimension of the
    first input), what the loader says of it and the reference run's time."""

    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    batch: int
    about: ModelAbout = field(default_factory=ModelAbout)
    reference_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored shape: ``class``, ``parameters`` and the other facts at the top."""
        about = self.about
        count = {} if about.parameters is None else {"parameters": about.parameters}
        return {"inputs": [asdict(t) for t in self.inputs],
                "outputs": [asdict(t) for t in self.outputs], "batch": self.batch,
                "class": about.class_name, **count, **about.other,
                "reference_s": self.reference_s}
