"""One timed turn of a cell, repeated when another process held the cores it needed.

With as many intra-op threads as cores, a process that takes one core for part of a turn
stalls every parallel region of the timed backend at its barrier: another job on this 2-core
machine made torch's median 84-625 µs instead of 52 µs for whole runs. The worker reports how
long its threads waited, runnable, for a CPU during the turn (``SampleReply.wait_s``, Linux's
per-thread run delay). Some backends wait on themselves (TensorFlow's oneDNN and Eigen pools
together hold more runnable threads than there are cores: 20-60% of a turn here), so a turn
counts as disturbed when its share exceeds twice the cell's usual share (the median over its
turns so far) plus 10% of the turn. Such a turn is run again, at most ``repeats`` times, and
the last attempt is kept either way; the counts go into the cell's warnings, so a result
measured on a busy machine says so.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from stackpick.harness.stopping import StopRule
from stackpick.protocol.messages import Sample, SampleReply

# Undisturbed turns of torch or ONNX Runtime here: the threads wait 0-0.3% of the turn
# (median 0.1%); with another process on a core: 20-130%.
MAX_WAIT_SHARE = 0.10
REPEATS = 2


@dataclass
class TurnCounts:
    """Per cell: turns repeated, turns kept although still disturbed, and the share of each
    turn its threads waited for a CPU (the cell's usual share is their median)."""

    repeated: int = 0
    disturbed: int = 0
    shares: list[float] = field(default_factory=list)

    def usual(self) -> float:
        return statistics.median(self.shares) if self.shares else 0.0

    def note(self, reply: SampleReply) -> float | None:
        """Record the turn's wait share (None where the OS does not report it)."""
        if reply.wait_s is None or reply.turn_s <= 0:
            return None
        share = reply.wait_s / reply.turn_s
        self.shares.append(share)
        return share

    def warnings(self) -> list[str]:
        out = []
        if self.repeated:
            out.append(f"{self.repeated} timed turns repeated: other processes held the CPU "
                       f"(this worker's threads waited for a core well beyond their usual "
                       f"{self.usual():.0%} of a turn)")
        if self.disturbed:
            out.append(f"{self.disturbed} timed turns kept although other processes held the "
                       f"CPU after {REPEATS} repeats: close other programs and rerun")
        return out


def disturbed(reply: SampleReply, counts: TurnCounts) -> bool:
    """Whether the turn's threads waited for a CPU well beyond the cell's usual share
    (False where the OS does not report it). Records the share."""
    usual = counts.usual()
    share = counts.note(reply)
    return share is not None and share > 2 * usual + MAX_WAIT_SHARE


def timed_turn(ask: Callable[[], SampleReply], counts: TurnCounts,
               repeats: int = REPEATS) -> SampleReply:
    """``ask`` for a turn; again while it was disturbed, up to ``repeats`` more times."""
    reply = ask()
    for _ in range(repeats):
        if not disturbed(reply, counts):
            return reply
        counts.repeated += 1
        reply = ask()
    counts.disturbed += disturbed(reply, counts)
    return reply


class _Asks(Protocol):
    def call(self, request: Sample, timeout: float) -> SampleReply: ...


def take_turn(handle: _Asks, key: str, rule: StopRule, timeout_s: float,
              counts: TurnCounts | None, record: bool = True) -> SampleReply:
    """One turn of cell ``key`` by the rule's budget; the worker then waits for its threads
    to stop spinning (``rule.quiet_s``). A recorded turn that was disturbed is repeated; an
    unrecorded settling turn is taken as it comes."""
    budget = rule.round_budget_s()
    request = Sample(key, budget, rule.max_samples, quiet_s=rule.quiet_s)
    timeout = timeout_s + budget + rule.quiet_s
    if counts is None or not record:
        reply = handle.call(request, timeout)
        if counts is not None:
            counts.note(reply)  # a settling turn still tells the cell's usual share
        return reply
    return timed_turn(lambda: handle.call(request, timeout), counts)
