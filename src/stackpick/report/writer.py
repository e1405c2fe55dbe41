"""Write a report directory: ``index.html``, ``report.md`` and ``results.json``.

An existing directory is never silently overwritten: it is refused unless ``force`` is given;
:func:`new_report_dir` picks a fresh timestamped name instead. Files are written to temporary
names and renamed (:mod:`stackpick.files`), so an interrupted write leaves no half-written
report behind, and a link planted in the directory is replaced, never written through.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from stackpick.analysis.run_view import RunView
from stackpick.errors import UserError
from stackpick.files import write_text
from stackpick.report.html import render_html
from stackpick.report.jsondoc import report_json
from stackpick.report.markdown import render_markdown

FILES = ("index.html", "report.md", "results.json")


def new_report_dir(parent: Path | str = ".", run_id: int | None = None,
                   now: datetime | None = None) -> Path:
    """A directory name under ``parent`` that does not exist yet:
    ``stackpick-report-<run>-<YYYYmmdd-HHMMSS>`` (with -2, -3... on a clash)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    run = f"run{run_id}-" if run_id is not None else ""
    base = Path(parent) / f"stackpick-report-{run}{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _prepare(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"report directory {out_dir} is a file; choose another --out")
    if out_dir.exists() and not force:
        raise UserError(f"report directory {out_dir} already exists; pass --force to overwrite "
                        "it, or choose another --out (default: a new timestamped directory)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create report directory {out_dir}: {exc.strerror}") from None




def write_report(results: RunView, out_dir: Path, force: bool = False) -> Path:
    """Render ``results`` (with the advice stored with the run, if any) into ``out_dir``;
    returns the path of ``index.html``.

    Raises :class:`UserError` when ``out_dir`` exists and ``force`` is false.
    """
    out_dir, advice = Path(out_dir), results.run.notes.advice
    # Render everything before touching the disk: a rendering bug leaves no directory behind.
    documents = {
        "index.html": render_html(results, advice),
        "report.md": render_markdown(results, advice),
        "results.json": json.dumps(report_json(results, advice), indent=2, default=str) + "\n",
    }
    _prepare(out_dir, force)
    for name in FILES:  # the directory was refused or forced above: its files are replaced
        write_text(out_dir / name, documents[name], "report file", force=True)
    return out_dir / "index.html"
