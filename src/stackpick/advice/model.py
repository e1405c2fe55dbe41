"""The advice records (defined in :mod:`stackpick.protocol.advice` so reports can read them)."""

from stackpick.protocol.advice import (
    SCHEMA,
    Advice,
    Caveat,
    Change,
    Contradiction,
    Eliminated,
    Fact,
    Flip,
    Ranked,
    Reason,
    Route,
    Score,
    Tie,
    Weight,
)

__all__ = ["SCHEMA", "Advice", "Caveat", "Change", "Contradiction", "Eliminated", "Fact",
           "Flip", "Ranked", "Reason", "Route", "Score", "Tie", "Weight"]
