"""Worker process: one backend, line-delimited JSON requests on stdin, answers on a private fd.

Run as ``python -m stackpick.worker --backend NAME --threads N --device cpu``. The
parent sets the thread variables in the environment before this process imports anything.
File descriptor 1 is redirected to stderr so a framework's prints cannot corrupt the protocol.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import traceback
from typing import IO, Any

from stackpick.protocol.group_arrays import GroupArrays, load_group_arrays
from stackpick.registry import all_specs, load_backend_class
from stackpick.worker import memory, parity, timing
from stackpick.worker.backends.base import Backend, Job, ModelJob, Prepared, Unsupported
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
        self.cells: dict[str, CellState] = {}
        self.model_ops = ModelOps()

    def backend(self, variant: str) -> Backend:
        if variant not in self.backends:
            cls = load_backend_class(self.spec)
            backend = cls(threads=self.threads, device=self.device, variant=variant)
            backend.info = backend.configure()  # type: ignore[attr-defined]
            self.backends[variant] = backend
        return self.backends[variant]

    # -- operations -------------------------------------------------------------------------
    def op_hello(self, req: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        info = self.backend(req.get("variant", "default")).info  # type: ignore[attr-defined]
        return {**info, "pid": os.getpid(), "import_s": time.perf_counter() - t0,
                "rss_bytes": memory.current_rss()}

    def op_model_reference(self, req: dict[str, Any]) -> dict[str, Any]:
        """Load a user's model, run it once; write inputs and output as the group's materials."""
        return self.model_ops.reference(req, self.backend(req.get("variant", "default")))

    def op_model_convert(self, req: dict[str, Any]) -> dict[str, Any]:
        """Try a user model's conversion paths (export, ...): one matrix row each."""
        return self.model_ops.convert(req, self.backend(req.get("variant", "default")))

    def _prepare(self, backend: Backend, req: dict[str, Any], m: GroupArrays) -> Prepared:
        cell = req["cell"]
        params = cell.get("workload_params") or {}
        if "model" in params:  # a user's model: its own inputs, artifacts of earlier steps
            inputs = m.inputs if isinstance(m.inputs, list) else [m.inputs]
            return backend.prepare_model(ModelJob(params["model"], inputs,
                                                  req.get("artifacts") or {}))
        workload = get_workload(cell["workload"], params)
        train = TrainConfig(**req.get("train", {}))
        assert not isinstance(m.inputs, list)
        return backend.prepare(Job(workload, cell["task"], cell["batch"], m.weights, m.inputs,
                                   m.labels, train))

    def op_setup(self, req: dict[str, Any]) -> dict[str, Any]:
        cell = req["cell"]
        backend = self.backend(cell["variant"])
        m = load_group_arrays(req["materials"])
        train = TrainConfig(**req.get("train", {}))
        rss_before = memory.current_rss()
        t0 = time.perf_counter()
        prepared = self._prepare(backend, req, m)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        prepared.call()
        first_call_s = time.perf_counter() - t0
        if cell["task"] == "training":
            for _ in range(train.parity_steps - 1):
                prepared.call()
        result = parity.check(cell["task"], prepared.fetch(), m.reference)
        out = {"build_s": build_s, "first_call_s": first_call_s, "parity": result,
               "extras": prepared.extras, "rss_before": rss_before}
        if not result["ok"]:
            prepared.close()
            return out
        rule = timing.WarmupRule(**req.get("warmup", {}))
        if prepared.timer is not None:  # the page's own clock: see backends/browser/timing.py
            loops = prepared.timer.calibrate_loops()
            warm = prepared.timer.warm_up(loops, rule)
        else:
            loops = timing.calibrate_loops(prepared.call)
            warm = timing.warm_up(prepared.call, loops, rule)
        self.cells[req["key"]] = CellState(prepared, loops)
        return {**out, "loops": loops, "rss_after": memory.current_rss(),
                "warmup": {"calls": warm.calls, "seconds": warm.seconds,
                           "converged": warm.converged}}

    def op_sample(self, req: dict[str, Any]) -> dict[str, Any]:
        state = self.cells[req["key"]]
        args = (state.loops, req["budget_s"], req.get("max_samples", 100_000))
        timer = state.prepared.timer
        samples = (timer.take_samples(*args) if timer is not None
                   else timing.take_samples(state.prepared.call, *args))
        return {"samples_ns": samples, "loops": state.loops}

    def op_memory(self, req: dict[str, Any]) -> dict[str, Any]:
        state = self.cells[req["key"]]
        backend = self.backends[req["variant"]]
        backend.reset_device_memory()
        deadline = time.perf_counter() + req.get("seconds", 0.2)
        calls = 0
        with memory.PeakSampler() as sampler:
            while calls < req.get("min_calls", 3) or time.perf_counter() < deadline:
                state.prepared.call()
                calls += 1
        return {"peak_rss_bytes": sampler.peak, "calls": calls,
                "device_memory": backend.device_memory()}

    def op_release(self, req: dict[str, Any]) -> dict[str, Any]:
        state = self.cells.pop(req["key"], None)
        if state is not None:
            state.prepared.close()
        gc.collect()
        return {"rss_bytes": memory.current_rss()}

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = getattr(self, f"op_{req['op']}", None)
        if op is None:
            raise ValueError(f"unknown op {req['op']!r}")
        return op(req)


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
        except Exception as exc:  # a backend failure is data for the parent, not the end
            _answer(out, {"id": req.get("id"), "ok": False, "kind": "error",
                          "error": f"{type(exc).__name__}: {exc}",
                          "trace": traceback.format_exc()[-4000:]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stackpick-worker")
    parser.add_argument("--backend", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-limit-mb", type=int, default=0)
    args = parser.parse_args(argv)
    if args.memory_limit_mb:
        limit = args.memory_limit_mb * 1024 * 1024
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from frameworks go to stderr, not into the protocol
    sys.stdout = sys.stderr
    serve(Worker(args.backend, args.threads, args.device), sys.stdin, protocol)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
