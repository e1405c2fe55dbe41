"""Measurement: cells and plans, worker processes, timing, statistics, memory, fingerprint."""
