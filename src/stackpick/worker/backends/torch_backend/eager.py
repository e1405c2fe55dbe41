"""``torch``: PyTorch eager. Inference under ``inference_mode``; training with autograd and SGD.

Loaded only in worker processes. Subclasses (``torch-compile``) override :meth:`_wrap`, which
turns the eager forward (inference) or loss (training) into what is actually run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch._dynamo  # optimizers import it lazily (~1 s): count that as import, not build
import torch.nn.functional as F
from torch import nn

from stackpick.protocol.extras import Extras
from stackpick.protocol.messages import Configured
from stackpick.worker.backends.base import Backend, Job, ModelJob, Prepared, Unsupported
from stackpick.worker.backends.torch_backend import models as torch_models
from stackpick.workloads.transforms import TRANSFORM_TASKS


def set_torch_threads(threads: int) -> dict[str, int]:
    """Apply the intra-op count (and one inter-op thread) torch's way; return what torch reports.

    ``set_num_interop_threads`` may be called only once per process, before any inter-op work;
    a second backend configured in the same worker finds it already set, which is fine.
    """
    torch.set_num_threads(threads)
    with contextlib.suppress(RuntimeError):
        torch.set_num_interop_threads(1)
    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


def use_ieee_fp32() -> None:
    """Full float32 on CUDA: cuDNN convolutions default to TF32, which is another precision
    (about 1e-3 relative) than the float32 every other backend computes, and fails parity."""
    torch.backends.cuda.matmul.fp32_precision = "ieee"
    torch.backends.cudnn.conv.fp32_precision = "ieee"


class TorchEagerBackend(Backend):
    """PyTorch eager on CPU or CUDA."""

    def configure(self) -> Configured:
        threads = set_torch_threads(self.threads)
        device = self._check_device()
        return Configured({"torch": torch.__version__}, dict(threads), device)

    def _check_device(self) -> str:
        """Raise :class:`Unsupported` when the device is not visible; else describe it."""
        if self.device == "cpu":
            return "cpu"
        if self.device == "cuda":
            if not torch.cuda.is_available():
                raise Unsupported("no CUDA device visible to torch")
            use_ieee_fp32()
            return f"cuda: {torch.cuda.get_device_name()} (fp32 matmul/conv: ieee, no TF32)"
        raise Unsupported(f"torch backend does not know device {self.device!r}")

    # -- hooks for subclasses ----------------------------------------------------------------
    def _wrap(self, fn: Callable[..., torch.Tensor], task: str) -> Callable[..., torch.Tensor]:
        """What runs the forward (inference) or the loss (training); eager runs it as is."""
        return fn

    def _extras(self) -> Extras:
        """Notes for the report, made in ``prepare``."""
        return Extras()

    def _annotate(self, extras: Extras) -> None:
        """Add what is known only after the first calls; runs in ``fetch``, outside the clock."""

    # -- cells ------------------------------------------------------------------------------
    def prepare(self, job: Job) -> Prepared:
        if job.task in TRANSFORM_TASKS:  # torch.func against a naive loop (variant "loop")
            from stackpick.worker.backends.torch_backend import transforms

            return transforms.prepare(job, self.variant, self.device, self._sync())
        model = torch_models.build_model(job.workload, job.weights).to(self.device)
        x = torch_models.input_tensor(job.workload, job.inputs, device=self.device)
        if job.task == "training":
            return self._prepare_training(job, model, x)
        return self._prepare_inference(model, (x,))

    def prepare_model(self, job: ModelJob) -> Prepared:
        """A user's module (inference): built by its factory in this worker, fed the shared
        inputs; several outputs are compared one by one."""
        from stackpick.usermodel.spec import ModelSpec
        from stackpick.worker.backends.torch_backend import user_model as user_torch

        loaded = user_torch.load(ModelSpec.from_dict(job.model), state=job.artifacts.get("state"))
        args = user_torch.tensors(job.inputs, self.device)
        return self._prepare_inference(loaded.module.to(self.device), args,
                                       user_torch.host_outputs)

    def _sync(self) -> Callable[[], None]:
        # CPU ops are synchronous; CUDA kernels are queued, so the clock must wait for them.
        return torch.cuda.synchronize if self.device == "cuda" else lambda: None

    def _prepare_inference(self, model: nn.Module, args: tuple[torch.Tensor, ...],
                           to_host: Callable[[Any], Any] | None = None) -> Prepared:
        forward, sync = self._wrap(model, "inference"), self._sync()

        def call() -> Any:
            with torch.inference_mode():
                out = forward(*args)
            sync()
            return out

        extras = self._extras()

        def fetch() -> Any:
            self._annotate(extras)
            out = call()
            return to_host(out) if to_host else out.float().cpu().numpy()

        return Prepared(call=call, fetch=fetch, extras=extras)

    def _prepare_training(self, job: Job, model: nn.Module, x: torch.Tensor) -> Prepared:
        if job.labels is None:
            raise ValueError("a training cell needs labels")
        y = torch.from_numpy(np.ascontiguousarray(job.labels)).to(torch.int64).to(self.device)
        model.train()  # BatchNorm stays in inference form (FrozenBatchNorm2d), by the spec
        names = job.workload.trainable()
        opt = torch.optim.SGD(model.parameters(), lr=job.train.learning_rate,
                              momentum=job.train.momentum)

        def loss_of(inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(model(inputs), labels)  # mean over the batch

        loss_fn, sync = self._wrap(loss_of, "training"), self._sync()

        def call() -> None:
            opt.zero_grad(set_to_none=True)
            loss_fn(x, y).backward()
            opt.step()
            sync()

        extras = self._extras()

        def fetch() -> dict[str, np.ndarray]:
            self._annotate(extras)
            return torch_models.to_canonical(model, job.workload, names)

        return Prepared(call=call, fetch=fetch, extras=extras)

    # -- device memory ----------------------------------------------------------------------
    def device_memory(self) -> dict[str, int] | None:
        if self.device != "cuda":
            return None
        return {"peak_allocated_bytes": torch.cuda.max_memory_allocated(),
                "peak_reserved_bytes": torch.cuda.max_memory_reserved()}

    def reset_device_memory(self) -> None:
        if self.device == "cuda":
            torch.cuda.reset_peak_memory_stats()
