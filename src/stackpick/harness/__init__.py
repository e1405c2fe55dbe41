"""Parent side: plans studies, starts and talks to worker processes, runs interleaved
rounds. Never imports a framework (import-linter checks it)."""
