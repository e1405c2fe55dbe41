"""Parent side of the worker protocol: start, ask with a timeout, kill on hang.

The parent blocks in ``selectors.select`` on the worker's pipe with a timeout; it never
spin-waits (a spinning parent would steal a core from the timed worker).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TypeVar

from stackpick.harness.environment import worker_environment
from stackpick.protocol import messages
from stackpick.protocol.scratch import RUN_DIR_ENV

R = TypeVar("R")


class WorkerFailure(Exception):
    """A request did not succeed. ``status`` is the cell status it maps to."""

    status = "error"

    def __init__(self, message: str, tail: str = "") -> None:
        super().__init__(message)
        self.tail = tail


class WorkerCrashed(WorkerFailure):
    status = "crash"


class WorkerTimeout(WorkerFailure):
    status = "timeout"


class WorkerError(WorkerFailure):
    status = "error"


class WorkerUnsupported(WorkerFailure):
    status = "unsupported"


class WorkerOutOfMemory(WorkerFailure):
    status = "oom"


class WorkerUnavailable(WorkerFailure):
    status = "unavailable"


class WorkerExportFailed(WorkerFailure):
    status = "fail_export"


FAILURE_KINDS: dict[str, type[WorkerFailure]] = {
    "unsupported": WorkerUnsupported, "oom": WorkerOutOfMemory, "error": WorkerError,
    "unavailable": WorkerUnavailable,
    "fail_export": WorkerExportFailed,
}


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (possibly the kernel's out-of-memory killer)" if name == "SIGKILL" else ""
        return f"worker killed by {name}{hint}"
    return f"worker exited with code {code}"


def _variant_env(backend: str, variant: str) -> dict[str, str]:
    from stackpick.registry import all_specs

    spec = all_specs().get(backend)
    return spec.worker_env(variant) if spec else {}


class WorkerHandle:
    """One worker process for one backend."""

    def __init__(self, backend: str, threads: int, device: str = "cpu",
                 memory_limit_mb: int = 0, variant: str = "default",
                 run_dir: Path | None = None) -> None:
        self.backend, self.threads, self.device = backend, threads, device
        # A file, not a pipe: a chatty worker can never block on a full stderr pipe.
        self._stderr = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in close()
        argv = [sys.executable, "-m", "stackpick.worker", "--backend", backend,
                "--threads", str(threads), "--device", device]
        if memory_limit_mb:
            argv += ["--memory-limit-mb", str(memory_limit_mb)]
        extra = dict(_variant_env(backend, variant))
        if run_dir is not None:  # the worker's own temporary files go with the study's
            extra[RUN_DIR_ENV] = str(run_dir)
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env=worker_environment(threads, device, extra),
            start_new_session=True,
        )
        self._buffer = b""
        self._next_id = 0
        self._selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, limit: int = 2000) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.flush()
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - limit))
        return self._stderr.read().decode("utf-8", "replace").strip()

    def call(self, request: messages.Request[R], timeout: float) -> R:
        """Send a request record (:mod:`stackpick.protocol.messages`) and return its typed
        reply, waiting up to ``timeout`` seconds."""
        result = self.request(request.OP, timeout, **messages.encode(request))
        reply: R = messages.decode(result, messages.REPLIES[type(request)])
        return reply

    def request(self, op: str, timeout: float, **fields: Any) -> dict[str, Any]:
        """Send one request as plain fields and wait up to ``timeout`` seconds for its
        answer (:meth:`call` is the typed form)."""
        self._next_id += 1
        msg = json.dumps({"id": self._next_id, "op": op, **fields}) + "\n"
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(msg.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._raise_crash()
        answer = self._read_line(timeout, op)
        if answer.get("ok"):
            return answer["result"]
        cls = FAILURE_KINDS.get(answer.get("kind", "error"), WorkerError)
        raise cls(answer.get("error", "unknown error"), answer.get("trace", ""))

    def _read_line(self, timeout: float, op: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                self.kill()
                raise WorkerTimeout(f"no answer to {op!r} within {timeout:.0f} s; worker killed",
                                    self.stderr_tail())
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self._raise_crash()
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def _raise_crash(self) -> None:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        raise WorkerCrashed(describe_exit(code), self.stderr_tail())

    def kill(self) -> None:
        # The whole process group, even when the worker itself is gone: its children
        # (e.g. inductor's compile workers) must not outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def close(self) -> None:
        if self._stderr.closed:
            return
        if self.alive:
            with contextlib.suppress(WorkerFailure):
                self.request("bye", timeout=5)
        if self.alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self.kill()  # what the worker started (inductor's compile pool) goes with it
        self._selector.close()
        self._stderr.close()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                # A dead worker leaves unread input: nothing to flush to.
                with contextlib.suppress(OSError):
                    pipe.close()
