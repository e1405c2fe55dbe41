"""Install footprint: the bytes on disk of a runtime's distributions and their dependencies.

What a container image with that runtime carries, measured from the files this environment
installed (``importlib.metadata``), not taken from a table. Dependencies are followed through
``Requires-Dist`` (requirements behind an extra are left out: a plain install does not pull
them); a dependency that is not installed here is not counted. No framework is imported.
"""

from __future__ import annotations

import functools
import re
from importlib import metadata
from pathlib import Path

from stackpick.protocol.extras import Footprint

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: metadata.Distribution) -> list[str]:
    out = []
    for req in dist.requires or []:
        _, _, marker = req.partition(";")
        if "extra" in marker:
            continue
        match = _NAME.match(req)
        if match:
            out.append(_norm(match.group(1)))
    return out


@functools.cache
def _dist_bytes(name: str) -> int | None:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    total = 0
    for f in dist.files or []:
        try:
            total += Path(f.locate()).stat().st_size
        except OSError:  # listed in RECORD but gone (e.g. removed caches)
            continue
    return total


def closure(names: tuple[str, ...]) -> list[str]:
    """The installed distributions among ``names`` and everything they require, in order."""
    seen: dict[str, None] = {}
    todo = [_norm(n) for n in names]
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = None
        todo += _requirements(dist)
    return list(seen)


@functools.cache
def install_footprint(names: tuple[str, ...]) -> Footprint | None:
    """The total size of ``names`` and their dependencies, the named ones alone, how many
    distributions, and the five largest; None when none of ``names`` is installed."""
    dists = closure(names)
    if not dists:
        return None
    sizes = {d: _dist_bytes(d) or 0 for d in dists}
    own = sum(sizes[_norm(n)] for n in names if _norm(n) in sizes)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    return Footprint(sum(sizes.values()), own, len(dists),
                     [d for d in (_norm(n) for n in names) if d in sizes], largest)
