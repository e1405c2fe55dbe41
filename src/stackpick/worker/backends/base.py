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
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from stackpick.protocol.cold_start import Artifact
from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured, WarmupRule
from stackpick.usermodel.spec import ModelSpec
from stackpick.worker.timing import WarmupResult
from stackpick.workloads import TrainConfig, Workload

Outputs = np.ndarray | dict[str, np.ndarray]  # what parity compares


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


class Timer(Protocol):
    """A cell that times itself with a clock that is not ours (a browser page's): the worker's
    timing rules (worker/timing.py), run there."""

    def calibrate_loops(self) -> int: ...
    def warm_up(self, loops: int, rule: WarmupRule) -> WarmupResult: ...
    def take_samples(self, loops: int, budget_s: float, max_samples: int) -> list[float]: ...


@dataclass
class ConvertContext:
    """What a user model's conversion needs: the loaded model, the shared inputs and reference
    output, a directory for artifacts, and the worker's configured backend (threads, session
    options)."""

    spec: ModelSpec
    loaded: Any
    inputs: list[np.ndarray]
    reference: Outputs
    workdir: Path
    backend: Backend


@dataclass
class Prepared:
    """A built cell. ``call`` is what the clock times; ``fetch`` is what parity compares."""

    call: Callable[[], Any]
    fetch: Callable[[], Outputs]
    extras: Extras = field(default_factory=Extras)
    close: Callable[[], None] = lambda: None
    # Times itself where the clock is not ours (a browser page); None: the worker's timing.
    timer: Timer | None = None
    # Writes the deployable artifact into a directory and says how a fresh process loads it
    # (``worker.artifacts.write_artifact``); None: no artifact, a cold start rebuilds the
    # model from its weights with ``prepare``.
    deploy: Callable[[str], Artifact] | None = None
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
    def configure(self) -> Configured:
        """Import the framework, apply the thread count its own way, check the device.

        Returns the versions, the thread settings *read back* from the framework
        (``{"intra_op": n, ...}``, so the parent can check fairness) and the device.
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
