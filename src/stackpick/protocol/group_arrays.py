"""The arrays one group of cells shares: weights, inputs, labels and the float64 reference.

The parent writes them once per group and every worker loads the same file, so "same weights,
same inputs" holds by construction, not by re-seeding in each framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stackpick.workloads import TrainConfig, Workload
from stackpick.workloads.training import reference_train
from stackpick.workloads.transforms import TRANSFORM_TASKS
from stackpick.workloads.transforms import reference as transform_reference


@dataclass
class GroupArrays:
    """``inputs`` is one array for the reference workloads, a list for a user's model (one per
    input of its forward); ``reference`` is one array, or named arrays (parameters after
    training, or the several outputs of a user's model)."""

    weights: dict[str, np.ndarray]
    inputs: np.ndarray | list[np.ndarray]
    labels: np.ndarray
    reference: np.ndarray | dict[str, np.ndarray]


def build_group_arrays(workload: Workload, task: str, batch: int,
                    train: TrainConfig | None = None) -> GroupArrays:
    weights = workload.init_weights()
    inputs = workload.make_inputs(batch)
    labels = workload.make_labels(batch)
    if task == "inference":
        reference: np.ndarray | dict[str, np.ndarray] = workload.forward(weights, inputs)
    elif task in TRANSFORM_TASKS:
        reference = transform_reference(workload, task, weights, inputs, labels)
    else:
        reference = reference_train(workload, weights, inputs, labels, train or TrainConfig())
    return GroupArrays(weights, inputs, labels, reference)


def save_group_arrays(m: GroupArrays, path: Path) -> None:
    arrays = {f"w/{k}": v for k, v in m.weights.items()}
    if isinstance(m.inputs, list):
        arrays.update({f"in/{i}": v for i, v in enumerate(m.inputs)})
    else:
        arrays["inputs"] = m.inputs
    arrays["labels"] = m.labels
    if isinstance(m.reference, dict):
        arrays.update({f"ref/{k}": v for k, v in m.reference.items()})
    else:
        arrays["ref"] = m.reference
    np.savez(path, allow_pickle=False, **arrays)


def load_group_arrays(path: Path | str) -> GroupArrays:
    with np.load(path) as data:
        weights = {k[2:]: data[k] for k in data.files if k.startswith("w/")}
        ref_params = {k[4:]: data[k] for k in data.files if k.startswith("ref/")}
        reference = data["ref"] if "ref" in data.files else ref_params
        listed = sorted((k for k in data.files if k.startswith("in/")), key=lambda k: int(k[3:]))
        inputs = [data[k] for k in listed] if listed else data["inputs"]
        return GroupArrays(weights, inputs, data["labels"], reference)
