"""The parent's view of the PyTorch backends (``torch``, ``torch-compile``): light, no torch.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import (
    TASKS,
    TRANSFORM_BASELINE,
    BackendSpec,
    ConversionPath,
    Knob,
    ModelLoader,
    ModelRuntime,
    Variant,
)
from stackpick.workloads.transforms import TRANSFORM_TASKS

_HERE = "stackpick.worker.backends.torch_backend."
TRAINS = ("pytorch", "pytorch-onnxruntime", "pytorch-executorch")

TORCH = BackendSpec(
    "torch", _HERE + "eager:TorchEagerBackend", "pytorch", ("torch",), "torch",
    description="PyTorch eager (inference_mode / autograd); torch.func for the "
    "transformation tasks, variant loop their naive baseline",
    tasks=frozenset(TASKS),
    variants=(Variant("default"), Variant(TRANSFORM_BASELINE, tasks=frozenset(TRANSFORM_TASKS))),
    colour="pytorch", start_s=2.5, build_s=1.0, distributions=("torch",),
    runtime_dists=("torch",), serves=("pytorch",), trains=TRAINS,
    models=(ModelRuntime("pytorch", "eager PyTorch (reference)", 10),),
    loaders=(ModelLoader(
        "pytorch", "default", _HERE + "user_model", _HERE + "user_routes",
        (ConversionPath("dynamo-explain"),
         ConversionPath("torch.export", "torch.export", 30, ("pytorch-executorch",)),
         ConversionPath("onnx-export", "ONNX export (dynamo exporter)", 40,
                        ("pytorch-onnxruntime",),
                        "its output is checked in the ONNX Runtime row")),
        reference="eager PyTorch (the model as written, under inference_mode)"),),
)

TORCH_COMPILE = BackendSpec(
    "torch-compile", _HERE + "compiled:TorchCompileBackend", "pytorch", ("torch",), "torch",
    description="PyTorch with torch.compile (inductor)",
    unsupported_reasons={t: "torch.func transformations are measured on the torch backend "
                         "(eager), not under torch.compile" for t in TRANSFORM_TASKS},
    variants=(Variant("default", baseline="torch"),),
    colour="compiled", start_s=2.5, build_s=25.0, distributions=("torch",),
    runtime_dists=("torch",), serves=("pytorch",), trains=TRAINS,
    models=(ModelRuntime("pytorch", "torch.compile (inductor)", 20,
                         conversion="dynamo-explain"),),
    tuning=(Knob("mode", ("default", "reduce-overhead", "max-autotune",
                          "max-autotune-no-cudagraphs"), "default",
                 "https://docs.pytorch.org/docs/stable/generated/torch.compile.html"),),
)

SPECS = (TORCH, TORCH_COMPILE)
