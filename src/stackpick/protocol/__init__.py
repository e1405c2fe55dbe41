"""Typed records that cross a process boundary or the store (plain data, no framework)."""
