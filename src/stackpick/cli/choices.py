"""What a user types for workloads, backends, tasks and sizes, parsed into the typed values the
library takes (:class:`stackpick.pipeline.BenchOptions`). One clear UserError per bad value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stackpick.errors import UserError
from stackpick.registry import TASKS, Choice, choose, study_backends
from stackpick.workloads import WORKLOADS, get_workload

if TYPE_CHECKING:
    from stackpick.harness.fleet import ClusterOptions


def parse_backends(text: str, *, include_fake: bool = False) -> list[Choice]:
    """``"torch,tensorflow:xla"`` -> [(name, variant), ...]; a bare name expands to its
    default variants.

    ``all`` means every real backend that runs the reference workloads on the host (``fake``
    only when named; ``keras`` serves user models only; browser backends only when named; the
    on-device runtimes only when named, or with ``on-device``).
    """
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise UserError("--backends is empty; give names such as torch,onnxruntime or 'all'")
    out: list[Choice] = []
    for item in items:
        if item in ("all", "on-device"):
            out += study_backends(on_device=item == "on-device", include_test=include_fake)
            continue
        name, _, variant = item.partition(":")
        out += choose(name, variant or None)
    return list(dict.fromkeys(out))


def parse_workloads(text: str) -> list[str]:
    """``"mlp,cnn"`` or ``"all"`` -> validated names, in the order given."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UserError("--workload is empty; give one of: " + ", ".join(WORKLOADS) + ", all")
    if "all" in names:
        return list(WORKLOADS)
    for n in names:
        get_workload(n)
    return list(dict.fromkeys(names))


def parse_tasks(text: str) -> list[str]:
    tasks = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks:
        raise UserError(f"--task {text!r} is not valid; use {', '.join(TASKS)} (comma-separated)")
    return tasks


def parse_int_list(text: str, flag: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(
            f"{flag} {text!r} is not a list of integers; use e.g. {flag} 1,32") from None
    if not values or any(v < 1 for v in values):
        raise UserError(f"{flag} {text!r} needs positive integers, e.g. {flag} 1,32")
    return list(dict.fromkeys(values))


def cluster_options(ray: str | None, nodes: str | None,
                    every_node: bool) -> ClusterOptions | None:
    """``--ray``, ``--nodes`` and ``--every-node`` as options; refuses ``--nodes`` or
    ``--every-node`` without ``--ray``."""
    from stackpick.harness.fleet import ClusterOptions

    if ray is None:
        if nodes or every_node:
            raise UserError("--nodes and --every-node choose machines of a cluster: add "
                            "--ray auto (or --ray local to try it on this machine)")
        return None
    if not ray.strip():
        raise UserError("--ray needs an address: auto, HOST:PORT or local")
    return ClusterOptions(ray.strip(), nodes, every_node)


def model_backends(text: str | None) -> list[Choice] | None:
    """``--backends`` with ``--model``: None (every path for that model) when absent or
    ``all``."""
    return None if text is None or text.strip() == "all" else parse_backends(text)
