"""Where a study's wall time goes: seconds spent waiting on each kind of worker request
(Hello, Setup, Sample, Memory, Release), by backend, plus starting and closing the workers.

    .venv/bin/python benchmarks/study_profile.py run --defaults --db /tmp/p.db --out /tmp/p

Arguments are those of `stackpick`. Requests answered in prestart threads overlap, so the
Hello total can exceed the prestart wall time.
"""

from __future__ import annotations

import atexit
import collections
import sys
import time
from typing import Any

from stackpick.harness import client, executor

TOTALS: dict[tuple[str, str], float] = collections.defaultdict(float)
COUNTS: collections.Counter[tuple[str, str]] = collections.Counter()
START = time.perf_counter()


def _timed(kind: Any, fn: Any) -> Any:
    def wrapper(self: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(self, *args)
        finally:
            name = kind(self, *args)
            TOTALS[name] += time.perf_counter() - t0
            COUNTS[name] += 1
    return wrapper


def _report() -> None:
    print(f"wall {time.perf_counter() - START:.1f} s", file=sys.stderr)
    kinds: dict[str, float] = collections.defaultdict(float)
    for (kind, backend), seconds in sorted(TOTALS.items(), key=lambda kv: -kv[1]):
        kinds[kind] += seconds
        print(f"  {kind:10s} {backend:16s} {seconds:7.1f} s  n={COUNTS[kind, backend]}",
              file=sys.stderr)
    for kind, seconds in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"{kind:10s} {seconds:7.1f} s", file=sys.stderr)


def main() -> int:
    client.WorkerHandle.call = _timed(  # type: ignore[method-assign]
        lambda h, req, _t: (type(req).__name__, h.backend), client.WorkerHandle.call)
    executor.LocalExecutor.prestart = _timed(  # type: ignore[method-assign]
        lambda *_: ("prestart", "all"), executor.LocalExecutor.prestart)
    executor.LocalExecutor.close = _timed(  # type: ignore[method-assign]
        lambda *_: ("close", "all"), executor.LocalExecutor.close)
    atexit.register(_report)
    from stackpick.cli import main as stackpick

    return stackpick(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
