"""``stackpick bench``: measure backends on the reference workloads or a user's model."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from stackpick.cli import validate
from stackpick.cli.options import (
    Db,
    Device,
    EveryNodeOpt,
    ForceJson,
    InputDtypeOpt,
    InputShapeOpt,
    Json,
    ModelOpt,
    NodesOpt,
    RayOpt,
    Threads,
    WeightsOpt,
)
from stackpick.cli.output import console, write_json
from stackpick.errors import UserError

if TYPE_CHECKING:
    from stackpick.pipeline import BenchOptions

BackendsOpt = Annotated[str | None, typer.Option(
    help="Backends, comma-separated: a name (its variants), name:variant (e.g. "
    "tensorflow:xla), all (every server-side one) or on-device (the on-device runtimes); "
    "`stackpick env` lists the backends and variants here (default: torch,onnxruntime; with "
    "--model: every path for that model).")]
TaskOpt = Annotated[str, typer.Option(
    help="inference, training, per_example_grad, hvp, jacobian (comma-separated); the "
    "last three also run each framework's naive baseline (variant loop).")]
ColdStartOpt = Annotated[bool, typer.Option(
    help="Time 5 fresh processes per backend variant, interpreter start to first correct "
    "output (reference workloads).")]


def bench(
    workload: Annotated[str, typer.Option(
        help="mlp, cnn, transformer (comma-separated) or all.")] = "mlp",
    backends: BackendsOpt = None,
    task: TaskOpt = "inference",
    batch: Annotated[str | None, typer.Option(
        help="Inference batch sizes, e.g. 1,32 (default: per workload).")] = None,
    train_batch: Annotated[str | None, typer.Option(
        help="Training (and transformation-task) batch sizes (default: per workload).")
    ] = None,
    threads: Threads = None,
    device: Device = "cpu",
    quick: Annotated[bool, typer.Option(
        help="Fewer, shorter rounds: less precise, faster.")] = False,
    max_time: Annotated[float | None, typer.Option(help="Cap on timing seconds per cell.")] = None,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds a worker may take per request before it is killed.")] = None,
    memory_limit: Annotated[int, typer.Option(
        help="Address-space limit per worker in MB (0: none); exceeding it is status oom.")] = 0,
    resume: Annotated[int | None, typer.Option(help="Finish the missing cells of run ID.")] = None,
    cold_start: ColdStartOpt = True,
    model: ModelOpt = None,
    input_shape: InputShapeOpt = None,
    input_dtype: InputDtypeOpt = None,
    weights: WeightsOpt = None,
    ray: RayOpt = None,
    nodes: NodesOpt = None,
    every_node: EveryNodeOpt = False,
    db: Db = None,
    json_out: Json = None,
    force: ForceJson = False,
) -> None:
    """Measure backends on reference workloads (or your --model): parity first, then
    interleaved timing."""
    from stackpick import pipeline
    from stackpick.analysis.run_view import load_results
    from stackpick.cli import choices
    from stackpick.harness.progress import StudyProgress
    from stackpick.report.jsondoc import results_json
    from stackpick.report.terminal import print_results
    from stackpick.store import open_store

    validate.bench_strings(nodes=nodes, json=json_out)
    opts = bench_options(workload, backends, task, batch, train_batch, model,
                         (input_shape, input_dtype, weights))
    opts.threads, opts.device, opts.quick, opts.max_time = threads, device, quick, max_time
    opts.timeout, opts.memory_limit_mb, opts.cold_start = timeout, memory_limit, cold_start
    opts.cluster = choices.cluster_options(ray, nodes, every_node)
    validate.bench_flags(opts, resume, json_out, force)
    started = time.perf_counter()
    with open_store(db) as store:
        outcome = pipeline.bench(store, opts, resume, StudyProgress)
        results = load_results(store, outcome.run_id)
    out = console()
    print_results(results, out)
    out.print(f"run {outcome.run_id} stored in {store.path}; total wall time "
              f"{time.perf_counter() - started:.1f} s")
    if json_out:
        write_json(json_out, results_json(results), force)


def bench_options(workload: str, backends: str | None, task: str, batch: str | None,
                  train_batch: str | None, model: str | None,
                  model_flags: tuple[list[str] | None, str | None, str | None]
                  ) -> BenchOptions:
    """What the flags name, parsed (one line naming the flag for each bad value)."""
    from stackpick.cli import choices
    from stackpick.pipeline import BenchOptions
    from stackpick.usermodel.spec import parse_model

    input_shape, input_dtype, weights = model_flags
    validate.bench_strings(workload=workload, backends=backends, task=task, batch=batch,
                           train_batch=train_batch, input_dtype=input_dtype, weights=weights,
                           input_shape=input_shape)
    if not model and (input_shape or input_dtype or weights):
        raise UserError("--input-shape, --input-dtype and --weights need --model")
    tasks = choices.parse_tasks(task)
    if model:
        # sizes are refused by the plan: the model's own inputs set the batch
        return BenchOptions(tasks=tasks, backends=choices.model_backends(backends),
                            batches=[1] if batch or train_batch else None,
                            model=parse_model(model, input_shape, input_dtype, weights))
    return BenchOptions(
        choices.parse_workloads(workload),
        choices.parse_backends(backends) if backends is not None else None, tasks,
        choices.parse_int_list(batch, "--batch") if batch else None,
        choices.parse_int_list(train_batch, "--train-batch") if train_batch else None)
