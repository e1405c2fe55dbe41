"""The explicit environment a worker starts with: thread variables are set before any import.

Inherited: what a process needs to run at all (PATH, HOME, locale, temp dir, the venv) and
settings that change numerics or compilers (OPENBLAS_*, CC/CXX, CUDA_*, TORCHINDUCTOR_*).
Everything thread-related is set here, identically for every backend.

Recorded (in every run's fingerprint, and so in its reports): an allow-list of the switches
that change results. Not a prefix such as ``TF_``: Terraform keeps tokens and passwords in
``TF_TOKEN_*`` and ``TF_VAR_*``, and a report is attached to pull requests. A name that looks
like a secret is never recorded or passed on, whatever its prefix.
"""

from __future__ import annotations

import os
import re

from stackpick.protocol.scratch import PARENT_PID_ENV

INHERITED_PREFIXES = ("LC_", "OPENBLAS_", "CUDA_", "TORCHINDUCTOR_", "XDG_", "STACKPICK_",
                      "NVIDIA_")
INHERITED = ("PATH", "HOME", "USER", "LANG", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH",
             "LD_LIBRARY_PATH", "CC", "CXX", "TERM", "XLA_FLAGS")
# Namespaces that belong to a threading, BLAS or compiler runtime and hold only its switches.
RECORDED_PREFIXES = ("OMP_", "GOMP_", "KMP_", "MKL_", "OPENBLAS_", "DNNL_", "ONEDNN_",
                     "XLA_", "JAX_", "TORCHINDUCTOR_")
# Single switches from namespaces shared with other tools (TF_ is Terraform's too).
RECORDED = frozenset({
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "TF_ENABLE_ONEDNN_OPTS",
    "TF_XLA_FLAGS", "TF_GPU_ALLOCATOR", "TF_FORCE_GPU_ALLOW_GROWTH", "TF_DETERMINISTIC_OPS",
    "TF_CUDNN_DETERMINISTIC", "TF_ENABLE_AUTO_MIXED_PRECISION", "TF_USE_LEGACY_KERAS",
    "KERAS_BACKEND", "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "CUDA_LAUNCH_BLOCKING",
    "CUDA_MODULE_LOADING", "NVIDIA_TF32_OVERRIDE", "PYTORCH_CUDA_ALLOC_CONF",
    "TORCH_CUDNN_V8_API_ENABLED", "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE", "LD_PRELOAD",
    "MALLOC_ARENA_MAX", "OPENBLAS_CORETYPE", "ORT_DISABLE_ALL_OPTIMIZATIONS",
})
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|SESSION"
                         r"|PRIVATE|(^|_)(API_?)?KEYS?($|_)|_PW($|_)|_VAR_", re.IGNORECASE)


def secret_looking(name: str) -> bool:
    """Whether a variable's name suggests it holds a credential (its value is never kept)."""
    return SECRET_NAME.search(name) is not None


def thread_variables(threads: int) -> dict[str, str]:
    """The same intra-op thread count, in every spelling the frameworks read at import."""
    n = str(threads)
    return {
        "OMP_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "TF_NUM_INTRAOP_THREADS": n,
        "TF_NUM_INTEROP_THREADS": "1",
        # No XLA flag sizes XLA:CPU's thread pool (it follows the CPU affinity mask, see
        # jax-ml/jax#1539), so the JAX backend pins its worker to N CPUs and reads it back.
    }


def worker_environment(threads: int, device: str,
                       extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a worker; ``extra`` comes from its backend and variant (e.g.
    ``KERAS_BACKEND=jax`` for ``keras:jax``: Keras reads it once, at its first import)."""
    env = {k: v for k, v in os.environ.items()
           if (k in INHERITED or k.startswith(INHERITED_PREFIXES)) and not secret_looking(k)}
    env.update(thread_variables(threads))
    env.update({
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",  # keep TensorFlow's start-up chatter out of error tails
        "KERAS_BACKEND": "tensorflow",
    })
    if device == "cpu":
        env["JAX_PLATFORMS"] = "cpu"  # do not probe for accelerators on a CPU study
    env[PARENT_PID_ENV] = str(os.getpid())  # the worker dies with this process
    env.update(extra or {})
    return env


def recorded_variables(env: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-listed variables that influence results, for the fingerprint; a secret-looking
    name is left out even there."""
    source = os.environ if env is None else env
    return {k: v for k, v in sorted(source.items())
            if (k in RECORDED or k.startswith(RECORDED_PREFIXES)) and not secret_looking(k)}
