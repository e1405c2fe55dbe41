"""Typed records that cross a process or the store: cells, worker messages, metrics,
conversion results, advice, and the materials files handed to workers."""
