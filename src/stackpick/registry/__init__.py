"""Backend registry: light specs by name, resolved to heavy classes only inside workers.

Availability is checked with ``importlib.util.find_spec`` on import names (``tensorflow``, not
the ``tensorflow-cpu`` distribution), so listing backends never imports a framework. Parsing
what a user types (``torch,tensorflow:xla``) is the CLI's (:mod:`stackpick.cli.choices`); here
are the typed selections it resolves to.
"""

from __future__ import annotations

import importlib
from typing import Any

from stackpick.registry.catalogue import (
    all_specs,
    builtin,
    get_spec,
    lookup,
    problems,
    registered,
    reload,
)
from stackpick.registry.spec import (
    BASE_TASKS,
    COLOURS,
    DEVICES,
    ROLES,
    TASKS,
    TRANSFORM_BASELINE,
    BackendSpec,
    ConversionPath,
    Knob,
    ModelLoader,
    ModelRuntime,
    Role,
    Variant,
    variants,
)

__all__ = ["BASE_TASKS", "COLOURS", "DEVICES", "ROLES", "TASKS", "TRANSFORM_BASELINE",
           "BackendSpec", "Choice", "ConversionPath", "Knob", "ModelLoader", "ModelRuntime",
           "Role", "Variant", "all_specs", "builtin", "choose", "get_spec", "load_backend_class",
           "lookup", "problems", "registered", "reload", "study_backends", "variants"]

Choice = tuple[str, str]  # (backend, variant)


def choose(name: str, variant: str | None = None) -> list[Choice]:
    """``name`` with ``variant``, or its default variants when none is given; a one-line
    UserError for an unknown backend or variant."""
    from stackpick.errors import UserError

    spec = get_spec(name)
    if variant is None:
        return [(name, v) for v in spec.default_variants]
    if not spec.knows_variant(variant):
        valid = ", ".join(spec.variant_names)
        raise UserError(f"unknown variant {variant!r} of backend {name!r}; valid: {valid}")
    return [(name, variant)]


def study_backends(*, on_device: bool = False, include_test: bool = False) -> list[Choice]:
    """Every backend that times the reference workloads on this host: the server-side ones
    (``on_device=False``, what ``all`` means) or the on-device runtimes, measured here as
    proxies (``on_device=True``). Browser backends, user-model-only ones and ``fake`` (unless
    ``include_test``) are left out: they are measured when named."""
    return [(s.name, v) for s in all_specs().values()
            if (s.family != "test" or include_test) and s.reference_workloads
            and s.device_class == "host" and s.on_device == on_device
            for v in s.default_variants]


def load_backend_class(spec: BackendSpec) -> type[Any]:
    """Import the heavy module (worker side only) and return the backend class."""
    module_name, _, attr = spec.target.partition(":")
    cls: type[Any] = getattr(importlib.import_module(module_name), attr)
    return cls
