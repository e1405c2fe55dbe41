"""``onnxruntime``: the PyTorch build exported with the dynamo exporter, served by ONNX Runtime.

Inference only. The export (opset 18, static input shape of the cell) happens in ``prepare``
and is recorded in extras; torch is used for nothing else. ORT's threads come from the
SessionOptions set here; ORT offers no read-back of its live pool, so the values reported are
those of the options the session was created with.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import onnxscript
import torch

from stackpick.protocol.cold_start import Artifact
from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured
from stackpick.protocol.scratch import scratch_root
from stackpick.worker import artifacts
from stackpick.worker.backends.base import Backend, Job, ModelJob, Prepared, Unsupported
from stackpick.worker.backends.torch_backend import models as torch_models
from stackpick.worker.backends.torch_backend.eager import set_torch_threads

OPSET = 18
RUNNER = "stackpick.worker.backends.ort_backend.runner"


def session_options(threads: int, level: ort.GraphOptimizationLevel | None = None
                    ) -> ort.SessionOptions:
    """Intra-op ``threads``, one inter-op thread, sequential execution, full graph optimisation
    (or ``level``)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = level or ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def export_onnx(model: torch.nn.Module, example: torch.Tensor, path: Path) -> Extras:
    """Export ``model`` for ``example``'s exact shape; return export time and artifact size."""
    t0 = time.perf_counter()
    torch.onnx.export(model, (example,), str(path), dynamo=True, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"], external_data=False,
                      verbose=False)
    export_s = time.perf_counter() - t0
    return Extras(export_s=export_s, artifact_bytes=path.stat().st_size, opset=OPSET)


class OnnxRuntimeBackend(Backend):
    """ONNX Runtime on the CPU execution provider (CUDA EP where the wheel provides it)."""

    def configure(self) -> Configured:
        self.torch_threads = set_torch_threads(self.threads)  # torch only exports, but fairly
        self.options = session_options(self.threads)
        self.providers = self._providers()
        threads = {"intra_op": self.options.intra_op_num_threads,
                   "inter_op": self.options.inter_op_num_threads,
                   "source": "ORT SessionOptions as set (ORT has no read-back of its pool)",
                   "torch_intra_op": self.torch_threads["intra_op"]}
        versions = {"onnxruntime": ort.__version__, "onnx": onnx.__version__,
                    "onnxscript": onnxscript.__version__, "torch": torch.__version__}
        return Configured(versions, threads, f"{self.device} ({self.providers[0]})")

    def _providers(self) -> list[str]:
        if self.device == "cpu":
            return ["CPUExecutionProvider"]
        if self.device == "cuda":
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise Unsupported("onnxruntime has no CUDAExecutionProvider "
                                  "(install onnxruntime-gpu)")
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        raise Unsupported(f"onnxruntime backend does not know device {self.device!r}")

    def session_options_for(self, level: ort.GraphOptimizationLevel) -> ort.SessionOptions:
        """This worker's thread settings with another optimisation level (a reference run)."""
        return session_options(self.threads, level)

    def prepare_model(self, job: ModelJob) -> Prepared:
        """A user's ONNX file, or the ONNX export of a user's PyTorch model (an artifact of the
        conversion step); every output is compared with the reference."""
        from stackpick.worker.backends.ort_backend import user_model as user_onnx

        onnx_file = job.model["kind"] == "onnx"
        path = job.model["path"] if onnx_file else job.artifacts.get("onnx-export")
        if not path:
            raise Unsupported("no ONNX file: the ONNX export of this model did not run")
        t0 = time.perf_counter()
        session = user_onnx.session(path, self.options, self.providers)
        extras = Extras(session_s=time.perf_counter() - t0, providers=session.get_providers(),
                        artifact_bytes=Path(path).stat().st_size)
        feed = user_onnx.feed(session, list(job.inputs))

        def call() -> list[Any]:
            return session.run(None, feed)  # host arrays: materialised on return

        return Prepared(call=call, fetch=lambda: user_onnx.as_outputs(call()), extras=extras)

    def prepare(self, job: Job) -> Prepared:
        if job.task != "inference":
            raise Unsupported("onnxruntime here serves inference only")
        model = torch_models.build_model(job.workload, job.weights)
        example = torch_models.input_tensor(job.workload, job.inputs)
        with tempfile.TemporaryDirectory(prefix="stackpick-onnx-", dir=scratch_root()) as tmp:
            path = Path(tmp) / f"{job.workload.name}.onnx"
            extras = export_onnx(model, example, path)
            t0 = time.perf_counter()  # graph optimisation happens here, apart from the export
            session = ort.InferenceSession(str(path), self.options, providers=self.providers)
            extras.session_s = time.perf_counter() - t0
            onnx_bytes = path.read_bytes()  # kept for the cold-start pass (deploy)
        extras.providers = session.get_providers()
        feed = {session.get_inputs()[0].name: example.numpy()}  # canonical dtype, contiguous
        outputs = [session.get_outputs()[0].name]

        def call() -> np.ndarray:
            return session.run(outputs, feed)[0]  # a host array: materialised on return

        def deploy(directory: str) -> Artifact:
            return artifacts.write_artifact(directory, f"{job.workload.name}.onnx", onnx_bytes,
                                            "onnx", RUNNER, feed[session.get_inputs()[0].name])

        return Prepared(call=call, fetch=call, extras=extras, deploy=deploy)
