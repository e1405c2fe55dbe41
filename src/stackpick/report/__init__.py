"""Rendering of stored runs: terminal tables, Markdown, HTML, JSON."""
