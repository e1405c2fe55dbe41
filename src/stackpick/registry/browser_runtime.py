"""Light side of the browser backends: where Chromium and the npm-installed runtimes live.

Imported by the registry in the parent, so it imports nothing heavy. The JavaScript runtimes
are pinned in the project's ``package.json`` / ``package-lock.json`` and installed with
``npm ci`` (``make js-deps``) into ``node_modules`` beside them; ``STACKPICK_NODE_MODULES`` and
``STACKPICK_CHROMIUM`` point elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

PACKAGE_NAME = "stackpick-browser-runtimes"
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The file each runtime's page loads first: present means `npm ci` ran.
RUNTIME_FILES = {
    "ort": ("onnxruntime-web/dist/ort.wasm.min.mjs",),
    "tfjs": ("@tensorflow/tfjs/dist/tf.es2017.min.js",
             "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js",
             "@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.es2017.min.js"),
}


def chromium_binary() -> Path | None:
    """``STACKPICK_CHROMIUM``, else Debian's chromium, else None."""
    override = os.environ.get("STACKPICK_CHROMIUM")
    candidates = (override,) if override else CHROMIUM_PATHS
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return Path(path)
    return None


def project_root() -> Path | None:
    """The folder holding stackpick's package.json (a source checkout), or None."""
    for folder in Path(__file__).resolve().parents:
        manifest = folder / "package.json"
        if manifest.is_file():
            try:
                if json.loads(manifest.read_text()).get("name") == PACKAGE_NAME:
                    return folder
            except (OSError, ValueError):
                return None
    return None


def node_modules() -> Path | None:
    """The node_modules folder with the pinned runtimes, or None where it is missing."""
    override = os.environ.get("STACKPICK_NODE_MODULES")
    if override:
        return Path(override) if Path(override).is_dir() else None
    root = project_root()
    folder = root / "node_modules" if root else None
    return folder if folder and folder.is_dir() else None


def missing_reason(runtime: str) -> str | None:
    """What to install (the command) when Chromium or ``runtime``'s npm packages are missing."""
    if chromium_binary() is None:
        return ("chromium not found: apt-get install -y chromium (Debian; or set "
                "STACKPICK_CHROMIUM to a Chromium binary)")
    modules = node_modules()
    if modules is None or not all((modules / f).is_file() for f in RUNTIME_FILES[runtime]):
        root = project_root()
        if shutil.which("npm") is None:
            return "npm not found: apt-get install -y npm, then make js-deps"
        where = f"cd {root} && npm ci" if root else "set STACKPICK_NODE_MODULES"
        return f"{runtime} npm packages not installed: make js-deps ({where})"
    return None
