"""``fake``: scripted latencies and failures, for tests of the machinery only."""
