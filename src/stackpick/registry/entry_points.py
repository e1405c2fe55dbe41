"""Third-party backends, registered under the ``stackpick.backends`` entry-point group.

An entry point's value names either

* a :class:`BackendSpec` (``mybackend = "my_pkg.spec:SPEC"``): everything the parent should
  know, declared once; its module must be light (no framework import at module level), or
* the backend class itself (``mybackend = "my_pkg.backend:MyBackend"``): the parent never
  imports it (its module may import a framework); it is found in the module's source, and the
  backend gets a spec with the defaults (inference and training, one variant, CPU and CUDA,
  its class docstring as description). The worker resolves the class.

Anything else is reported by ``stackpick env`` and by any command that names the backend, with
the entry point and what to fix; it is never dropped silently.
"""

from __future__ import annotations

import ast
import importlib.util
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from stackpick.registry.spec import BackendSpec

GROUP = "stackpick.backends"


def _distribution(ep: EntryPoint) -> str:
    return ep.dist.name if ep.dist is not None else "its package"


def _class_in_source(module: str, attr: str) -> ast.ClassDef | None:
    """The class ``attr`` defined at the top of ``module``'s source, found without importing
    the module (only its parent packages); None when the source does not define it."""
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if found is None or not found.origin or not found.origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(found.origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    return next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == attr), None)


def _class_spec(ep: EntryPoint, node: ast.ClassDef) -> BackendSpec:
    doc = (ast.get_docstring(node) or "").strip().splitlines()
    dist = _distribution(ep)
    return BackendSpec(ep.name, ep.value, "third-party", (ep.module.partition(".")[0],), "",
                       description=doc[0] if doc else f"a backend from {dist}", source=dist)


def resolve(ep: EntryPoint) -> BackendSpec:
    """The spec an entry point registers; ValueError saying what is wrong with it."""
    node = _class_in_source(ep.module, ep.attr) if ep.attr else None
    if node is not None:
        return _class_spec(ep, node)
    try:
        value = ep.load()
    except Exception as exc:  # a broken third-party package must not stop stackpick
        raise ValueError(f"loading {ep.value} failed: {type(exc).__name__}: {exc}") from None
    if isinstance(value, BackendSpec):
        if value.name != ep.name:
            raise ValueError(f"{ep.value} is the spec of {value.name!r}, registered as "
                             f"{ep.name!r}; use the same name")
        return value
    if isinstance(value, type):  # a class re-exported from another module: not a spec
        return BackendSpec(ep.name, ep.value, "third-party", (ep.module.partition(".")[0],), "",
                           description=(value.__doc__ or "").strip().split("\n")[0],
                           source=_distribution(ep))
    raise ValueError(f"{ep.value} is a {type(value).__name__}, not a BackendSpec or a backend "
                     "class")


def third_party(builtin: set[str]) -> tuple[dict[str, BackendSpec], dict[str, str]]:
    """(specs by name, problems by name) of the installed entry points."""
    specs: dict[str, BackendSpec] = {}
    problems: dict[str, str] = {}
    for ep in entry_points(group=GROUP):
        where = f"entry point {ep.name} = {ep.value!r} of {_distribution(ep)}"
        if ep.name in builtin or ep.name in specs:  # listed apart: the name is taken
            problems[f"{ep.name} ({_distribution(ep)})"] = (
                f"{where} reuses the name of a backend already registered; rename it")
            continue
        try:
            specs[ep.name] = resolve(ep)
        except ValueError as exc:
            problems[ep.name] = f"{where}: {exc}; fix or uninstall {_distribution(ep)}"
    return specs, problems
