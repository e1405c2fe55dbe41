"""The parent's view of the ``fake`` backend (tests of the machinery only).

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BackendSpec

FAKE = BackendSpec(
    "fake", "stackpick.worker.backends.fake_backend.backend:FakeBackend", "test", (), "test",
    description="scripted latencies and failures, for tests of the machinery only",
    free_variants=True,  # the variant is a script: fake:latency=300+fail=crash
    start_s=0.3, build_s=0.1,
)

SPECS = (FAKE,)
