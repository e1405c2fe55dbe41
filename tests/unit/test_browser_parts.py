"""Browser backends without a browser: the loopback server, the URL guard, the TF.js weights
format, the page timer's rules, availability reasons and the registry's ``all``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from stackpick.cli.choices import parse_backends
from stackpick.protocol.cells import CellMetrics
from stackpick.protocol.extras import Extras
from stackpick.registry import get_spec
from stackpick.worker.backends.base import Job
from stackpick.worker.backends.browser.page import outside_loopback
from stackpick.worker.backends.browser.server import PageServer
from stackpick.worker.backends.browser.timing import PageTimer
from stackpick.worker.backends.tfjs_backend import weights
from stackpick.worker.timing import WarmupRule
from stackpick.workloads import get_workload


@pytest.fixture
def server(tmp_path: Path):
    (tmp_path / "page.html").write_text("<p>hi</p>")
    (tmp_path / "runtime").mkdir()
    (tmp_path / "runtime" / "a.wasm").write_bytes(b"\0asm" + bytes(12))
    (tmp_path.parent / "secret.txt").write_text("outside the root")
    srv = PageServer(tmp_path)
    yield srv
    srv.close()


def test_server_binds_loopback_with_isolation_headers(server: PageServer) -> None:
    assert server.httpd.server_address[0] == "127.0.0.1"
    with urllib.request.urlopen(f"{server.origin}/runtime/a.wasm") as r:
        assert r.headers["Content-Type"] == "application/wasm"
        assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert r.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert len(r.read()) == 16
    assert server.log[-1].path == "/runtime/a.wasm" and server.log[-1].bytes == 16


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/missing.js"])
def test_server_serves_nothing_outside_its_root(server: PageServer, path: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{server.origin}{path}")
    info.value.close()
    assert info.value.code == 404


def test_guard_flags_every_url_off_the_page_origin() -> None:
    origin = "http://127.0.0.1:4567"
    urls = [f"{origin}/page.html", "blob:http://127.0.0.1:4567/x", "data:text/plain,a",
            "http://127.0.0.1:9999/other-port", "https://cdn.jsdelivr.net/npm/x.js",
            "http://localhost:4567/page.html"]
    assert outside_loopback(urls, origin) == urls[3:]


def test_tfjs_weights_format_round_trips(tmp_path: Path) -> None:
    workload = get_workload("cnn", {"image": 8, "channels": [4, 8]})
    rng = np.random.default_rng(0)
    canonical = {n: rng.standard_normal(s).astype(np.float32)
                 for n, s in workload.weight_shapes().items()}
    job = Job(workload, "inference", 1, canonical, np.zeros((1, 3, 8, 8), np.float32))
    manifest = weights.write_weights(weights.tfjs_arrays(job), tmp_path)
    assert json.loads((tmp_path / "weights_manifest.json").read_text()) == manifest
    shard = np.frombuffer((tmp_path / weights.SHARD).read_bytes(), dtype="<f4")
    offset = 0
    for spec in manifest[0]["weights"]:
        size = int(np.prod(spec["shape"]))
        got = shard[offset:offset + size].reshape(spec["shape"])
        want = canonical[spec["name"]]
        if want.ndim == 4:  # filters arrive as (kh, kw, c_in, c_out)
            want = want.transpose(2, 3, 1, 0)
        np.testing.assert_array_equal(got, want)
        offset += size
    assert offset == shard.size
    assert weights.page_input(job).shape == (1, 8, 8, 3)  # NHWC
    assert weights.model_spec(job)["convs"]["block2.conv1"] == [2, 1]


class ScriptedPage:
    """Answers stackpick.time / stackpick.sample like the page, from a per-call cost."""

    def __init__(self, per_call_ns: list[float]) -> None:
        self.costs, self.calls = list(per_call_ns), 0

    def _cost(self) -> float:
        self.calls += 1
        return self.costs.pop(0) if len(self.costs) > 1 else self.costs[0]

    def evaluate(self, expression: str, timeout: float = 0) -> list[float]:
        args = [float(a) for a in expression.split("(", 1)[1].rstrip(")").split(",")]
        loops = int(args[0])
        if expression.startswith("stackpick.time"):
            return [sum(self._cost() for _ in range(loops)) for _ in range(int(args[1]))]
        return [sum(self._cost() for _ in range(loops)) / loops for _ in range(int(args[2]))]


def test_page_timer_calibrates_to_one_millisecond_samples() -> None:
    assert PageTimer(ScriptedPage([100_000.0])).calibrate_loops() == 10
    assert PageTimer(ScriptedPage([3_000_000.0])).calibrate_loops() == 1


def test_page_timer_warms_until_windows_agree() -> None:
    page = ScriptedPage([9e6] * 5 + [5e6] * 5 + [1e6])
    result = PageTimer(page).warm_up(1, WarmupRule(window=5, tolerance=0.05))
    assert result.converged and result.calls == 20


def test_page_timer_samples_are_per_call() -> None:
    assert PageTimer(ScriptedPage([2e6])).take_samples(4, 0.1, 3) == [2e6, 2e6, 2e6]


def test_browser_backends_only_when_named() -> None:
    assert not [b for b, _ in parse_backends("all") if b in ("onnxruntime-web", "tfjs")]
    assert parse_backends("tfjs") == [("tfjs", v) for v in ("wasm", "cpu", "webgl", "webgpu")]
    assert get_spec("tfjs").device_class == "browser"


def test_missing_chromium_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKPICK_CHROMIUM", "/nonexistent/chromium")
    reason = get_spec("tfjs").unavailable_reason("wasm")
    assert reason is not None and "apt-get install -y chromium" in reason


def test_missing_npm_packages_say_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("STACKPICK_CHROMIUM", "/bin/sh")  # any executable: not launched here
    monkeypatch.setenv("STACKPICK_NODE_MODULES", str(tmp_path))
    reason = get_spec("tfjs").unavailable_reason("wasm")
    assert reason is not None and ("npm ci" in reason or "npm not found" in reason)


def test_report_rows_only_for_measured_browser_cells() -> None:
    from types import SimpleNamespace as NS

    from stackpick.report.browser import browser_rows

    extras = {"runtime_bundle_bytes": 14_314_404, "model_bytes": 101_578,
              "page_load_to_first_output_ms": 1891.3, "page_init_ms": 1694.5,
              "browser_rss_bytes": 1_197_277_184}
    cells = [NS(status="ok", label="onnxruntime-web:wasm",
                metrics=CellMetrics(extras=Extras.from_dict(extras))),
             NS(status="unavailable", label="tfjs:webgpu", metrics=CellMetrics()),
             NS(status="ok", label="torch", metrics=CellMetrics())]
    rows = browser_rows(NS(groups=[NS(key="cnn/inference/b1/cpu", cells=cells)]))  # type: ignore[arg-type]
    assert rows == [["cnn/inference/b1/cpu", "onnxruntime-web:wasm", "14.3 MB", "102 kB",
                     "1,891 ms", "1,694 ms", "1.2 GB"]]
