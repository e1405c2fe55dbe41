"""``stackpick bench``: measure backends on the reference workloads or a user's model."""

from __future__ import annotations

import time
from typing import Annotated

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

BackendsOpt = Annotated[str | None, typer.Option(
    help="torch, torch-compile, tensorflow[:eager|graph|xla], jax, onnxruntime, "
    "litert[:from-keras|from-torch|from-keras-int8], executorch[:xnnpack|portable], all "
    "(every server-side one), on-device (litert and executorch) (default: "
    "torch,onnxruntime; with --model: every path for that model).")]
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
    from stackpick import fleet, pipeline
    from stackpick.analysis.run_view import load_results, results_json
    from stackpick.harness.progress import StudyProgress
    from stackpick.report.terminal import print_results
    from stackpick.store import open_store

    validate.not_empty(nodes, "--nodes", "cpu-x86")
    opts = pipeline.BenchOptions(workload, backends, task, batch, train_batch, threads, device,
                                 quick, max_time, timeout, memory_limit, model=model,
                                 input_shape=input_shape, input_dtype=input_dtype,
                                 weights=weights, cold_start=cold_start,
                                 cluster=fleet.cluster_options(ray, nodes, every_node))
    validate.bench_flags(opts)
    validate.run_id(resume, "--resume")
    validate.output_file(json_out, "--json", force)
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
