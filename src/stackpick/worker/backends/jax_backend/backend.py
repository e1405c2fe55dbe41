"""``jax``: the reference models as ``jax.jit``-compiled pure functions (float32, no x64).

Threads. XLA:CPU (jaxlib 0.10) sizes its intra-op pool, whose threads are named
``tf_XLAEigen``, from the CPU affinity of the process at the moment the CPU client is
created (``tsl::port::MaxParallelism``). No XLA flag sets that size:
``--xla_cpu_multi_thread_eigen=false`` leaves the pool and its parallelism as they are, and
``intra_op_parallelism_threads`` is not an XLA flag at all (bare, XLA ignores it; with ``--``
it aborts on an unknown flag). So ``configure`` restricts every thread of the worker to
``threads`` CPUs, one per physical core where it can, *before* the client exists, and reads
the setting back by counting the pool's threads.

Imported only inside a worker process.
"""

from __future__ import annotations

import contextlib
import os
from importlib.metadata import version
from typing import Any

import jax
import numpy as np

from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured, ThreadReadBack
from stackpick.worker.backends.base import Backend, Job, Prepared, Unsupported
from stackpick.worker.backends.jax_backend import models as jax_models
from stackpick.workloads.transforms import TRANSFORM_TASKS

POOL_THREAD_NAME = "tf_XLAEigen"  # tsl prefixes "tf_" to XLA's "XLAEigen" pool name
MATMUL_PRECISION = "highest"  # fp32 stays fp32 on GPU (no TF32), as in the other backends
COMPILE_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace_s",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower_s",
    "/jax/core/compile/backend_compile_duration": "compile_s",
}


# -- threads -------------------------------------------------------------------------------------
def _core_of(cpu: int) -> tuple[str, str]:
    """(package, core) of a logical CPU; SMT siblings share it."""
    base = f"/sys/devices/system/cpu/cpu{cpu}/topology"
    try:
        with open(f"{base}/physical_package_id") as pkg, open(f"{base}/core_id") as core:
            return pkg.read().strip(), core.read().strip()
    except OSError:  # no topology exposed: treat every CPU as its own core
        return str(cpu), ""


def pick_cpus(n: int) -> list[int]:
    """``n`` of the allowed CPUs, one per physical core before any SMT sibling, because two
    siblings share one core's execution units and would not give two cores' worth."""
    firsts: list[int] = []
    siblings: list[int] = []
    seen: set[tuple[str, str]] = set()
    for cpu in sorted(os.sched_getaffinity(0)):
        core = _core_of(cpu)
        (siblings if core in seen else firsts).append(cpu)
        seen.add(core)
    return sorted((firsts + siblings)[:n])


def pin_process(n: int) -> list[int]:
    """Restrict every existing thread (and so every later one, which inherits) to ``n`` CPUs;
    returns them, or [] where the OS has no affinity call (macOS, Windows)."""
    if not hasattr(os, "sched_setaffinity"):
        return []
    cpus = pick_cpus(n)
    for tid in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(int(tid), cpus)
    return cpus


def count_threads(name: str) -> int:
    """How many threads of this process carry ``name`` (Linux /proc; 0 elsewhere)."""
    count = 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return 0
    for tid in tids:
        with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/comm") as f:
            count += f.read().strip() == name
    return count


# -- compile-time accounting ---------------------------------------------------------------------
class CompileLog:
    """Routes JAX's compile-duration events into the extras of the cell being compiled."""

    def __init__(self) -> None:
        self.target = Extras()
        jax.monitoring.register_event_duration_secs_listener(self._on_event)

    def _on_event(self, event: str, duration: float, **_: Any) -> None:
        key = COMPILE_EVENTS.get(event)
        if key is not None:
            setattr(self.target, key, (getattr(self.target, key) or 0.0) + duration)


# -- the backend ---------------------------------------------------------------------------------
class JaxBackend(Backend):
    def configure(self) -> Configured:
        # must precede the first jax.devices(): the pool is sized when the client is created
        cpus = pin_process(self.threads)
        jax.config.update("jax_default_matmul_precision", MATMUL_PRECISION)
        self.jax_device = self._select_device()
        self.compile_log = CompileLog()
        versions = {"jax": jax.__version__, "jaxlib": version("jaxlib"),
                    "runtime": self.jax_device.client.platform_version}
        return Configured(versions, self._threads_read_back(cpus), self.device,
                          {"device_name": self.jax_device.device_kind,
                           "matmul_precision": MATMUL_PRECISION})

    def _select_device(self) -> jax.Device:
        if self.device == "cpu":
            return jax.devices("cpu")[0]
        if self.device != "cuda":
            raise Unsupported(f"jax backend has no device {self.device!r}")
        try:
            return jax.devices("gpu")[0]
        except RuntimeError as exc:  # no CUDA-enabled jaxlib plugin, or no GPU visible
            raise Unsupported(f"jax sees no GPU: {exc}") from None

    def _threads_read_back(self, cpus: list[int]) -> ThreadReadBack:
        pool = count_threads(POOL_THREAD_NAME)
        if pool:
            how = (f"process pinned with sched_setaffinity to CPUs {cpus} before the XLA:CPU "
                   f"client was created; intra_op = threads named {POOL_THREAD_NAME} counted")
            return {"intra_op": pool, "how": how, "cpus": cpus}
        if cpus:
            how = (f"process pinned with sched_setaffinity to CPUs {cpus}; intra_op = CPUs in "
                   f"the affinity mask ({POOL_THREAD_NAME} pool threads not found to count)")
            return {"intra_op": len(os.sched_getaffinity(0)), "how": how, "cpus": cpus}
        how = "not enforced: no sched_setaffinity on this OS, so XLA:CPU uses every core"
        return {"intra_op": os.cpu_count() or 0, "how": how, "cpus": cpus}

    def _put(self, tree: Any, *, copy: bool = False) -> Any:
        # copy=True for buffers that will be donated: an aliased NumPy array must not be reused
        return jax.device_put(tree, self.jax_device, may_alias=False if copy else None)

    def prepare(self, job: Job) -> Prepared:
        extras = Extras(jit=True, matmul_precision=MATMUL_PRECISION,
                        layout="NHWC" if job.workload.name == "cnn" else "canonical")
        self.compile_log.target = extras  # compilation happens in the first call
        if job.task in TRANSFORM_TASKS:  # vmap / jvp / jacrev against a naive loop
            from stackpick.worker.backends.jax_backend import transforms

            return transforms.prepare(job, self.variant, self._put, extras)
        if job.task == "inference":
            return self._prepare_inference(job, extras)
        return self._prepare_training(job, extras)

    def _prepare_inference(self, job: Job, extras: Extras) -> Prepared:
        forward = jax.jit(jax_models.forward_fn(job.workload))
        params = self._put(jax_models.to_native(job.workload, job.weights))
        x = self._put(jax_models.inputs_to_native(job.workload, job.inputs))
        last: dict[str, jax.Array] = {}

        def call() -> None:
            last["logits"] = forward(params, x).block_until_ready()

        return Prepared(call=call, fetch=lambda: np.asarray(last["logits"]), extras=extras,
                        close=last.clear)

    def _prepare_training(self, job: Job, extras: Extras) -> Prepared:
        wl, train = job.workload, job.train
        if job.labels is None:
            raise ValueError("training needs labels")
        native = jax_models.to_native(wl, job.weights)
        names = wl.trainable()
        state = {
            "params": self._put({k: native[k] for k in names}, copy=True),
            "velocity": self._put({k: np.zeros_like(native[k]) for k in names}, copy=True),
        }
        frozen = self._put({k: v for k, v in native.items() if k not in names})
        x = self._put(jax_models.inputs_to_native(wl, job.inputs))
        y = self._put(job.labels.astype(np.int32))
        # params and velocity are replaced every step: donating lets XLA update them in place
        step = jax.jit(jax_models.train_step_fn(wl, train.learning_rate, train.momentum),
                       donate_argnums=(0, 1))
        extras.donated = ["params", "velocity"]

        def call() -> None:
            state["params"], state["velocity"], loss = step(
                state["params"], state["velocity"], frozen, x, y)
            # every output of one XLA execution becomes ready together, so the loss suffices
            loss.block_until_ready()

        def fetch() -> dict[str, np.ndarray]:
            host = {k: np.asarray(v) for k, v in state["params"].items()}
            return jax_models.to_canonical(wl, host)

        return Prepared(call=call, fetch=fetch, extras=extras, close=state.clear)

    def device_memory(self) -> dict[str, int] | None:
        if self.device == "cpu":
            return None
        stats = self.jax_device.memory_stats() or {}
        return {k: int(stats[k]) for k in ("peak_bytes_in_use", "bytes_in_use") if k in stats}
