"""The parent's view of the ``tensorflow`` backend: light, no TensorFlow import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import BASE_TASKS, TASKS, TRANSFORM_BASELINE, BackendSpec, Variant
from stackpick.workloads.transforms import TRANSFORM_TASKS

TENSORFLOW = BackendSpec(
    "tensorflow", "stackpick.worker.backends.tf_backend.backend:TensorFlowBackend",
    "tensorflow", ("tensorflow", "keras"), "tensorflow",
    description="Keras 3 model on TensorFlow: eager, tf.function graph, XLA (transformation "
    "tasks: graph and XLA, variant loop their naive baseline)",
    tasks=frozenset(TASKS),
    # vectorized_map and batch_jacobian build a graph function (pfor) even when called
    # eagerly, so "eager" would time the graph variant plus dispatch: left out there
    variants=(Variant("eager", tasks=frozenset(BASE_TASKS)),
              Variant("graph", baseline="tensorflow:eager"),
              Variant("xla", baseline="tensorflow:eager", build_s=10.0),
              Variant(TRANSFORM_BASELINE, tasks=frozenset(TRANSFORM_TASKS))),
    default_variant="graph",  # a bare hello: the design's main form is tf.function
    colour="tensorflow", start_s=6.0, build_s=3.0,
    distributions=("tensorflow", "tensorflow-cpu", "keras"),
    runtime_dists=("tensorflow-cpu", "tensorflow", "keras"),
    serves=("tensorflow-serving", "keras3"),
    trains=("tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs", "keras3"),
)

SPECS = (TENSORFLOW,)
