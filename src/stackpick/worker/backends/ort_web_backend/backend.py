"""``onnxruntime-web``: ONNX Runtime Web in headless Chromium on the dynamo ONNX export.

The model is the same file the ``onnxruntime`` backend serves (exported from the PyTorch
build, opset 18, the cell's static shape). Variants are execution providers: ``wasm`` (SIMD,
threads through ``env.wasm.numThreads``, read back after the session starts) and ``webgpu``
(unavailable where Chromium exposes no GPU adapter).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

from stackpick.worker.backends.base import Job, Prepared
from stackpick.worker.backends.browser.cell import BrowserBackend
from stackpick.worker.backends.browser.page import PageConfig
from stackpick.worker.backends.ort_backend.backend import export_onnx
from stackpick.worker.backends.torch_backend import models as torch_models
from stackpick.worker.backends.torch_backend.eager import set_torch_threads


def identity_model(path: Path) -> None:
    """A one-node ONNX model: enough for the page to start ORT's wasm and read threads back."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "probe", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=8)
    onnx.save(model, path)


class OrtWebBackend(BrowserBackend):
    runtime = "ort"
    package = "onnxruntime-web"
    gpu_variants = frozenset({"webgpu"})

    def mounts(self, node_modules: Path) -> dict[str, Path]:
        return {"ort": node_modules / "onnxruntime-web" / "dist"}

    def versions(self) -> dict[str, str]:
        return {"torch": torch.__version__, "onnx": onnx.__version__}

    def probe_cfg(self) -> PageConfig:
        path = self.page.model_dir() / "probe.onnx"
        if not path.exists():
            identity_model(path)
        return {**super().probe_cfg(), "model": "model/probe.onnx"}

    def write_model(self, job: Job, folder: Path) -> PageConfig:
        set_torch_threads(self.threads)  # torch only exports, but fairly
        model = torch_models.build_model(job.workload, job.weights)
        example = torch_models.input_tensor(job.workload, job.inputs)
        path = folder / f"{job.workload.name}.onnx"
        self.export = export_onnx(model, example, path)
        (folder / "input.bin").write_bytes(np.ascontiguousarray(example.numpy()).tobytes())
        dtype = "int64" if example.dtype == torch.int64 else "float32"
        return {"model": f"model/{path.name}", "input": "model/input.bin",
                "input_shape": list(example.shape), "input_dtype": dtype}

    def prepare(self, job: Job) -> Prepared:
        prepared = super().prepare(job)
        prepared.extras.update(self.export)
        return prepared
