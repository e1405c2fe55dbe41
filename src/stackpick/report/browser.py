"""The browser target's own numbers, for the report: what a page must download and how long
it takes from page load to the first correct output (from the browser cells' extras)."""

from __future__ import annotations

from typing import Any

from stackpick.analysis.run_view import RunView
from stackpick.report.format import size_bytes

HEADERS = ["group", "backend", "runtime (.js + .wasm)", "model", "page load to first output",
           "runtime + model load", "Chromium RSS"]
NUMERIC = (2, 3, 4, 5, 6)
INTRO = ("Measured in headless Chromium on this machine's CPU (see docs/browser.md): the "
         "runtime files the page loaded, the model it fetched, and the time from navigation "
         "start to the first output, which passed parity.")


def _ms(value: Any) -> str:
    return f"{value:,.0f} ms" if isinstance(value, int | float) else "-"


def browser_rows(res: RunView) -> list[list[str]]:
    """One row per measured browser cell ([] when the run has none)."""
    rows = []
    for g in res.groups:
        for c in g.cells:
            extras = c.metrics.extras
            if c.status != "ok" or extras.runtime_bundle_bytes is None:
                continue
            rows.append([g.key, c.label, size_bytes(extras.runtime_bundle_bytes),
                         size_bytes(extras.model_bytes),
                         _ms(extras.page_load_to_first_output_ms), _ms(extras.page_init_ms),
                         size_bytes(extras.browser_rss_bytes)])
    return rows
