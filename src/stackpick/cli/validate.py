"""Flags checked before anything is stored or started. A bad value is one line naming the flag
and the fix (exit 2), and never leaves a "running" run with no cells behind; an empty list is
an error, never a silent "use the defaults". No framework is imported here.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import psutil

from stackpick.errors import UserError

if TYPE_CHECKING:
    from stackpick.pipeline import BenchOptions
    from stackpick.usermodel.spec import ModelSpec

MAX_MEMORY_LIMIT_MB = 2**40  # RLIMIT_AS holds bytes in 63 bits
# The share of the machine's memory a batch's float32 inputs may take: its float64 reference
# (activations included) takes several times more in the parent.
INPUT_SHARE = 1 / 16


def not_empty(value: str | None, flag: str, example: str) -> None:
    """``--flag ""`` (or only commas) is a mistake, not a request for the defaults."""
    if value is not None and not value.replace(",", "").strip():
        raise UserError(f"{flag} is empty; give e.g. {flag} {example}, or leave the flag out "
                        "for the defaults")


def not_empty_items(values: list[str] | None, flag: str, example: str) -> None:
    """A repeatable flag given an empty value (``--target ""``)."""
    for value in values or []:
        not_empty(value, flag, example)


def positive(value: float | None, flag: str, unit: str) -> None:
    if value is not None and (not math.isfinite(value) or value <= 0):
        raise UserError(f"{flag} {value} must be a positive number of {unit}")


def run_id(value: int | None, flag: str) -> None:
    """Run ids are positive SQLite integers (below 2^63)."""
    if value is not None and not 1 <= value < 2**63:
        raise UserError(f"{flag} {value} is not a run id; see the ids with: stackpick history")


def threshold(value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise UserError(f"--threshold {value} must be a number >= 0 (e.g. 0.02 for 2%)")


def batches(values: list[int] | None, flag: str, workloads: list[str]) -> None:
    """Refuse batches whose inputs alone would take a large share of the machine's memory (the
    parent builds them and their float64 reference before any worker starts; a worker's limit
    does not cover it). A batch that passes and still does not fit ends its group's cells as
    ``oom`` (harness/runner.py)."""
    from stackpick.workloads import get_workload

    budget = psutil.virtual_memory().total * INPUT_SHARE
    for name in workloads:
        per_example = 4 * math.prod(get_workload(name).input_shape(1))  # float32
        largest = max(1, int(budget // per_example))
        for batch in values or []:
            if batch > largest:
                raise UserError(
                    f"{flag} {batch}: a {name} batch that large needs "
                    f"{batch * per_example / 2**30:,.1f} GiB for its inputs alone, and several "
                    f"times that for its float64 reference; use at most {largest:,} here")


def output_file(target: str | None, flag: str, force: bool) -> None:
    """An output file is checked before the work that fills it (a study can take minutes)."""
    from pathlib import Path

    from stackpick.files import check_target

    if target is not None and target != "-":
        not_empty(target, flag, "results.json")
        check_target(Path(target), flag, force)


def bench_strings(**flags: str | list[str] | None) -> None:
    """The `bench` and `run` flags as typed: an empty one is a mistake (``--batch ""`` used to
    mean the defaults)."""
    examples = {"workload": "mlp", "backends": "torch,onnxruntime", "task": "inference",
                "batch": "1,32", "train_batch": "32", "input_dtype": "float32",
                "weights": "weights.pt", "nodes": "cpu-x86", "json": "results.json",
                "input_shape": "1,3,224,224", "model": "model.onnx"}
    for name, value in flags.items():
        for item in value if isinstance(value, list) else [value]:
            not_empty(item, f"--{name.replace('_', '-')}", examples[name])


def model_spec(model: str | None, input_shape: list[str] | None, input_dtype: str | None,
               weights: str | None) -> ModelSpec | None:
    """``--model`` and its companion flags, checked (None without ``--model``)."""
    from stackpick.usermodel.spec import parse_model

    bench_strings(model=model, input_dtype=input_dtype, weights=weights,
                  input_shape=input_shape)
    if not model and (input_shape or input_dtype or weights):
        raise UserError("--input-shape, --input-dtype and --weights need --model")
    return parse_model(model, input_shape, input_dtype, weights) if model else None


def bench_flags(opts: BenchOptions, resume: int | None, json_out: str | None,
                force: bool) -> None:
    """Every `bench` value the plan does not check, before the run is stored."""
    run_id(resume, "--resume")
    output_file(json_out, "--json", force)
    positive(opts.timeout, "--timeout", "seconds per request")
    positive(opts.max_time, "--max-time", "seconds per cell")
    if not 0 <= opts.memory_limit_mb <= MAX_MEMORY_LIMIT_MB:
        raise UserError(f"--memory-limit {opts.memory_limit_mb} must be between 0 (none) and "
                        f"{MAX_MEMORY_LIMIT_MB} MB")
    if opts.model is None:
        batches(opts.batches, "--batch", opts.workloads)
        batches(opts.train_batches, "--train-batch", opts.workloads)
