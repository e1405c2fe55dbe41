"""The parent's view of the ``onnxruntime-web`` backend (headless Chromium): light.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BackendSpec, variants

ONNXRUNTIME_WEB = BackendSpec(
    "onnxruntime-web", "stackpick.worker.backends.ort_web_backend.backend:OrtWebBackend",
    "onnx", ("torch", "onnx", "onnxscript", "onnxruntime"), "onnx",
    tasks=frozenset({"inference"}), variants=variants("wasm", "webgpu"),
    default_variant="wasm", devices=frozenset({"cpu"}), role="browser", js_runtime="ort",
    unsupported_reasons={"training": "onnxruntime-web here serves inference only"},
    description="ONNX Runtime Web in headless Chromium on the dynamo ONNX export",
    colour="onnx", serves=("pytorch-onnxruntime",),
)

SPECS = (ONNXRUNTIME_WEB,)
