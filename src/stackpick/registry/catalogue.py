"""Every backend spec, by name: the built-in ones, third-party ones registered under the
``stackpick.backends`` entry-point group, and ones added in-process (:func:`registered`).

Built-in backends keep their spec in ``worker/backends/<family>_backend/spec.py`` beside their
heavy code; that one module of the folder imports nothing but :mod:`stackpick.registry.spec`
(an import-linter contract checks it), so the parent reads it without touching a framework.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Iterator

from stackpick.errors import UserError
from stackpick.registry.entry_points import third_party
from stackpick.registry.spec import BackendSpec

# The built-in spec modules, in the order studies list their backends.
BUILTIN_MODULES = tuple(f"stackpick.worker.backends.{m}.spec" for m in (
    "torch_backend", "tf_backend", "jax_backend", "ort_backend", "litert_backend",
    "executorch_backend", "keras_backend", "ort_web_backend", "tfjs_backend", "fake_backend"))

_added: dict[str, BackendSpec] = {}


def _specs_of(module: str) -> tuple[BackendSpec, ...]:
    specs: tuple[BackendSpec, ...] = importlib.import_module(module).SPECS
    return specs


@functools.cache
def builtin() -> dict[str, BackendSpec]:
    """The built-in specs by name, in study order."""
    return {s.name: s for module in BUILTIN_MODULES for s in _specs_of(module)}


@functools.cache
def _installed() -> tuple[dict[str, BackendSpec], dict[str, str]]:
    return third_party(set(builtin()))


def all_specs() -> dict[str, BackendSpec]:
    """Built-in specs, then third-party ones, then any added in-process (a new dict)."""
    return {**builtin(), **_installed()[0], **_added}


def problems() -> dict[str, str]:
    """Third-party entry points that could not be used, by name, with why."""
    return dict(_installed()[1])


def reload() -> None:
    """Forget what was read (after installing a package, or in tests)."""
    builtin.cache_clear()
    _installed.cache_clear()


def lookup(name: str) -> BackendSpec | None:
    """The spec of ``name`` (a bare backend name, or a label ``name:variant``), or None: a
    stored run may name a backend this installation does not have."""
    return all_specs().get(name.partition(":")[0])


def get_spec(name: str) -> BackendSpec:
    """The spec of ``name``; a one-line UserError naming the valid ones otherwise."""
    specs = all_specs()
    if name in specs:
        return specs[name]
    broken = problems().get(name)
    if broken:
        raise UserError(f"backend {name!r} is registered but cannot be used: {broken}")
    raise UserError(f"unknown backend {name!r}; valid names: {', '.join(specs)} (or 'all')")


@contextlib.contextmanager
def registered(*specs: BackendSpec) -> Iterator[None]:
    """Add ``specs`` for the duration of a block (tests, notebooks); workers started inside it
    do not see them unless the spec's package is also registered as an entry point."""
    for spec in specs:
        _added[spec.name] = spec
    try:
        yield
    finally:
        for spec in specs:
            _added.pop(spec.name, None)
