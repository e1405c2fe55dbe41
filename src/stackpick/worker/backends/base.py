"""The narrow interface every backend implements. Loaded only inside worker processes.

A backend turns a :class:`Job` (a workload, canonical weights and inputs) into a
:class:`Prepared` cell: a zero-argument ``call`` that runs one inference or one training step
with its result materialised on the host (or the device synchronised), and a ``fetch`` that
returns what parity is checked on (logits for inference, canonical parameters for training).
Conversions from canonical layouts happen in ``prepare``, never inside ``call``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stackpick.workloads import TrainConfig, Workload


class Unsupported(Exception):
    """This backend cannot run this cell (e.g. a device it does not see): not an error."""

    kind = "unsupported"


class Unavailable(Unsupported):
    """What this cell needs is missing on this machine (e.g. no GPU adapter in the browser)."""

    kind = "unavailable"


class ExportFailed(Exception):
    """The model could not be converted for this runtime: stored as ``fail_export`` with the
    converter's first error line and, where known, a plain-language cause."""


@dataclass
class Job:
    """Everything a backend needs to build one cell; arrays are canonical and shared by all."""

    workload: Workload
    task: str  # "inference" | "training"
    batch: int
    weights: dict[str, np.ndarray]
    inputs: np.ndarray
    labels: np.ndarray | None = None
    train: TrainConfig = field(default_factory=TrainConfig)


@dataclass
class ModelJob:
    """A user's model (``--model``): its spec as a dict (see ``usermodel.spec.ModelSpec``), the
    inputs every backend shares, and files earlier steps made (``{"onnx-export": path}``)."""

    model: dict[str, Any]
    inputs: list[np.ndarray]
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass
class Prepared:
    """A built cell. ``call`` is what the clock times; ``fetch`` is what parity compares."""

    call: Callable[[], Any]
    fetch: Callable[[], np.ndarray | dict[str, np.ndarray]]
    extras: dict[str, Any] = field(default_factory=dict)
    close: Callable[[], None] = lambda: None
    # Times itself where the clock is not ours (a browser page); None: the worker's timing.
    timer: Any = None
    # Writes the deployable artifact into a directory and returns how a fresh process loads
    # it (``{"loader": ..., "path": ...}``, see ``backends.artifacts``); None: no artifact, a
    # cold start rebuilds the model from its weights with ``prepare``.
    deploy: Callable[[Any], dict[str, Any]] | None = None
    # (atol, rtol, why) when this cell's output is judged against a looser, stated tolerance
    # (a quantised model); None: the task's float32 tolerance.
    tolerance: tuple[float, float, str] | None = None


class Backend(ABC):
    """One framework family. Constructed in the worker after the thread variables are set."""

    def __init__(self, *, threads: int, device: str = "cpu", variant: str = "default") -> None:
        self.threads = threads
        self.device = device
        self.variant = variant

    @abstractmethod
    def configure(self) -> dict[str, Any]:
        """Import the framework, apply the thread count its own way, check the device.

        Returns ``{"versions": {...}, "threads": {"intra_op": n, ...}, "device": "..."}`` with
        the thread settings *read back* from the framework, so the parent can check fairness.
        Raise :class:`Unsupported` when the requested device is not visible.
        """

    @abstractmethod
    def prepare(self, job: Job) -> Prepared:
        """Build the model for ``job`` (and export / compile setup); do not call it yet."""

    def prepare_model(self, job: ModelJob) -> Prepared:
        """Build a cell for a user's model (inference only); backends that can, override."""
        raise Unsupported(f"{type(self).__name__} does not run user models")

    def device_memory(self) -> dict[str, int] | None:
        """Peak device memory in bytes since the last reset, where a device is used."""
        return None

    def reset_device_memory(self) -> None:  # noqa: B027 - optional hook, no-op on CPU
        """Reset the device's peak-memory counter before a memory pass."""
