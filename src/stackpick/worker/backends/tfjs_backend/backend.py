"""``tfjs``: TensorFlow.js in headless Chromium on the seeded weights.

Variants are TF.js backends: ``wasm`` (XNNPACK; threads set with ``tf.wasm.setThreadsCount``
and read back with ``getThreadsCount``), ``cpu`` (plain JavaScript, one thread: it runs only
in a one-thread study, where it is a fair comparison), ``webgl`` and ``webgpu`` (unavailable
where Chromium has no GPU). The model is written with tf ops in the page (tfjs_runner.js);
the weights come in TF.js's own format (see tfjs_weights).
"""

from __future__ import annotations

from pathlib import Path

from stackpick.protocol.messages import Configured
from stackpick.worker.backends.base import Job, Unsupported
from stackpick.worker.backends.browser.cell import BrowserBackend
from stackpick.worker.backends.browser.page import PageConfig
from stackpick.worker.backends.tfjs_backend import weights as tfjs_weights


class TfjsBackend(BrowserBackend):
    runtime = "tfjs"
    package = "@tensorflow/tfjs"
    gpu_variants = frozenset({"webgl", "webgpu"})

    def configure(self) -> Configured:
        if self.variant == "cpu" and self.threads != 1:
            raise Unsupported(f"tfjs:cpu is single-threaded JavaScript and cannot use "
                              f"{self.threads} threads; measure it with --threads 1")
        return super().configure()

    def mounts(self, node_modules: Path) -> dict[str, Path]:
        tf = node_modules / "@tensorflow"
        return {"tfjs": tf / "tfjs" / "dist", "tfjs-wasm": tf / "tfjs-backend-wasm" / "dist",
                "tfjs-webgpu": tf / "tfjs-backend-webgpu" / "dist"}

    def versions(self) -> dict[str, str]:
        return {"weights": "stackpick's TF.js weights writer (tfjs_weights)"}

    def write_model(self, job: Job, folder: Path) -> PageConfig:
        spec = tfjs_weights.model_spec(job)
        manifest = tfjs_weights.write_weights(tfjs_weights.tfjs_arrays(job), folder)
        x = tfjs_weights.page_input(job)
        (folder / "input.bin").write_bytes(x.tobytes())
        return {"manifest": manifest, "spec": spec, "input": "model/input.bin",
                "input_shape": list(x.shape)}
