"""The single-runtime stacks: an authoring framework (``author``) with one serving runtime.

A recommendation combines them: one authoring framework, where it trains, and for each target
one of that author's stacks as the serving runtime (see :mod:`stackpick.advice.candidates`).
Which expertise counts for a stack and which stack it shares its training path with are
modelling choices, stated here in one place. Which measured backends stand for its runtime and
its training is said by each backend's spec (``serves``, ``trains``), so a new backend joins a
stack without an edit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.registry import all_specs


@dataclass(frozen=True)
class Stack:
    """One authoring framework + one serving runtime."""

    id: str
    name: str
    author_skills: tuple[str, ...]  # expertise keys; the best level counts
    runtime_skills: tuple[str, ...]
    base: str | None = None  # the stack that trains the same way (None: this one is a base)
    reach_via: tuple[str, ...] = ()  # stacks whose in-process reach this one inherits...
    via_targets: tuple[str, ...] = ()  # ...only on these targets (a source names them)
    skill_facts: tuple[str, ...] = ()  # facts that justify the expertise mapping
    author: str = ""  # authoring family: pytorch, tensorflow, jax, keras3
    runtime: str = ""  # the serving runtime's display name

    @property
    def infer_backends(self) -> tuple[str, ...]:
        """Backends that run this stack's serving runtime on the reference workloads."""
        return tuple(s.name for s in all_specs().values()
                     if self.id in s.serves and s.reference_workloads)

    @property
    def train_backends(self) -> tuple[str, ...]:
        """Backends that measure this stack's training."""
        return tuple(s.name for s in all_specs().values() if self.id in s.trains)

    @property
    def model_backends(self) -> tuple[str, ...]:
        """Backends that measure it for a user's model only."""
        return tuple(s.name for s in all_specs().values()
                     if self.id in s.serves and not s.reference_workloads)

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "base": self.base, "author": self.author,
                "runtime": self.runtime, "infer_backends": list(self.infer_backends),
                "train_backends": list(self.train_backends)}


TF = ("tensorflow", "keras")

STACKS: tuple[Stack, ...] = (
    Stack("pytorch", "PyTorch -> PyTorch (eager / torch.compile)", ("pytorch",), ("pytorch",),
          author="pytorch", runtime="PyTorch"),
    Stack("pytorch-onnxruntime", "PyTorch -> ONNX Runtime", ("pytorch",), ("onnx",),
          base="pytorch", author="pytorch", runtime="ONNX Runtime"),
    Stack("pytorch-executorch", "PyTorch -> ExecuTorch", ("pytorch",), ("pytorch",),
          base="pytorch", author="pytorch", runtime="ExecuTorch"),
    Stack("tensorflow-serving", "TensorFlow/Keras -> TF Serving", TF, ("tensorflow",),
          author="tensorflow", runtime="TF Serving"),
    Stack("tensorflow-litert", "TensorFlow/Keras -> LiteRT", TF, ("tensorflow",),
          base="tensorflow-serving", author="tensorflow", runtime="LiteRT"),
    Stack("tensorflow-tfjs", "TensorFlow/Keras -> TensorFlow.js", TF, ("tensorflow",),
          base="tensorflow-serving", author="tensorflow", runtime="TensorFlow.js"),
    Stack("jax", "JAX -> JAX/XLA", ("jax",), ("jax",), author="jax", runtime="JAX/XLA"),
    Stack("jax-litert", "JAX -> LiteRT", ("jax",), ("tensorflow",), base="jax", author="jax",
          runtime="LiteRT"),
    # The `tensorflow` backend runs a Keras 3 model on TensorFlow, so it measures this stack
    # too (its spec serves keras3); the `keras` backend measures it for a user's model.
    Stack("keras3", "Keras 3 (multi-backend: JAX, TensorFlow, PyTorch)", ("keras", "tensorflow"),
          ("jax", "tensorflow", "pytorch"), reach_via=("pytorch", "tensorflow-serving", "jax"),
          via_targets=("x86-cpu", "nvidia-gpu", "tpu"), skill_facts=("keras-3-in-tf",),
          author="keras3", runtime="Keras 3 in-process"),
)

STACK_IDS = tuple(s.id for s in STACKS)
BY_ID = {s.id: s for s in STACKS}
AUTHORS = tuple(dict.fromkeys(s.author for s in STACKS))
AUTHOR_NAME = {"pytorch": "PyTorch", "tensorflow": "TensorFlow/Keras", "jax": "JAX",
               "keras3": "Keras 3"}

# `kb --stack` also accepts these family names.
ALIASES: dict[str, tuple[str, ...]] = {
    "torch": ("pytorch", "pytorch-onnxruntime", "pytorch-executorch"),
    "tensorflow": ("tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs"),
    "tf": ("tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs"),
    "keras": ("keras3",),
    "onnxruntime": ("pytorch-onnxruntime",),
    "onnx": ("pytorch-onnxruntime",),
    "executorch": ("pytorch-executorch",),
    "litert": ("tensorflow-litert", "jax-litert"),
    "tfjs": ("tensorflow-tfjs",),
}


def get_stack(stack_id: str) -> Stack:
    """The stack with this id (KeyError for an unknown id: a bug, not a user mistake)."""
    return BY_ID[stack_id]


def family(author: str) -> tuple[Stack, ...]:
    """The stacks one authoring framework can serve through, in catalogue order."""
    return tuple(s for s in STACKS if s.author == author)
