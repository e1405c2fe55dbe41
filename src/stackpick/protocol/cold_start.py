"""Cold starts: fresh processes from interpreter start to the first correct output.

:class:`ColdStartRequest` is what the parent writes for one fresh process
(``python -m stackpick.worker.cold_start REQUEST.json RESULT.json``), :class:`ColdStartStamps`
what that process writes back; :class:`~stackpick.protocol.extras.ColdStart` is the summary
stored with every cell of the variant (``metrics.cold_start``).
"""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.protocol.cells import Cell


@dataclass
class Artifact:
    """How a fresh process loads a set-up cell's deployable artifact: ``loader`` names the
    format (tflite, pte, onnx), ``module`` the light runner that loads it (its ``load``)."""

    loader: str
    module: str
    path: str
    input: str  # the input, in the runtime's own dtype and layout (.npy)
    tolerance: tuple[float, float, str] | None = None  # (atol, rtol, why) of a quantised cell


@dataclass
class ColdStartRequest:
    backend: str
    variant: str
    threads: int
    device: str
    materials: str  # the group's arrays file
    cell: Cell
    artifact: Artifact | None = None  # None: rebuild the model from its weights


@dataclass
class ColdStartStamps:
    """Wall-clock stamps of one fresh process (or why it gave no output)."""

    imported: float = 0.0
    loaded: float = 0.0
    called: float = 0.0
    io_s: float = 0.0  # reading weights and inputs, left out of the phases
    parity_ok: bool = False
    loader: str = ""
    error: str | None = None
