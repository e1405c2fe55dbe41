"""The candidate stacks: authoring framework + serving runtime.

Which expertise counts for a stack, which measured backends stand for it and which stack it
shares its training path with are modelling choices, stated here in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stack:
    """One candidate: how a team would author, train and serve a model."""

    id: str
    name: str
    author_skills: tuple[str, ...]  # expertise keys; the best level counts
    runtime_skills: tuple[str, ...]
    infer_backends: tuple[str, ...]  # registry backends measured for this stack's inference
    train_backends: tuple[str, ...]
    base: str | None = None  # the stack that trains the same way (None: this one is a base)
    reach_via: tuple[str, ...] = ()  # stacks whose in-process reach this one inherits
    skill_facts: tuple[str, ...] = ()  # facts that justify the expertise mapping
    model_backends: tuple[str, ...] = ()  # backends that measure it for a user's model only

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "base": self.base,
                "infer_backends": list(self.infer_backends),
                "train_backends": list(self.train_backends)}


TORCH = ("torch", "torch-compile")

STACKS: tuple[Stack, ...] = (
    Stack("pytorch", "PyTorch -> PyTorch (eager / torch.compile)", ("pytorch",), ("pytorch",),
          TORCH, TORCH),
    Stack("pytorch-onnxruntime", "PyTorch -> ONNX Runtime", ("pytorch",), ("onnx",),
          ("onnxruntime",), TORCH, base="pytorch"),
    Stack("pytorch-executorch", "PyTorch -> ExecuTorch", ("pytorch",), ("pytorch",),
          (), TORCH, base="pytorch"),
    Stack("tensorflow-serving", "TensorFlow/Keras -> TF Serving", ("tensorflow", "keras"),
          ("tensorflow",), ("tensorflow",), ("tensorflow",)),
    Stack("tensorflow-litert", "TensorFlow/Keras -> LiteRT", ("tensorflow", "keras"),
          ("tensorflow",), (), ("tensorflow",), base="tensorflow-serving"),
    Stack("jax", "JAX -> JAX/XLA", ("jax",), ("jax",), ("jax",), ("jax",)),
    # The `tensorflow` backend runs a Keras 3 model on TensorFlow, so it measures this stack too.
    Stack("keras3", "Keras 3 (multi-backend: JAX, TensorFlow, PyTorch)", ("keras", "tensorflow"),
          ("jax", "tensorflow", "pytorch"), ("tensorflow",), ("tensorflow",),
          reach_via=("pytorch", "tensorflow-serving", "jax"), skill_facts=("keras-3-in-tf",),
          model_backends=("keras",)),
)

STACK_IDS = tuple(s.id for s in STACKS)
BY_ID = {s.id: s for s in STACKS}

# `kb --stack` also accepts these family names.
ALIASES: dict[str, tuple[str, ...]] = {
    "torch": ("pytorch", "pytorch-onnxruntime", "pytorch-executorch"),
    "tensorflow": ("tensorflow-serving", "tensorflow-litert"),
    "tf": ("tensorflow-serving", "tensorflow-litert"),
    "keras": ("keras3",),
    "onnxruntime": ("pytorch-onnxruntime",),
    "onnx": ("pytorch-onnxruntime",),
    "executorch": ("pytorch-executorch",),
    "litert": ("tensorflow-litert",),
}


def get_stack(stack_id: str) -> Stack:
    """The stack with this id (KeyError for an unknown id: a bug, not a user mistake)."""
    return BY_ID[stack_id]
