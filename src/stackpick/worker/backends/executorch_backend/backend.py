"""``executorch``: the PyTorch model through ExecuTorch, PyTorch's on-device runtime.

``torch.export`` -> ``to_edge_transform_and_lower`` (with the XNNPACK partitioner, or none) ->
``.pte`` program, run from Python with ``executorch.runtime``. Variants:

- ``xnnpack``: the operators XNNPACK supports are delegated to it (the mobile CPU path);
- ``portable``: no delegate, ExecuTorch's own kernels (what runs where no delegate exists).

The share of operators delegated is in ``extras.delegation``. The XNNPACK threadpool is set to
the worker's thread count and read back from ExecuTorch. A conversion that raises is
:class:`ExportFailed` with the first error line. Inference only.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from stackpick.protocol.cold_start import Artifact
from stackpick.protocol.extras import Delegation, Extras
from stackpick.protocol.messages import Configured
from stackpick.worker import artifacts
from stackpick.worker.backends.base import (
    Backend,
    ExportFailed,
    Job,
    ModelJob,
    Prepared,
    Unsupported,
)
from stackpick.worker.backends.executorch_backend.runner import PteRunner

RUNNER = "stackpick.worker.backends.executorch_backend.runner"


def lower(model: Any, args: tuple[Any, ...], delegate: bool) -> tuple[bytes, Delegation]:
    """Export ``model`` at the shapes of ``args`` and lower it; the ``.pte`` bytes and the
    operator counts (how many went to XNNPACK)."""
    import torch
    from executorch.devtools.backend_debug import get_delegation_info
    from executorch.exir import to_edge_transform_and_lower

    exported = torch.export.export(model, args, strict=False)
    partitioner = []
    if delegate:
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import (
            XnnpackPartitioner,
        )

        partitioner = [XnnpackPartitioner()]
    edge = to_edge_transform_and_lower(exported, partitioner=partitioner)
    info = get_delegation_info(edge.exported_program().graph_module)
    delegated, other = info.num_delegated_nodes, info.num_non_delegated_nodes
    delegation = Delegation("XNNPACK" if delegate else None, delegated, other,
                            delegated / (delegated + other) if delegated + other else 0.0,
                            info.num_delegated_subgraphs)
    return edge.to_executorch().buffer, delegation


class ExecuTorchBackend(Backend):
    """An ExecuTorch program built from the reference PyTorch model."""

    def configure(self) -> Configured:
        if self.device != "cpu":
            raise Unsupported("executorch here runs on the CPU (XNNPACK or portable kernels)")
        import executorch
        import torch
        from executorch.extension.pybindings import portable_lib

        from stackpick.worker.backends.torch_backend.eager import set_torch_threads

        torch_threads = set_torch_threads(self.threads)  # torch only exports, but fairly
        portable_lib._unsafe_reset_threadpool(self.threads)  # the only setter
        pool = int(portable_lib._threadpool_get_thread_count())
        version = getattr(executorch, "__version__", None) or _dist_version("executorch")
        kernels = "XNNPACK delegate" if self.variant == "xnnpack" else "portable kernels"
        return Configured({"executorch": version, "torch": torch.__version__},
                          {"intra_op": pool, "source": "ExecuTorch threadpool, read back",
                           "torch_intra_op": torch_threads["intra_op"]}, f"cpu ({kernels})")

    def prepare(self, job: Job) -> Prepared:
        if job.task != "inference":
            raise Unsupported("executorch runs inference only")
        from stackpick.worker.backends.torch_backend import models as torch_models

        model = torch_models.build_model(job.workload, job.weights)
        example = torch_models.input_tensor(job.workload, job.inputs)
        flat, extras, runner = self._build(model, (example,))
        feed = runner.tensor(example.numpy())

        def call() -> np.ndarray:
            return runner.run(feed)  # outputs are copied out of the arena on every call

        def deploy(directory: str) -> Artifact:
            return artifacts.write_artifact(directory, f"{job.workload.name}-{self.variant}"
                                            ".pte", flat, "pte", RUNNER, example.numpy())

        return Prepared(call=call, fetch=call, extras=extras, deploy=deploy)

    def _build(self, model: Any, args: tuple[Any, ...], with_cause: bool = True
               ) -> tuple[bytes, Extras, PteRunner]:
        t0 = time.perf_counter()
        try:
            flat, delegation = lower(model, args, self.variant == "xnnpack")
        except Exception as exc:  # the exporter's own error: data for the cell
            raise ExportFailed(artifacts.failure_line(exc, with_cause)) from exc
        extras = Extras(export_s=time.perf_counter() - t0, artifact_bytes=len(flat),
                        artifact="pte", delegation=delegation)
        t0 = time.perf_counter()
        runner = PteRunner(flat, self.threads)
        extras.load_s = time.perf_counter() - t0
        return flat, extras, runner

    def prepare_model(self, job: ModelJob) -> Prepared:
        """A user's PyTorch module, exported and lowered like the reference workloads; every
        output is compared with the reference (eager PyTorch)."""
        from stackpick.usermodel.spec import ModelSpec
        from stackpick.worker.backends.torch_backend import user_model as user_torch

        loaded = user_torch.load(ModelSpec.from_dict(job.model), state=job.artifacts.get("state"))
        args = user_torch.tensors(job.inputs)
        _, extras, runner = self._build(loaded.module, args, with_cause=False)
        feed = list(args)

        def call() -> Any:
            return runner.run_all(feed)

        return Prepared(call=call, fetch=call, extras=extras)


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)
