"""A third-party backend is one package: installed with an entry point (a spec object, or a
"module:Class" string as pyproject documents), it shows in `stackpick env`, in a plan and in a
report, with no edit anywhere in stackpick."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SPEC = '''
from stackpick.registry import BackendSpec

SPEC = BackendSpec(
    "acme", "acme_stackpick.backend:AcmeBackend", "third-party", ("acme_stackpick",), "",
    description="NumPy in float32, from a package outside stackpick", tasks=frozenset(
        {"inference"}), devices=frozenset({"cpu"}), colour="jax", start_s=0.5, build_s=0.1,
    source="acme-stackpick")
NOT_A_SPEC = 42
'''
BACKEND = '''
"""The acme backend: the reference workload's own forward, in float32."""

import numpy as np

from stackpick.protocol.messages import Configured
from stackpick.worker.backends.base import Backend, Job, Prepared


class AcmeBackend(Backend):
    """NumPy float32 matmuls (a backend registered by its class)."""

    def configure(self) -> Configured:
        return Configured({"numpy": np.__version__}, {"intra_op": self.threads}, "cpu")

    def prepare(self, job: Job) -> Prepared:
        weights = {k: v.astype(np.float32) for k, v in job.weights.items()}
        x = job.inputs.astype(np.float32)
        out = {}

        def call() -> None:
            out["y"] = job.workload.forward(weights, x).astype(np.float32)

        return Prepared(call=call, fetch=lambda: out["y"])
'''
ENTRY_POINTS = """
[stackpick.backends]
acme = acme_stackpick.spec:SPEC
acme-class = acme_stackpick.backend:AcmeBackend
acme-broken = acme_stackpick.spec:NOT_A_SPEC
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the installed package: its code and its dist-info."""
    root = tmp_path_factory.mktemp("site")
    pkg = root / "acme_stackpick"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "spec.py").write_text(textwrap.dedent(SPEC))
    (pkg / "backend.py").write_text(textwrap.dedent(BACKEND))
    info = root / "acme_stackpick-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-stackpick\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return root


def python(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site),
                                                       os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=300)


def stackpick(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return python(site, "-m", "stackpick", *args)


def test_env_lists_both_forms(site: Path) -> None:
    backends = json.loads(stackpick(site, "env", "--json", "-").stdout)["backends"]
    assert backends["acme"] == "available (in-process, from acme-stackpick)"
    assert backends["acme-class"] == "available (in-process, from acme-stackpick)"
    assert backends["acme-broken"].startswith("broken: entry point acme-broken")
    assert "is a int, not a BackendSpec or a backend class" in backends["acme-broken"]


def test_the_parent_reads_the_spec_and_never_imports_the_backend_class(site: Path) -> None:
    script = ("import sys; from stackpick.cli.info import backend_table; backend_table(); "
              "print(sorted(m for m in sys.modules if m.startswith('acme')))")
    assert python(site, "-c", script).stdout.strip() == "['acme_stackpick', 'acme_stackpick.spec']"


def test_a_study_and_its_report_include_it(site: Path, tmp_path: Path) -> None:
    db, out = str(tmp_path / "s.db"), tmp_path / "report"
    proc = stackpick(site, "bench", "--backends", "acme,acme-class", "--batch", "1",
                     "--quick", "--no-cold-start", "--db", db, "--json", "-")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert {c["backend"] for c in data["run"]["plan"]["cells"]} == {"acme", "acme-class"}
    cells = {c["backend"]: c for g in data["groups"] for c in g["cells"]}
    assert {b: c["status"] for b, c in cells.items()} == {"acme": "ok", "acme-class": "ok"}
    assert stackpick(site, "report", "--out", str(out), "--db", db).returncode == 0
    page = (out / "index.html").read_text()
    assert "acme-class" in page and "#009E73" in page  # its spec's colour (jax's green)


def test_a_broken_registration_is_one_line_naming_the_entry_point(site: Path) -> None:
    proc = stackpick(site, "bench", "--backends", "acme-broken")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "acme_stackpick.spec:NOT_A_SPEC" in proc.stderr and "uninstall" in proc.stderr
