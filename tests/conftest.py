"""Shared fixtures. Tests never touch the user's real store: STACKPICK_DB points to tmp."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "stackpick.db"
    monkeypatch.setenv("STACKPICK_DB", str(db))
    # Five fresh processes per backend variant are the product's cold start; the machinery's
    # tests opt in where they check it (tests/integration/test_on_device.py).
    monkeypatch.setenv("STACKPICK_COLD_START_RUNS", "0")
    return db


class FakeClock:
    """A nanosecond clock that only moves when a fake call says so (no sleeping)."""

    def __init__(self, latencies: list[int] | None = None, default: int = 1_000) -> None:
        self.now = 0
        self.latencies = list(latencies or [])
        self.default = default
        self.calls = 0

    def __call__(self) -> int:
        return self.now

    def fn(self) -> None:
        self.calls += 1
        self.now += self.latencies.pop(0) if self.latencies else self.default


@pytest.fixture
def fake_clock() -> type[FakeClock]:
    return FakeClock
