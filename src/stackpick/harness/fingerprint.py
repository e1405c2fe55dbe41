"""What machine and software a run was measured on. Never imports a framework: versions come
from package metadata, so ``stackpick env`` stays fast."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import psutil

from stackpick import __version__
from stackpick.harness.environment import recorded_variables, thread_variables
from stackpick.registry import all_specs


def distributions() -> tuple[str, ...]:
    """Distribution names (what pip installs, not import names) whose versions a run records:
    numpy and every backend spec's ``distributions``."""
    return tuple(dict.fromkeys(("numpy", *(d for s in all_specs().values()
                                           for d in s.distributions))))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def cpu_info() -> dict[str, Any]:
    text = _read("/proc/cpuinfo")
    model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines()
                  if ln.startswith("model name")), platform.processor() or platform.machine())
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"model": model, "logical": os.cpu_count(), "physical": physical_cores(),
            "arch": platform.machine(), "affinity": affinity}


def physical_cores() -> int:
    """Physical cores this process may use: the default thread count."""
    physical = psutil.cpu_count(logical=False) or psutil.cpu_count() or 1
    try:
        usable = len(psutil.Process().cpu_affinity() or [])
    except (AttributeError, psutil.Error):  # no affinity API on macOS
        usable = 0
    return min(physical, usable) if usable else physical


def memory_bytes() -> int | None:
    return int(psutil.virtual_memory().total)


def gpus() -> list[str]:
    """GPU names from nvidia-smi when present (no framework import)."""
    if not shutil.which("nvidia-smi"):
        return []
    try:
        query = ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"]
        out = subprocess.run(query, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln.strip() for ln in out.stdout.splitlines() if ln.strip()]


def framework_versions() -> dict[str, str]:
    found = {}
    for dist in distributions():
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            continue
    return found


def collect(threads: int | None = None) -> dict[str, Any]:
    """The fingerprint stored with every run."""
    cpu = cpu_info()
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "stackpick": __version__,
        "cpu": cpu,
        "memory_bytes": memory_bytes(),
        "gpus": gpus(),
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "frameworks": framework_versions(),
        "threads": threads,
        "worker_thread_variables": thread_variables(threads) if threads else {},
        "environment": recorded_variables(),
        "load_average": load,
    }
