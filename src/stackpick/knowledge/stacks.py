"""The single-runtime stacks: an authoring framework (``author``) with one serving runtime.

A recommendation combines them: one authoring framework, where it trains, and for each target
one of that author's stacks as the serving runtime (see :mod:`stackpick.advice.candidates`).
Which expertise counts for a stack, which stack it shares its training path with, and how its
runtime is deployed (its ``roles``) are modelling choices, stated here in one place. Which
measured backends stand for its runtime and its training is said by each backend's spec
(``serves``, ``trains``), so a new backend joins a stack without an edit here.

Roles, and the targets each is made for (:data:`TARGET_ROLES`): ``server`` (a model server
process: TF Serving, vLLM), ``in-process`` (a library inside the application: PyTorch, ONNX
Runtime), ``on-device`` (a phone or embedded runtime: ExecuTorch, LiteRT) and ``browser``
(a JavaScript runtime: TensorFlow.js, ONNX Runtime Web). A runtime is offered for a target only
in a role made for it, so an on-device runtime is never a candidate for datacenter GPUs even
where a backend of it exists there.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackpick.registry import all_specs

ROLES = ("server", "in-process", "on-device", "browser")
SERVER_SIDE = ("server", "in-process")
# target -> the roles a runtime may serve it in
TARGET_ROLES: dict[str, tuple[str, ...]] = {
    **{t: SERVER_SIDE for t in ("nvidia-gpu", "amd-gpu", "intel-gpu", "x86-cpu", "arm-cpu",
                                "tpu", "aws-neuron")},
    "apple-silicon": ("server", "in-process", "on-device"),  # a Mac serves, or runs an app
    "serverless": ("in-process",),  # a function, not a long-running server
    "android": ("on-device", "in-process"),
    "ios": ("on-device", "in-process"),
    "microcontroller": ("on-device",),
    "desktop": ("in-process", "on-device"),
    "browser": ("browser",),
}


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
    roles: tuple[str, ...] = ("in-process",)  # how its runtime is deployed (ROLES)
    llm_only: bool = False  # an LLM serving engine: a candidate only for model_family llm

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

    def made_for(self, target: str) -> bool:
        """Whether one of its roles serves ``target`` (see :data:`TARGET_ROLES`)."""
        return bool(set(self.roles) & set(TARGET_ROLES.get(target, ROLES)))

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "base": self.base, "author": self.author,
                "runtime": self.runtime, "roles": list(self.roles), "llm_only": self.llm_only,
                "infer_backends": list(self.infer_backends),
                "train_backends": list(self.train_backends)}


TF = ("tensorflow", "keras")
PT = ("pytorch",)


def _llm(sid: str, runtime: str, roles: tuple[str, ...], skills: tuple[str, ...] = PT) -> Stack:
    """An LLM serving engine fed PyTorch (Hugging Face) checkpoints."""
    return Stack(sid, f"PyTorch -> {runtime}", PT, skills, base="pytorch", author="pytorch",
                 runtime=runtime, roles=roles, llm_only=True)


STACKS: tuple[Stack, ...] = (
    Stack("pytorch", "PyTorch -> PyTorch (eager / torch.compile)", PT, PT,
          author="pytorch", runtime="PyTorch"),
    Stack("pytorch-onnxruntime", "PyTorch -> ONNX Runtime", PT, ("onnx",),
          base="pytorch", author="pytorch", runtime="ONNX Runtime",
          roles=("in-process", "browser")),  # ONNX Runtime Web in the browser
    Stack("pytorch-openvino", "PyTorch -> OpenVINO", PT, PT, base="pytorch",
          author="pytorch", runtime="OpenVINO", roles=("in-process", "server")),
    Stack("pytorch-executorch", "PyTorch -> ExecuTorch", PT, PT,
          base="pytorch", author="pytorch", runtime="ExecuTorch", roles=("on-device",)),
    Stack("tensorflow-serving", "TensorFlow/Keras -> TF Serving", TF, ("tensorflow",),
          author="tensorflow", runtime="TF Serving", roles=("server",)),
    Stack("tensorflow-litert", "TensorFlow/Keras -> LiteRT", TF, ("tensorflow",),
          base="tensorflow-serving", author="tensorflow", runtime="LiteRT",
          roles=("on-device", "browser")),  # LiteRT.js in the browser
    Stack("tensorflow-tfjs", "TensorFlow/Keras -> TensorFlow.js", TF, ("tensorflow",),
          base="tensorflow-serving", author="tensorflow", runtime="TensorFlow.js",
          roles=("browser",)),
    Stack("jax", "JAX -> JAX/XLA", ("jax",), ("jax",), author="jax", runtime="JAX/XLA"),
    Stack("jax-litert", "JAX -> LiteRT", ("jax",), ("tensorflow",), base="jax", author="jax",
          runtime="LiteRT", roles=("on-device", "browser")),
    # The `tensorflow` backend runs a Keras 3 model on TensorFlow, so it measures this stack
    # too (its spec serves keras3); the `keras` backend measures it for a user's model.
    Stack("keras3", "Keras 3 (multi-backend: JAX, TensorFlow, PyTorch)", ("keras", "tensorflow"),
          ("jax", "tensorflow", "pytorch"), reach_via=("pytorch", "tensorflow-serving", "jax"),
          via_targets=("x86-cpu", "nvidia-gpu", "tpu"), skill_facts=("keras-3-in-tf",),
          author="keras3", runtime="Keras 3 in-process"),
    # LLM serving engines: Hugging Face (PyTorch) checkpoints in, tokens out.
    _llm("pytorch-vllm", "vLLM", ("server",)),
    _llm("pytorch-sglang", "SGLang", ("server",)),
    _llm("pytorch-tensorrt-llm", "TensorRT-LLM", ("server", "in-process")),
    _llm("pytorch-llamacpp", "llama.cpp", ("in-process", "server", "on-device")),
    _llm("pytorch-ort-genai", "ONNX Runtime GenAI", ("in-process", "on-device"), ("onnx",)),
    _llm("pytorch-mlc-llm", "MLC LLM", ("server", "on-device", "browser")),
    _llm("pytorch-litert-lm", "LiteRT-LM", ("on-device", "browser"), ("tensorflow",)),
)

STACK_IDS = tuple(s.id for s in STACKS)
BY_ID = {s.id: s for s in STACKS}
AUTHORS = tuple(dict.fromkeys(s.author for s in STACKS))
AUTHOR_NAME = {"pytorch": "PyTorch", "tensorflow": "TensorFlow/Keras", "jax": "JAX",
               "keras3": "Keras 3"}
LLM_STACKS = tuple(s.id for s in STACKS if s.llm_only)

# `kb --stack` also accepts these family names.
ALIASES: dict[str, tuple[str, ...]] = {
    "torch": tuple(s.id for s in STACKS if s.author == "pytorch"),
    "tensorflow": ("tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs"),
    "tf": ("tensorflow-serving", "tensorflow-litert", "tensorflow-tfjs"),
    "keras": ("keras3",),
    "onnxruntime": ("pytorch-onnxruntime", "pytorch-ort-genai"),
    "onnx": ("pytorch-onnxruntime", "pytorch-ort-genai"),
    "openvino": ("pytorch-openvino",),
    "executorch": ("pytorch-executorch",),
    "litert": ("tensorflow-litert", "jax-litert", "pytorch-litert-lm"),
    "tfjs": ("tensorflow-tfjs",),
    "llm": LLM_STACKS,
}


def get_stack(stack_id: str) -> Stack:
    """The stack with this id (KeyError for an unknown id: a bug, not a user mistake)."""
    return BY_ID[stack_id]


def family(author: str, llm: bool = True) -> tuple[Stack, ...]:
    """The stacks one authoring framework can serve through, in catalogue order (``llm``:
    with the LLM serving engines)."""
    return tuple(s for s in STACKS if s.author == author and (llm or not s.llm_only))


def base_of(author: str) -> Stack:
    """The author's base stack: the one that stands for its training path."""
    return next(s for s in STACKS if s.author == author and s.base is None)


def stacks_in(candidate: str) -> list[str]:
    """The single-runtime stack ids a candidate id joins (``a@x86-cpu+b@android`` -> a, b); a
    training-only candidate is named by its author (``tensorflow``) and stands for its base."""
    parts = [part.partition("@")[0] for part in candidate.split("+")]
    return [p if p in BY_ID else base_of(p).id for p in parts]
