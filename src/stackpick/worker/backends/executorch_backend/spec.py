"""The parent's view of the ``executorch`` backend: light, no ExecuTorch import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BackendSpec, ModelRuntime, variants

EXECUTORCH = BackendSpec(
    "executorch", "stackpick.worker.backends.executorch_backend.backend:ExecuTorchBackend",
    "pytorch", ("executorch", "torch"), "executorch", tasks=frozenset({"inference"}),
    devices=frozenset({"cpu"}), variants=variants("xnnpack", "portable"),
    default_variant="xnnpack",
    unsupported_reasons={"training": "executorch is an inference runtime"},
    description="ExecuTorch .pte (torch.export, XNNPACK delegate or portable kernels)",
    role="on-device", distributions=("executorch",),
    # the wheel does not declare torch, but executorch.runtime imports it
    runtime_dists=("executorch", "torch"), serves=("pytorch-executorch",),
    models=(ModelRuntime("pytorch", "ExecuTorch (XNNPACK) run", 60, "xnnpack",
                         stacks=("pytorch-executorch",),
                         note="torch.export, lowered to a .pte; host CPU as a proxy for "
                         "mobile"),),
)

SPECS = (EXECUTORCH,)
