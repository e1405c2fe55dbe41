"""The parent's view of the ``jax`` backend: light, no JAX import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import TASKS, TRANSFORM_BASELINE, BackendSpec, Variant
from stackpick.workloads.transforms import TRANSFORM_TASKS

JAX = BackendSpec(
    "jax", "stackpick.worker.backends.jax_backend.backend:JaxBackend", "jax", ("jax",), "jax",
    description="JAX with jit (vmap / grad / jvp / jacrev for the transformation tasks, "
    "variant loop their naive baseline)",
    tasks=frozenset(TASKS),
    # JAX has no eager mode of its own: its compile economics is set against eager PyTorch
    variants=(Variant("default", baseline="torch"),
              Variant(TRANSFORM_BASELINE, tasks=frozenset(TRANSFORM_TASKS))),
    colour="jax", start_s=3.0, build_s=3.0, distributions=("jax", "jaxlib"),
    runtime_dists=("jax", "jaxlib"), serves=("jax",), trains=("jax", "jax-litert"),
)

SPECS = (JAX,)
