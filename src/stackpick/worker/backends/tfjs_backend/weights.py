"""The seeded weights in TensorFlow.js's weights format, written by our own code.

The tensorflowjs converter does not install beside tensorflow-cpu 2.21 (tensorflowjs 4.22
depends on tensorflow-decision-forests, which pins tensorflow 2.19), so the canonical NumPy
weights are written here as TF.js reads them: a weights manifest (JSON) and one little-endian
float32 shard, loaded in the page with ``tf.io.loadWeights``. Layouts are converted here, once:
convolution filters from (c_out, c_in, k, k) to TF.js's (k, k, c_in, c_out); images to NHWC.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from stackpick.worker.backends.base import Job, Unsupported
from stackpick.worker.backends.browser.page import PageConfig
from stackpick.workloads.cnn import CNN
from stackpick.workloads.mlp import MLP

SHARD = "group1-shard1of1.bin"
BN_EPS = 1e-5  # the workloads' BatchNorm epsilon


def tfjs_arrays(job: Job) -> dict[str, np.ndarray]:
    """Canonical weights in TF.js layouts (float32, C order)."""
    out = {}
    for name, value in job.weights.items():
        array = np.asarray(value, dtype=np.float32)
        if array.ndim == 4:  # conv filter (c_out, c_in, kh, kw) -> (kh, kw, c_in, c_out)
            array = array.transpose(2, 3, 1, 0)
        out[name] = np.ascontiguousarray(array)
    return out


def write_weights(arrays: dict[str, np.ndarray], folder: Path) -> list[PageConfig]:
    """Write the shard into ``folder``; return the weights manifest (also written)."""
    specs: list[PageConfig] = []
    with (folder / SHARD).open("wb") as f:
        for name, array in arrays.items():
            f.write(array.astype("<f4").tobytes())
            specs.append({"name": name, "shape": list(array.shape), "dtype": "float32"})
    manifest: list[PageConfig] = [{"paths": [SHARD], "weights": specs}]
    (folder / "weights_manifest.json").write_text(json.dumps(manifest))
    return manifest


def model_spec(job: Job) -> PageConfig:
    """What the page's model builder needs beyond the weights."""
    workload = job.workload
    if isinstance(workload, MLP):
        return {"layers": len(workload.layer_sizes())}
    if isinstance(workload, CNN):
        convs = {n: [s, p] for n, _, _, _, s, p in workload.conv_specs()}
        return {"convs": convs, "eps": BN_EPS}
    raise Unsupported(f"tfjs here builds mlp and cnn; {workload.name} is not written in TF.js")


def page_input(job: Job) -> np.ndarray:
    """The cell's inputs as the page feeds them (images NCHW -> NHWC)."""
    x = np.asarray(job.inputs, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1) if x.ndim == 4 else x)
