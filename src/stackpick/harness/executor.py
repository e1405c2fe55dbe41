"""Local executor: one worker process per backend variant, started lazily, replaced after a crash.

A variant (``tensorflow:xla``) gets its own process so a crash in one cannot take the others'
state with it, and each process's memory belongs to one backend.

This is the boundary a cluster executor (e.g. Ray) would replace: it gets cells and returns
what the workers answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stackpick.harness.client import WorkerFailure, WorkerHandle
from stackpick.protocol.messages import Hello, HelloReply


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each kind of request before the worker is killed."""

    start: float = 180.0  # framework import + configure
    setup: float = 600.0  # build, export, first call (compile), parity, warm-up
    sample: float = 120.0  # on top of the round's own budget
    memory: float = 120.0


class LocalExecutor:
    def __init__(self, threads: int, device: str = "cpu", timeouts: Timeouts | None = None,
                 memory_limit_mb: int = 0) -> None:
        self.threads, self.device = threads, device
        self.timeouts = timeouts or Timeouts()
        self.memory_limit_mb = memory_limit_mb
        self.workers: dict[tuple[str, str], WorkerHandle] = {}
        self.hello: dict[tuple[str, str], HelloReply] = {}
        self.tmpdir: Path | None = None  # the study's run directory (run_plan sets it)

    def _spawn(self, backend: str, variant: str) -> WorkerHandle:
        """The variant's worker process, started now if it has none alive."""
        key = (backend, variant)
        handle = self.workers.get(key)
        if handle is None or not handle.alive:
            handle = WorkerHandle(backend, self.threads, self.device, self.memory_limit_mb,
                                  variant, self.tmpdir)
            self.workers[key] = handle
            self.hello.pop(key, None)
        return handle

    def worker(self, backend: str, variant: str) -> WorkerHandle:
        """A live worker for ``backend`` that has configured ``variant`` (threads set)."""
        key = (backend, variant)
        handle = self._spawn(backend, variant)
        if key not in self.hello:
            try:
                self.hello[key] = handle.call(Hello(variant), self.timeouts.start)
            except WorkerFailure:
                self.discard(backend, variant)
                raise
        return handle

    def prestart(self, keys: Iterable[tuple[str, str]]) -> None:
        """Start the workers of ``keys`` at once, so that their framework imports overlap
        (each thread waits on its own pipe; nothing is timed until all have answered). A
        worker that fails to start is left for :meth:`worker` to report on its cell."""
        missing = [k for k in keys if not self._started(k)]
        if len(missing) < 2:
            return
        # Started here, not in the pool: a worker's parent-death signal fires when the
        # *thread* that started it ends (prctl(2)), and the pool's threads end with the pool.
        for key in missing:
            self._spawn(*key)
        pool = ThreadPoolExecutor(len(missing))
        try:
            for future in [pool.submit(self._hello, k) for k in missing]:
                future.result()
        except BaseException:  # Ctrl-C while frameworks import: stop them, do not wait.
            for key in missing:  # Killed, not closed: each thread sees its pipe's end (a
                handle = self.workers.get(key)  # descriptor closed under a waiting select
                if handle is not None:  # would never wake it) and closes its own worker.
                    handle.kill()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _hello(self, key: tuple[str, str]) -> None:
        """In a pool thread: wait for a started worker's Hello (a failure is reported later,
        on its cell, by :meth:`worker`)."""
        handle = self.workers.get(key)
        if handle is None:
            return
        try:
            self.hello[key] = handle.call(Hello(key[1]), self.timeouts.start)
        except WorkerFailure:
            self.discard(*key)

    def _started(self, key: tuple[str, str]) -> bool:
        # ``hello`` outlives a closed worker (the cells of its pass still report its
        # threads and versions), so a live handle is what says the worker is there.
        handle = self.workers.get(key)
        return handle is not None and handle.alive and key in self.hello

    @contextmanager
    def scratch(self, backend: str, variant: str) -> Iterator[WorkerHandle]:
        """A fresh worker outside the pool, closed afterwards: for one-off steps (a user
        model's reference and conversions) whose memory must not count against a timed cell."""
        handle = WorkerHandle(backend, self.threads, self.device, self.memory_limit_mb, variant,
                              self.tmpdir)
        try:
            handle.call(Hello(variant), self.timeouts.start)
            yield handle
        finally:
            handle.close()

    def info(self, backend: str, variant: str) -> HelloReply:
        """What the variant's worker said at start (an empty reply if it has none yet)."""
        return self.hello.get((backend, variant)) or HelloReply()

    def discard(self, backend: str, variant: str) -> None:
        """Kill a worker whose state cannot be trusted any more (crash, timeout)."""
        handle = self.workers.pop((backend, variant), None)
        if handle is not None:
            handle.kill()
            handle.close()

    def close(self) -> None:
        """Close every worker at once: a framework's interpreter exit takes up to a second
        or two (TensorFlow), and one after the other that was ~6 s per pass of the study."""
        handles = [self.workers.pop(key) for key in list(self.workers)]
        if len(handles) < 2:
            for handle in handles:
                handle.close()
            return
        with ThreadPoolExecutor(len(handles)) as pool:
            list(pool.map(WorkerHandle.close, handles))
