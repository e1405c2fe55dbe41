"""Backend registry: light specs by name, resolved to heavy classes only inside workers.

Availability is checked with ``importlib.util.find_spec`` on import names (``tensorflow``, not
the ``tensorflow-cpu`` distribution), so listing backends never imports a framework.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from stackpick.errors import UserError
from stackpick.workloads.transforms import TRANSFORM_TASKS

BASE_TASKS = ("inference", "training")
TASKS = (*BASE_TASKS, *TRANSFORM_TASKS)
# ``loop``: the naive baseline of a transformation task (worker/backends/*/transforms.py)
TRANSFORM_BASELINE = "loop"
DEVICES = ("cpu", "cuda")
ENTRY_POINT_GROUP = "stackpick.backends"
_WORKER = "stackpick.worker.backends."  # heavy modules, imported only in a worker


@dataclass(frozen=True)
class BackendSpec:
    """What the parent knows about a backend without importing its framework."""

    name: str
    target: str  # "module:Class", imported only in a worker
    family: str  # pytorch | tensorflow | jax | onnx | test
    requires: tuple[str, ...]  # import names that must be findable
    extra: str  # the pip extra that installs them
    tasks: frozenset[str] = frozenset(BASE_TASKS)
    variants: tuple[str, ...] = ("default",)
    devices: frozenset[str] = frozenset(DEVICES)
    description: str = ""
    unsupported_reasons: dict[str, str] = field(default_factory=dict)
    models: frozenset[str] = frozenset()  # kinds of user model it runs (usermodel.spec.KINDS)
    reference_workloads: bool = True  # runs mlp/cnn/transformer (False: user models only)
    variant_env: str | None = None  # an environment variable the worker gets set to the variant
    variant_requires: dict[str, tuple[str, str]] = field(default_factory=dict)  # (module, extra)
    device_class: str = "host"  # "browser": measured in headless Chromium, not on the host
    js_runtime: str = ""  # a browser backend's page runtime (browser_runtime.RUNTIME_FILES)
    variant_tasks: dict[str, frozenset[str]] = field(default_factory=dict)  # absent: all tasks

    def runs(self, variant: str, task: str) -> bool:
        """Whether ``variant`` takes part in ``task``: the plan leaves out pairs a variant is
        not made for (``loop`` on inference); a task the backend cannot run stays in the plan
        and is stored as ``unsupported`` with the reason."""
        return task in self.variant_tasks[variant] if variant in self.variant_tasks else True

    # distributions a deployment of this backend carries (their dependencies are added when
    # the install footprint is measured): the runtime, not the converter that made the artifact
    runtime_dists: tuple[str, ...] = ()
    on_device: bool = False  # an on-device runtime: not in `all`, which the default study runs

    def worker_env(self, variant: str) -> dict[str, str]:
        """Variables a worker for ``variant`` needs before its first import."""
        return {self.variant_env: variant} if self.variant_env else {}

    def unavailable_reason(self, variant: str | None = None) -> str | None:
        """None when every required module is importable, else what to install."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"{', '.join(missing)} not installed: pip install 'stackpick[{self.extra}]'"
        module, extra = self.variant_requires.get(variant or "", ("", ""))
        if module and importlib.util.find_spec(module) is None:
            return f"{module} not installed: pip install 'stackpick[{extra}]'"
        if self.js_runtime:  # Chromium and the npm-installed runtime, found without launching
            from stackpick.browser_runtime import missing_reason

            return missing_reason(self.js_runtime)
        return None

    def unsupported_reason(self, task: str, device: str, model: str | None = None) -> str | None:
        """Why this backend cannot run the cell (``model``: the user model's kind, if any)."""
        if model is not None and model not in self.models:
            return f"{self.name} does not run {model} models"
        if model is None and not self.reference_workloads:
            return f"{self.name} runs user models only (--model)"
        if task not in self.tasks:
            return self.unsupported_reasons.get(task, f"{self.name} does not support {task}")
        if device not in self.devices:
            return f"{self.name} does not run on {device}"
        return None


_LOOP_ONLY_TRANSFORMS = {TRANSFORM_BASELINE: frozenset(TRANSFORM_TASKS)}

BUILTIN: dict[str, BackendSpec] = {
    spec.name: spec
    for spec in (
        BackendSpec(
            "torch", _WORKER + "torch_backend.eager:TorchEagerBackend", "pytorch",
            ("torch",), "torch", description="PyTorch eager (inference_mode / autograd); "
            "torch.func for the transformation tasks, variant loop their naive baseline",
            models=frozenset({"pytorch"}), tasks=frozenset(TASKS),
            variants=("default", TRANSFORM_BASELINE), variant_tasks=_LOOP_ONLY_TRANSFORMS,
            runtime_dists=("torch",),
        ),
        BackendSpec(
            "torch-compile", _WORKER + "torch_backend.compiled:TorchCompileBackend", "pytorch",
            ("torch",), "torch", description="PyTorch with torch.compile (inductor)",
            unsupported_reasons={t: "torch.func transformations are measured on the torch "
                                 "backend (eager), not under torch.compile"
                                 for t in TRANSFORM_TASKS},
            models=frozenset({"pytorch"}), runtime_dists=("torch",),
        ),
        BackendSpec(
            "tensorflow", _WORKER + "tf_backend.backend:TensorFlowBackend", "tensorflow",
            ("tensorflow", "keras"), "tensorflow",
            variants=("eager", "graph", "xla", TRANSFORM_BASELINE), tasks=frozenset(TASKS),
            # vectorized_map and batch_jacobian build a graph function (pfor) even when called
            # eagerly, so "eager" would time the graph variant plus dispatch: left out there
            variant_tasks={**_LOOP_ONLY_TRANSFORMS, "eager": frozenset(BASE_TASKS)},
            description="Keras 3 model on TensorFlow: eager, tf.function graph, XLA "
            "(transformation tasks: graph and XLA, variant loop their naive baseline)",
            runtime_dists=("tensorflow-cpu", "tensorflow", "keras"),
        ),
        BackendSpec(
            "jax", _WORKER + "jax_backend.backend:JaxBackend", "jax", ("jax",), "jax",
            description="JAX with jit (vmap / grad / jvp / jacrev for the transformation "
            "tasks, variant loop their naive baseline)", tasks=frozenset(TASKS),
            variants=("default", TRANSFORM_BASELINE), variant_tasks=_LOOP_ONLY_TRANSFORMS,
            runtime_dists=("jax", "jaxlib"),
        ),
        BackendSpec(
            "onnxruntime", _WORKER + "ort_backend.backend:OnnxRuntimeBackend", "onnx",
            ("torch", "onnx", "onnxscript", "onnxruntime"), "onnx",
            tasks=frozenset({"inference"}),
            unsupported_reasons={
                "training": "onnxruntime here serves inference only (training needs "
                "onnxruntime-training, not measured)"
            },
            description="ONNX Runtime (CPU EP) on the model exported from PyTorch (dynamo)",
            models=frozenset({"pytorch", "onnx"}), runtime_dists=("onnxruntime",),
        ),
        BackendSpec(
            "litert", _WORKER + "litert_backend.backend:LiteRtBackend", "tensorflow",
            ("ai_edge_litert", "tensorflow", "keras", "litert_torch", "torch"), "litert",
            tasks=frozenset({"inference"}), devices=frozenset({"cpu"}),
            variants=("from-keras", "from-torch", "from-keras-int8"),
            unsupported_reasons={"training": "litert is an inference runtime"},
            description="LiteRT (TFLite) interpreter with XNNPACK on the model converted from "
            "Keras (TF converter, fp32 or int8 dynamic range) or from PyTorch (litert-torch)",
            runtime_dists=("ai-edge-litert",), on_device=True,
            models=frozenset({"pytorch", "keras"}),
        ),
        BackendSpec(
            "executorch", _WORKER + "executorch_backend.backend:ExecuTorchBackend", "pytorch",
            ("executorch", "torch"), "executorch", tasks=frozenset({"inference"}),
            devices=frozenset({"cpu"}), variants=("xnnpack", "portable"),
            unsupported_reasons={"training": "executorch is an inference runtime"},
            description="ExecuTorch .pte (torch.export, XNNPACK delegate or portable kernels)",
            # the wheel does not declare torch, but executorch.runtime imports it
            runtime_dists=("executorch", "torch"), on_device=True, models=frozenset({"pytorch"}),
        ),
        BackendSpec(
            "keras", _WORKER + "keras_backend.backend:KerasBackend", "keras",
            ("keras",), "tensorflow", tasks=frozenset({"inference"}),
            variants=("tensorflow", "jax", "torch"), models=frozenset({"keras"}),
            devices=frozenset({"cpu"}),
            reference_workloads=False, variant_env="KERAS_BACKEND",
            variant_requires={"tensorflow": ("tensorflow", "tensorflow"), "jax": ("jax", "jax"),
                              "torch": ("torch", "torch")},
            unsupported_reasons={"training": "keras here runs user .keras models for inference"},
            description="a user's .keras model on Keras 3's TensorFlow, JAX or PyTorch backend",
        ),
        BackendSpec(
            "onnxruntime-web", _WORKER + "ort_web_backend.backend:OrtWebBackend", "onnx",
            ("torch", "onnx", "onnxscript", "onnxruntime"), "onnx",
            tasks=frozenset({"inference"}), variants=("wasm", "webgpu"),
            devices=frozenset({"cpu"}), device_class="browser", js_runtime="ort",
            unsupported_reasons={"training": "onnxruntime-web here serves inference only"},
            description="ONNX Runtime Web in headless Chromium on the dynamo ONNX export",
        ),
        BackendSpec(
            "tfjs", _WORKER + "tfjs_backend.backend:TfjsBackend", "tensorflow", (), "browser",
            tasks=frozenset({"inference"}), variants=("wasm", "cpu", "webgl", "webgpu"),
            devices=frozenset({"cpu"}), device_class="browser", js_runtime="tfjs",
            unsupported_reasons={"training": "tfjs here serves inference only"},
            description="TensorFlow.js in headless Chromium on the seeded weights",
        ),
        BackendSpec(
            "fake", _WORKER + "fake:FakeBackend", "test", (), "test",
            description="scripted latencies and failures, for tests of the machinery only",
        ),
    )
}


def all_specs() -> dict[str, BackendSpec]:
    """Built-in specs plus third-party ones registered under the ``stackpick.backends`` group."""
    specs = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in specs:
            spec = ep.load()
            if isinstance(spec, BackendSpec):
                specs[ep.name] = spec
    return specs


def get_spec(name: str) -> BackendSpec:
    specs = all_specs()
    if name not in specs:
        raise UserError(f"unknown backend {name!r}; valid names: {', '.join(specs)} (or 'all')")
    return specs[name]


def parse_backends(text: str, *, include_fake: bool = False) -> list[tuple[str, str]]:
    """``"torch,tensorflow:xla"`` -> [(name, variant), ...]; a bare name expands to all variants.

    ``all`` means every real backend that runs the reference workloads on the host (``fake``
    only when named; ``keras`` serves user models only; browser backends only when named; the
    on-device runtimes ``litert`` and ``executorch`` only when named, or with ``on-device``).
    """
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise UserError("--backends is empty; give names such as torch,onnxruntime or 'all'")
    out: list[tuple[str, str]] = []
    for item in items:
        if item in ("all", "on-device"):
            out += [(s.name, v) for s in all_specs().values()
                    if (s.family != "test" or include_fake) and s.reference_workloads
                    and s.device_class == "host"
                    and s.on_device == (item == "on-device") for v in s.variants]
            continue
        name, _, variant = item.partition(":")
        spec = get_spec(name)
        if not variant:
            out += [(name, v) for v in spec.variants]
        elif name == "fake" or variant in spec.variants:
            out.append((name, variant))
        else:
            valid = ", ".join(spec.variants)
            raise UserError(f"unknown variant {variant!r} of backend {name!r}; valid: {valid}")
    return list(dict.fromkeys(out))


def load_backend_class(spec: BackendSpec) -> type:
    """Import the heavy module (worker side only) and return the backend class."""
    module_name, _, attr = spec.target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
