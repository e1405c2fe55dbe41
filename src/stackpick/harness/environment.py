"""The explicit environment a worker starts with: thread variables are set before any import.

Inherited: what a process needs to run at all (PATH, HOME, locale, temp dir, the venv) and
settings that change numerics or compilers (OPENBLAS_*, CC/CXX, CUDA_*, TORCHINDUCTOR_*).
Everything thread-related is set here, identically for every backend.
"""

from __future__ import annotations

import os

INHERITED_PREFIXES = ("LC_", "OPENBLAS_", "CUDA_", "TORCHINDUCTOR_", "XDG_", "STACKPICK_",
                      "NVIDIA_")
INHERITED = ("PATH", "HOME", "USER", "LANG", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH",
             "LD_LIBRARY_PATH", "CC", "CXX", "TERM", "XLA_FLAGS")
RECORDED_PREFIXES = ("OMP_", "MKL_", "OPENBLAS_", "XLA_", "TF_", "JAX_", "CUDA_", "TORCH")


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
           if k in INHERITED or k.startswith(INHERITED_PREFIXES)}
    env.update(thread_variables(threads))
    env.update({
        "PYTHONHASHSEED": "0",
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",  # keep TensorFlow's start-up chatter out of error tails
        "KERAS_BACKEND": "tensorflow",
    })
    if device == "cpu":
        env["JAX_PLATFORMS"] = "cpu"  # do not probe for accelerators on a CPU study
    env.update(extra or {})
    return env


def recorded_variables(env: dict[str, str] | None = None) -> dict[str, str]:
    """Variables that influence results, for the fingerprint."""
    source = os.environ if env is None else env
    return {k: v for k, v in sorted(source.items()) if k.startswith(RECORDED_PREFIXES)}
