"""The parent's view of the ``tfjs`` backend (headless Chromium): light.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BackendSpec, variants

TFJS = BackendSpec(
    "tfjs", "stackpick.worker.backends.tfjs_backend.backend:TfjsBackend", "tensorflow", (),
    "browser", tasks=frozenset({"inference"}), variants=variants("wasm", "cpu", "webgl",
                                                                 "webgpu"),
    default_variant="wasm", devices=frozenset({"cpu"}), role="browser", js_runtime="tfjs",
    unsupported_reasons={"training": "tfjs here serves inference only"},
    description="TensorFlow.js in headless Chromium on the seeded weights",
    serves=("tensorflow-tfjs",),
)

SPECS = (TFJS,)
