"""Nothing phones home: no network client in the code, models built in code, no hub."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "stackpick"
NETWORK = re.compile(r"^\s*(import|from)\s+(requests|urllib\.request|urllib3|http\.client|"
                     r"httpx|aiohttp|socket|huggingface_hub|transformers)\b", re.M)
DOWNLOADS = re.compile(r"(from_pretrained|hf_hub_download|torch\.hub|urlretrieve|"
                       r"tfds\.load|keras\.datasets|get_file\()")


# --ray joins the cluster the user names: its module opens a TCP connection to that address
# (to fail at once when nothing listens there) and nothing else in the package does.
CLUSTER = {"harness/ray_executor.py"}


def test_no_network_client_is_imported_anywhere_in_the_package():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if NETWORK.search(p.read_text(encoding="utf-8"))]
    assert set(offenders) <= CLUSTER


def test_no_code_path_downloads_models_or_data():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if DOWNLOADS.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
