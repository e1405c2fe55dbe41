"""What the parent knows about a backend without importing its framework: one record per backend.

A :class:`BackendSpec` is the one place that says everything about a backend: where its heavy
class lives (``target``, resolved only in a worker), what it needs installed, which tasks,
devices and variants it runs (and what ``default`` means), its role and device class, the
planner's estimate of its start-up and build, its chart colour, the distributions it installs
and the ones a deployment carries, the stacks it measures, the user-model kinds it times,
loads and converts (with their portability-matrix rows), and its tuning search space. Every
parent-side table keyed by backend name is derived from these records (see
docs/architecture.md, "Add a backend").
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from stackpick.workloads.transforms import TRANSFORM_TASKS

BASE_TASKS = ("inference", "training")
TASKS = (*BASE_TASKS, *TRANSFORM_TASKS)
# ``loop``: the naive baseline of a transformation task (worker/backends/*/transforms.py)
TRANSFORM_BASELINE = "loop"
DEVICES = ("cpu", "cuda")
# How a runtime serves a model: a server process, inside the application's process, on a
# phone or microcontroller, or in a web page. The advisor offers a runtime only for targets
# its role is made for.
Role = Literal["server", "in-process", "on-device", "browser"]
ROLES: tuple[Role, ...] = ("server", "in-process", "on-device", "browser")
# Chart colours by family (report/svg.py holds the palette).
COLOURS = ("pytorch", "compiled", "tensorflow", "jax", "onnx", "other")


@dataclass(frozen=True)
class Variant:
    """One way to run a backend (a compile mode, a converter, a Keras backend, a tuned
    configuration). ``default``: measured when the backend is named without a variant (and in
    ``all``); an opt-in variant (a tuning configuration, say) only when named."""

    name: str
    default: bool = True
    tasks: frozenset[str] | None = None  # None: every task of the backend
    baseline: str = ""  # the eager cell label its compile economics is set against
    build_s: float | None = None  # the planner's build estimate, where it differs
    requires: tuple[str, ...] = ()  # import names it needs beyond the backend's own
    extra: str = ""  # the pip extra that installs them
    options: Mapping[str, str] = field(default_factory=dict)  # tuning knob -> value it fixes
    description: str = ""


def variants(*names: str) -> tuple[Variant, ...]:
    """Plain variants by name, in order (a shorthand for specs)."""
    return tuple(Variant(n) for n in names)


@dataclass(frozen=True)
class Knob:
    """One documented tuning option of a backend: its values and where they are documented.
    The search space is data; a tuning sweep makes variants of it (``Variant.options``)."""

    name: str
    values: tuple[str, ...]
    default: str
    source: str  # the URL of the documentation that names it


@dataclass(frozen=True)
class ModelRuntime:
    """A user's model of ``kind`` timed on this backend's ``variant``, and its row of the
    portability matrix. ``rank`` orders a kind's rows and runtimes (the lowest runtime is the
    reference one)."""

    kind: str
    title: str
    rank: int
    variant: str = "default"
    stacks: tuple[str, ...] = ()  # stacks that need this path to work for the model
    any_of: tuple[str, ...] = ()  # stacks ruled out only when every runtime naming them fails
    needs: str = ""  # the conversion whose artifact it runs
    conversion: str = ""  # a conversion shown in the same row (analysed there, not timed)
    note: str = ""


@dataclass(frozen=True)
class ConversionPath:
    """A conversion a loader tries once per model (``title`` "": shown in a runtime's row)."""

    name: str
    title: str = ""
    rank: int = 0
    stacks: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ModelLoader:
    """This backend's worker (``variant``) loads ``kind`` models with ``loader`` (a module with
    ``load``, ``make_inputs``, ``reference``, ``describe``) and tries ``paths`` with
    ``converter`` (a module with ``convert(name, ctx)``). ``reference``: how it computes the
    kind's reference output, in words (empty: it does not)."""

    kind: str
    variant: str
    loader: str
    converter: str
    paths: tuple[ConversionPath, ...] = ()
    reference: str = ""


@dataclass(frozen=True)
class BackendSpec:
    """A backend, as the parent sees it (see the module docstring)."""

    name: str
    target: str  # "module:Class", imported only in a worker
    family: str  # pytorch | tensorflow | jax | onnx | keras | test | third-party
    requires: tuple[str, ...]  # import names that must be findable
    extra: str  # the pip extra that installs them
    tasks: frozenset[str] = frozenset(BASE_TASKS)
    variants: tuple[Variant, ...] = (Variant("default"),)
    devices: frozenset[str] = frozenset(DEVICES)
    description: str = ""
    unsupported_reasons: Mapping[str, str] = field(default_factory=dict)
    reference_workloads: bool = True  # runs mlp/cnn/transformer (False: user models only)
    role: Role = "in-process"
    colour: str = "other"  # a key of COLOURS
    start_s: float = 5.0  # planner's estimate: framework import + configure, per worker
    build_s: float = 5.0  # ...and build/export/compile + first call + parity, per cell
    distributions: tuple[str, ...] = ()  # what its extra installs (versions in the fingerprint)
    runtime_dists: tuple[str, ...] = ()  # what a deployment carries (the install footprint)
    serves: tuple[str, ...] = ()  # stacks whose serving runtime it measures
    trains: tuple[str, ...] = ()  # stacks whose training it measures
    models: tuple[ModelRuntime, ...] = ()  # user-model kinds it times
    loaders: tuple[ModelLoader, ...] = ()  # user-model kinds its worker loads and converts
    default_variant: str = "default"  # what a worker asked for "default" runs
    free_variants: bool = False  # the variant is a script the backend parses (fake)
    variant_env: str | None = None  # an environment variable the worker gets set to it
    js_runtime: str = ""  # a browser backend's page runtime (browser_runtime.RUNTIME_FILES)
    tuning: tuple[Knob, ...] = ()
    source: str = "stackpick"  # the distribution that registered it

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants)

    @property
    def default_variants(self) -> tuple[str, ...]:
        """Variants measured when the backend is named bare (or in ``all``)."""
        return tuple(v.name for v in self.variants if v.default)

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)

    @property
    def on_device(self) -> bool:
        """An on-device runtime: measured on this host as a labelled proxy, not in ``all``."""
        return self.role == "on-device"

    @property
    def device_class(self) -> str:
        """Where it measures: ``browser`` (headless Chromium) or ``host`` (this machine)."""
        return "browser" if self.role == "browser" else "host"

    @property
    def model_kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.models)

    def knows_variant(self, name: str) -> bool:
        return self.free_variants or name in self.variant_names

    def resolve_variant(self, name: str) -> str:
        """The variant a worker runs for ``name`` ("default" -> :attr:`default_variant`);
        ValueError for one the spec does not declare."""
        if name == "default" and "default" not in self.variant_names:
            name = self.default_variant
        if not self.knows_variant(name):
            valid = ", ".join(self.variant_names)
            raise ValueError(f"{self.name} has no variant {name!r} (valid: {valid})")
        return name

    def runs(self, variant: str, task: str) -> bool:
        """Whether ``variant`` takes part in ``task``: the plan leaves out pairs a variant is
        not made for (``loop`` on inference); a task the backend cannot run stays in the plan
        and is stored as ``unsupported`` with the reason."""
        v = self.variant(variant)
        return v is None or v.tasks is None or task in v.tasks

    def worker_env(self, variant: str) -> dict[str, str]:
        """Variables a worker for ``variant`` needs before its first import."""
        if not self.variant_env:
            return {}
        return {self.variant_env: self.default_variant if variant == "default" else variant}

    def unavailable_reason(self, variant: str | None = None) -> str | None:
        """None when every required module is importable, else what to install."""
        missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
        if missing:
            return f"{', '.join(missing)} not installed: {self.install_hint(self.extra)}"
        v = self.variant(variant or "")
        for module in v.requires if v else ():
            if importlib.util.find_spec(module) is None:
                return f"{module} not installed: {self.install_hint(v.extra if v else '')}"
        if self.js_runtime:  # Chromium and the npm-installed runtime, found without launching
            from stackpick.registry.browser_runtime import missing_reason

            return missing_reason(self.js_runtime)
        return None

    def install_hint(self, extra: str) -> str:
        """The command that installs what it needs."""
        if self.source == "stackpick":
            return f"pip install 'stackpick[{extra}]'"
        return f"pip install {self.source}"

    def unsupported_reason(self, task: str, device: str, model: str | None = None) -> str | None:
        """Why this backend cannot run the cell (``model``: the user model's kind, if any)."""
        if model is not None and model not in self.model_kinds:
            return f"{self.name} does not run {model} models"
        if model is None and not self.reference_workloads:
            return f"{self.name} runs user models only (--model)"
        if task not in self.tasks:
            return self.unsupported_reasons.get(task, f"{self.name} does not support {task}")
        if device not in self.devices:
            return f"{self.name} does not run on {device}"
        return None
