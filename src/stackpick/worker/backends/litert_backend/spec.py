"""The parent's view of the ``litert`` backend: light, no LiteRT or converter import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BackendSpec, ModelRuntime, variants

PROXY = "host CPU as a proxy for mobile"

LITERT = BackendSpec(
    "litert", "stackpick.worker.backends.litert_backend.backend:LiteRtBackend", "tensorflow",
    ("ai_edge_litert", "tensorflow", "keras", "litert_torch", "torch"), "litert",
    tasks=frozenset({"inference"}), devices=frozenset({"cpu"}),
    variants=variants("from-keras", "from-torch", "from-keras-int8"),
    default_variant="from-keras",
    unsupported_reasons={"training": "litert is an inference runtime"},
    description="LiteRT (TFLite) interpreter with XNNPACK on the model converted from Keras "
    "(TF converter, fp32 or int8 dynamic range) or from PyTorch (litert-torch)",
    role="on-device", distributions=("ai-edge-litert", "litert-torch"),
    runtime_dists=("ai-edge-litert",), serves=("tensorflow-litert", "jax-litert"),
    models=(ModelRuntime("pytorch", "LiteRT via litert-torch run", 70, "from-torch",
                         note=f"a .tflite from the PyTorch model; {PROXY}"),
            ModelRuntime("keras", "LiteRT (TF converter) run", 60, "from-keras",
                         stacks=("tensorflow-litert",), note=PROXY)),
)

SPECS = (LITERT,)
