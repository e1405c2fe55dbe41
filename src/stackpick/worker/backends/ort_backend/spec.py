"""The parent's view of the ``onnxruntime`` backend: light, no ONNX Runtime import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import (
    BackendSpec,
    ConversionPath,
    Knob,
    ModelLoader,
    ModelRuntime,
    Variant,
)

_HERE = "stackpick.worker.backends.ort_backend."
THREADING = "https://onnxruntime.ai/docs/performance/tune-performance/threading.html"

ONNXRUNTIME = BackendSpec(
    "onnxruntime", _HERE + "backend:OnnxRuntimeBackend", "onnx",
    ("torch", "onnx", "onnxscript", "onnxruntime"), "onnx",
    tasks=frozenset({"inference"}),
    unsupported_reasons={"training": "onnxruntime here serves inference only (training needs "
                         "onnxruntime-training, not measured)"},
    description="ONNX Runtime (CPU EP) on the model exported from PyTorch (dynamo)",
    # the export happens in its build: its first result is set against eager PyTorch's
    variants=(Variant("default", baseline="torch"),),
    colour="onnx", start_s=3.0, build_s=4.0,
    distributions=("onnx", "onnxscript", "onnxruntime", "onnxruntime-gpu"),
    runtime_dists=("onnxruntime",), serves=("pytorch-onnxruntime",),
    models=(ModelRuntime("pytorch", "ONNX Runtime run", 50, stacks=("pytorch-onnxruntime",),
                         needs="onnx-export"),
            ModelRuntime("onnx", "ONNX Runtime run", 20, stacks=("pytorch-onnxruntime",))),
    loaders=(ModelLoader(
        "onnx", "default", _HERE + "user_model", _HERE + "user_model",
        (ConversionPath("onnx-check", "ONNX checker", 10,
                        note="the file as given; its output is checked in the ONNX Runtime "
                        "row"),),
        reference="ONNX Runtime with graph optimisations off"),),
    tuning=(Knob("execution_mode", ("sequential", "parallel"), "sequential", THREADING),
            Knob("graph_optimization_level", ("disable", "basic", "extended", "all"), "all",
                 THREADING),
            Knob("session.intra_op.allow_spinning", ("0", "1"), "1", THREADING)),
)

SPECS = (ONNXRUNTIME,)
