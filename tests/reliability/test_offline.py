"""Nothing phones home: no network client in the code, models built in code, no hub.

Every import of a network-capable module is listed here; the one place allowed one is the
cluster study (``--ray``), which connects to the cluster the user names, and imports Ray only
when asked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "stackpick"
# Modules that open connections (or pull models and data from the network) when used.
NETWORK = ("requests", "urllib.request", "urllib3", "http.client", "httpx", "aiohttp",
           "socket", "socketserver", "ssl", "ftplib", "smtplib", "imaplib", "poplib",
           "xmlrpc", "websocket", "websockets", "grpc", "ray", "huggingface_hub",
           "transformers", "kagglehub", "tensorflow_datasets", "torchvision.datasets")
# --ray: the cluster the user names (a TCP check of HOST:PORT first, so that an address where
# nothing listens fails at once instead of Ray retrying forever)
ALLOWED = {"harness/ray_executor.py": ("ray", "socket")}
DOWNLOADS = re.compile(r"(from_pretrained|hf_hub_download|torch\.hub|urlretrieve|"
                       r"tfds\.load|keras\.datasets|get_file\()")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, imported at module level?) for every import in ``path``, static or by name
    (``importlib.import_module("x")``, ``__import__("x")``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, id(node) in top))  # and its submodules, by name:
            found += [(f"{node.module}.{a.name}", id(node) in top) for a in node.names]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "__import__")):
            found.append((node.args[0].value, False))
    return found


def _network(module: str) -> str | None:
    return next((n for n in NETWORK if module == n or module.startswith(n + ".")), None)


def test_no_network_client_is_imported_anywhere_in_the_package():
    offenders = []
    for path in SRC.rglob("*.py"):
        name = str(path.relative_to(SRC))
        for module, _ in _imports(path):
            found = _network(module)
            if found and found not in ALLOWED.get(name, ()):
                offenders.append(f"{name}: {module}")
    assert offenders == []


def test_ray_is_imported_only_when_a_cluster_study_asks_for_it():
    """The one module that imports Ray is itself imported only inside a function."""
    importers = [(str(p.relative_to(SRC)), top) for p in SRC.rglob("*.py")
                 for module, top in _imports(p) if module == "stackpick.harness.ray_executor"]
    assert importers == [("harness/fleet.py", False)]


def test_no_code_path_downloads_models_or_data():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if DOWNLOADS.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
