"""The parent's view of the ``keras`` backend (a user's .keras model): light, no Keras import.

The only module of this folder the parent imports (an import-linter contract keeps it light).
"""

from __future__ import annotations

from stackpick.registry.spec import (
    BackendSpec,
    ConversionPath,
    ModelLoader,
    ModelRuntime,
    Variant,
)

_MODULE = "stackpick.worker.backends.keras_backend.user_model"


def _on(name: str, title: str, rank: int) -> ModelRuntime:
    """A Keras backend's row: keras3 is ruled out only when the model fails on all three."""
    return ModelRuntime("keras", title, rank, name, any_of=("keras3",))


KERAS = BackendSpec(
    "keras", "stackpick.worker.backends.keras_backend.backend:KerasBackend", "keras",
    ("keras",), "tensorflow", tasks=frozenset({"inference"}),
    variants=(Variant("tensorflow", requires=("tensorflow",), extra="tensorflow"),
              Variant("jax", requires=("jax",), extra="jax"),
              Variant("torch", requires=("torch",), extra="torch")),
    default_variant="tensorflow", devices=frozenset({"cpu"}), reference_workloads=False,
    variant_env="KERAS_BACKEND",
    unsupported_reasons={"training": "keras here runs user .keras models for inference"},
    description="a user's .keras model on Keras 3's TensorFlow, JAX or PyTorch backend",
    colour="tensorflow", start_s=6.0, build_s=3.0, distributions=("keras",),
    serves=("keras3",),
    models=(_on("tensorflow", "Keras on TensorFlow", 10), _on("jax", "Keras on JAX", 20),
            _on("torch", "Keras on PyTorch", 30)),
    loaders=(ModelLoader("keras", "tensorflow", _MODULE, _MODULE,
                         (ConversionPath("keras-savedmodel", "SavedModel export (TF Serving)",
                                         40, ("tensorflow-serving",)),),
                         reference="Keras on TensorFlow, called eagerly"),
             ModelLoader("keras", "torch", _MODULE, _MODULE,
                         (ConversionPath("keras-onnx", "ONNX export (Keras torch backend) run "
                                         "in ONNX Runtime", 50),))),
)

SPECS = (KERAS,)
