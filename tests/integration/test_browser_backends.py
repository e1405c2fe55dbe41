"""The browser backends in real worker processes and real headless Chromium.

A tiny MLP through ``onnxruntime-web:wasm`` and ``tfjs:wasm``: parity against the float64
reference, threads read back in the page, sizes and start-up times recorded, samples timed in
the page. Then the page's network: every request stays on the loopback origin, and a request
that leaves it is caught. Skipped, with the reason, where Chromium or the npm packages are
missing (``make test`` installs both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stackpick.harness.client import WorkerHandle, WorkerUnavailable, WorkerUnsupported
from stackpick.harness.plan import Cell
from stackpick.harness.single_cell import setup_in
from stackpick.protocol.group_arrays import build_group_arrays
from stackpick.protocol.messages import WarmupRule
from stackpick.registry import browser_runtime, get_spec
from stackpick.workloads import get_workload

pytestmark = [pytest.mark.integration, pytest.mark.browser]
TINY = {"in_features": 16, "hidden": [8, 8]}
TIMEOUT = 240.0
SHORT_WARMUP = WarmupRule(window=2, min_windows=1, max_calls=20, max_seconds=0.2)


def _skip_reason(backend: str) -> str | None:
    return get_spec(backend).unavailable_reason("wasm")


@pytest.fixture
def handle(request: pytest.FixtureRequest) -> Iterator[WorkerHandle]:
    backend, variant = request.param
    reason = _skip_reason(backend)
    if reason:
        pytest.skip(reason)
    worker = WorkerHandle(backend, threads=1, variant=variant)
    try:
        yield worker
    finally:
        worker.close()


@pytest.mark.parametrize("handle", [("onnxruntime-web", "wasm"), ("tfjs", "wasm")],
                         indirect=True, ids=["onnxruntime-web", "tfjs"])
def test_tiny_mlp_runs_in_the_page_with_parity(handle: WorkerHandle) -> None:
    cell = Cell("mlp", handle.backend, "wasm", "inference", 1, "cpu", TINY)
    arrays = build_group_arrays(get_workload("mlp", TINY), "inference", 1)
    out = setup_in(handle, cell, arrays, TIMEOUT, warmup=SHORT_WARMUP)
    hello, setup = out.hello, out.setup
    assert hello.threads["intra_op"] == 1
    assert hello.threads["cross_origin_isolated"] is True
    assert setup.parity.ok, setup.parity
    extras = setup.extras
    assert (extras.runtime_bundle_bytes or 0) > 100_000  # a real .wasm was loaded
    assert any(name.endswith(".wasm") for name in extras.runtime_files or {})
    assert 0 < (extras.page_load_to_first_output_ms or 0) < TIMEOUT * 1000
    assert (extras.model_bytes or 0) > 0
    samples = handle.request("sample", 60, key=cell.key, budget_s=0.05)["samples_ns"]
    assert samples and all(s > 0 for s in samples)


@pytest.mark.parametrize("handle", [("tfjs", "webgpu")], indirect=True, ids=["tfjs-webgpu"])
def test_gpu_variant_is_measured_or_unavailable_with_a_reason(handle: WorkerHandle) -> None:
    try:
        hello = handle.request("hello", TIMEOUT, variant="webgpu")
    except WorkerUnavailable as exc:  # no GPU adapter in this Chromium
        assert "WebGPU" in str(exc) or "adapter" in str(exc)
    except WorkerUnsupported as exc:  # a GPU exists but the thread check does not apply
        pytest.fail(f"unexpected: {exc}")
    else:
        assert "webgpu" in hello.device


@pytest.fixture
def page() -> Iterator[object]:
    reason = _skip_reason("tfjs")
    if reason:
        pytest.skip(reason)
    from stackpick.worker.backends.browser.page import BrowserPage

    modules, chromium = browser_runtime.node_modules(), browser_runtime.chromium_binary()
    assert modules is not None and chromium is not None
    tf = Path(modules) / "@tensorflow"
    p = BrowserPage(chromium, {"tfjs": tf / "tfjs" / "dist",
                               "tfjs-wasm": tf / "tfjs-backend-wasm" / "dist"})
    try:
        yield p
    finally:
        p.close()


def test_page_requests_nothing_outside_loopback(page) -> None:  # type: ignore[no-untyped-def]
    info = page.open({"runtime": "tfjs", "variant": "wasm", "threads": 1})
    assert info.isolated is True
    urls = page.browser.requested_urls()
    assert any(u.endswith(".wasm") for u in urls)  # the check saw the runtime's own loads
    assert all(u.startswith((page.server.origin + "/", "blob:", "data:")) for u in urls)
    page.guard()  # nothing outside: passes
    served = {s.path for s in page.server.log}
    assert {"/page.html", "/harness.js", "/tfjs_runner.js"} <= served
    # A request that leaves loopback is seen (CSP and the resolver rules also block it).
    page.evaluate("fetch('http://192.0.2.1/leak').catch(() => null).then(() => true)")
    with pytest.raises(RuntimeError, match="outside loopback"):
        page.guard()
