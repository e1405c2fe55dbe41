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


def batches(text: str | None, flag: str, workloads: str) -> None:
    """Refuse batches whose inputs alone would take a large share of the machine's memory (the
    parent builds them and their float64 reference before any worker starts; a worker's limit
    does not cover it). A batch that passes and still does not fit ends its group's cells as
    ``oom`` (harness/runner.py)."""
    from stackpick.pipeline import parse_int_list
    from stackpick.workloads import get_workload, parse_workloads

    if not text:
        return
    budget = psutil.virtual_memory().total * INPUT_SHARE
    for name in parse_workloads(workloads):
        per_example = 4 * math.prod(get_workload(name).input_shape(1))  # float32
        largest = max(1, int(budget // per_example))
        for batch in parse_int_list(text, flag):
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


def bench_flags(opts: BenchOptions, workload_given: bool = True) -> None:
    """Every `bench` flag that the plan does not check, before the run is stored."""
    not_empty(opts.backends, "--backends", "torch,onnxruntime")
    not_empty(opts.batch, "--batch", "1,32")
    not_empty(opts.train_batch, "--train-batch", "32")
    not_empty(opts.task, "--task", "inference")
    if workload_given:
        not_empty(opts.workload, "--workload", "mlp")
    not_empty(opts.input_dtype, "--input-dtype", "float32")
    not_empty(opts.weights, "--weights", "weights.pt")
    not_empty_items(opts.input_shape, "--input-shape", "1,3,224,224")
    positive(opts.timeout, "--timeout", "seconds per request")
    positive(opts.max_time, "--max-time", "seconds per cell")
    if not 0 <= opts.memory_limit_mb <= MAX_MEMORY_LIMIT_MB:
        raise UserError(f"--memory-limit {opts.memory_limit_mb} must be between 0 (none) and "
                        f"{MAX_MEMORY_LIMIT_MB} MB")
    if not opts.model:
        batches(opts.batch, "--batch", opts.workload)
        batches(opts.train_batch, "--train-batch", opts.workload)
