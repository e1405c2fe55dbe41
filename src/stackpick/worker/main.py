"""Worker process: one backend, line-delimited JSON requests on stdin, answers on a private fd.

Run as ``python -m stackpick.worker --backend NAME --threads N --device cpu``. The
parent sets the thread variables in the environment before this process imports anything.
File descriptor 1 is redirected to stderr so a framework's prints cannot corrupt the protocol.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import statistics
import sys
import time
import traceback
from typing import IO, Any, NoReturn

from stackpick.protocol import messages as msg
from stackpick.protocol.cells import MemoryUse, Warmup
from stackpick.protocol.group_arrays import GroupArrays, load_group_arrays
from stackpick.registry import all_specs, load_backend_class
from stackpick.worker import memory, parity, timing
from stackpick.worker.backends.base import (
    Backend,
    ExportFailed,
    Job,
    ModelJob,
    Prepared,
    Unsupported,
)
from stackpick.worker.lifeline import die_with_parent
from stackpick.worker.model_ops import ModelOps
from stackpick.workloads import TrainConfig, get_workload


class CellState:
    def __init__(self, prepared: Prepared, loops: int) -> None:
        self.prepared = prepared
        self.loops = loops


class Worker:
    def __init__(self, backend_name: str, threads: int, device: str) -> None:
        self.spec = all_specs()[backend_name]
        self.threads, self.device = threads, device
        self.backends: dict[str, Backend] = {}
        self.configured: dict[str, msg.Configured] = {}  # what configure() read back
        self.cells: dict[str, CellState] = {}
        self.model_ops = ModelOps(self.spec)

    def backend(self, variant: str) -> Backend:
        """The configured backend of ``variant`` ("default": the spec's default variant; one
        the spec does not declare is an error)."""
        variant = self.spec.resolve_variant(variant)
        if variant not in self.backends:
            cls = load_backend_class(self.spec)
            backend = cls(threads=self.threads, device=self.device, variant=variant)
            self.configured[variant] = backend.configure()
            self.backends[variant] = backend
            # The framework's own objects (hundreds of thousands after a TensorFlow import)
            # live as long as the worker: out of the collector's sight, a release's full
            # collection takes milliseconds instead of ~0.2 s (gc.freeze, Python >= 3.7).
            gc.freeze()
        return self.backends[variant]

    # -- operations: one per request record of stackpick.protocol.messages ------------------
    def op_hello(self, req: msg.Hello) -> msg.HelloReply:
        t0 = time.perf_counter()
        configured = self.configured[self.backend(req.variant).variant]
        return msg.HelloReply.of(configured, os.getpid(), time.perf_counter() - t0,
                                 memory.current_rss())

    def op_model_reference(self, req: msg.ModelReference) -> msg.ModelReferenceReply:
        """Load a user's model, run it once; write inputs and output as the group's arrays."""
        return self.model_ops.reference(req, self.backend(req.variant))

    def op_model_convert(self, req: msg.ModelConvert) -> msg.ModelConvertReply:
        """Try a user model's conversion paths (export, ...): one matrix row each."""
        return self.model_ops.convert(req, self.backend(req.variant))

    def _prepare(self, backend: Backend, req: msg.Setup, m: GroupArrays) -> Prepared:
        cell = req.cell
        params = cell.workload_params
        if "model" in params:  # a user's model: its own inputs, artifacts of earlier steps
            inputs = m.inputs if isinstance(m.inputs, list) else [m.inputs]
            return backend.prepare_model(ModelJob(params["model"], inputs, req.artifacts))
        workload = get_workload(cell.workload, params)
        train = req.train or TrainConfig()
        assert not isinstance(m.inputs, list)
        return backend.prepare(Job(workload, cell.task, cell.batch, m.weights, m.inputs,
                                   m.labels, train))

    def op_setup(self, req: msg.Setup) -> msg.SetupReply:
        cell = req.cell
        backend = self.backend(cell.variant)
        m = load_group_arrays(req.arrays)
        train = req.train or TrainConfig()
        rss_before = memory.current_rss()
        t0 = time.perf_counter()
        prepared = self._prepare(backend, req, m)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        prepared.call()
        first_call_s = time.perf_counter() - t0
        if cell.task == "training":
            for _ in range(train.parity_steps - 1):
                prepared.call()
        result = parity.check_cell(cell.task, prepared.fetch(), m.reference, prepared.tolerance)
        reply = msg.SetupReply(build_s, first_call_s, result, prepared.extras, rss_before)
        if not result.ok:
            prepared.close()
            return reply
        rule = req.warmup or msg.WarmupRule()
        if prepared.timer is not None:  # the page's own clock: see backends/browser/timing.py
            loops = prepared.timer.calibrate_loops()
            warm = prepared.timer.warm_up(loops, rule)
        else:
            loops = timing.calibrate_loops(prepared.call)
            warm = timing.warm_up(prepared.call, loops, rule)
        self.cells[req.key] = CellState(prepared, loops)
        # what the build started in the background (a compile pool's start) ends before
        # any backend's turn: measured in setup, not in someone's samples
        reply.quiet_s = timing.wait_until_quiet(timing.SETUP_QUIET)
        reply.loops = loops
        reply.rss_after = memory.current_rss()
        reply.warmup = Warmup(warm.calls, warm.seconds, warm.converged)
        return reply

    def op_sample(self, req: msg.Sample) -> msg.SampleReply:
        state = self.cells[req.key]
        loops = 1 if req.per_call else state.loops  # the tail pass times single calls
        args = (loops, req.budget_s, req.max_samples)
        timer = state.prepared.timer
        if timer is None and not req.per_call:
            # The turn's first call finds caches the previous backend's turn filled and its
            # own pool's threads asleep: 1.05-1.9x the rest here. With 2-9 samples per round
            # (training steps) that shifts the round's median, so it is run, not recorded.
            timing.time_once(state.prepared.call, loops)
        wait0, start = timing.cpu_wait_s(), time.perf_counter()
        samples = (timer.take_samples(*args) if timer is not None
                   else timing.take_samples(state.prepared.call, *args))
        turn_s, wait1 = time.perf_counter() - start, timing.cpu_wait_s()
        wait = None if wait0 is None or wait1 is None else wait1 - wait0
        clock = None
        if req.per_call:  # what a clock reading around nothing costs, subtracted from each
            clock = 0.0 if timer is not None else statistics.median(
                timing.take_samples(_noop, 1, 0.005, 2000))
        quiet = timing.wait_until_quiet(timing.QuietRule(max_s=req.quiet_s)) if (
            req.quiet_s > 0) else 0.0
        return msg.SampleReply(samples, loops, clock, quiet, wait, turn_s)

    def op_memory(self, req: msg.Memory) -> MemoryUse:
        state = self.cells[req.key]
        backend = self.backend(req.variant)
        backend.reset_device_memory()
        deadline = time.perf_counter() + req.seconds
        calls = 0
        with memory.PeakSampler() as sampler:
            while calls < req.min_calls or time.perf_counter() < deadline:
                state.prepared.call()
                calls += 1
        return MemoryUse(sampler.peak, calls, backend.device_memory())

    def op_deploy(self, req: msg.Deploy) -> msg.DeployReply:
        """Write the cell's deployable artifact into ``dir`` (for the cold-start pass)."""
        prepared = self.cells[req.key].prepared
        return msg.DeployReply(prepared.deploy(req.dir) if prepared.deploy else None)

    def op_release(self, req: msg.Release) -> msg.ReleaseReply:
        state = self.cells.pop(req.key, None)
        if state is not None:
            state.prepared.close()
        gc.collect()
        return msg.ReleaseReply(memory.current_rss())

    def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """Answer one wire message: decode its request record, run the op, encode the reply."""
        request = msg.request_of(message)
        return msg.encode(getattr(self, f"op_{request.OP}")(request))


def _noop() -> None:
    return None


def _answer(out: IO[str], msg: dict[str, Any]) -> None:
    out.write(json.dumps(msg) + "\n")
    out.flush()


def serve(worker: Worker, inp: IO[str], out: IO[str]) -> None:
    for line in inp:
        req = json.loads(line)
        if req["op"] == "bye":
            _answer(out, {"id": req.get("id"), "ok": True, "result": {}})
            return
        try:
            _answer(out, {"id": req.get("id"), "ok": True, "result": worker.handle(req)})
        except MemoryError:
            _answer(out, {"id": req.get("id"), "ok": False, "kind": "oom",
                          "error": "out of memory (MemoryError) within the worker's limit"})
        except Unsupported as exc:
            _answer(out, {"id": req.get("id"), "ok": False, "kind": exc.kind,
                          "error": str(exc)})
        except ExportFailed as exc:
            _answer(out, {"id": req.get("id"), "ok": False, "kind": "fail_export",
                          "error": str(exc), "trace": traceback.format_exc()[-4000:]})
        except Exception as exc:  # a backend failure is data for the parent, not the end
            _answer(out, {"id": req.get("id"), "ok": False, "kind": "error",
                          "error": f"{type(exc).__name__}: {exc}",
                          "trace": traceback.format_exc()[-4000:]})


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="stackpick-worker")
    parser.add_argument("--backend", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-limit-mb", type=int, default=0)
    args = parser.parse_args(argv)
    die_with_parent()  # a hung worker must not outlive a killed parent
    if args.memory_limit_mb:
        limit = args.memory_limit_mb * 1024 * 1024
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from frameworks go to stderr, not into the protocol
    sys.stdout = sys.stderr
    serve(Worker(args.backend, args.threads, args.device), sys.stdin, protocol)
    protocol.flush()
    _exit_fast()


def _exit_fast() -> NoReturn:
    """End without the interpreter's teardown: module teardown and the final collection of a
    framework's objects took about a second per worker here, and a study closes every worker
    at the end of each pass. The exit hooks still run (TensorFlow's autograph removes the
    files it wrote to /tmp there; a browser page closes Chromium)."""
    atexit._run_exitfuncs()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
