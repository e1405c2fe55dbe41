"""Writing an output file the user named (``--json FILE``, report files, ``profile init``).

Whole or not at all: the text goes to a new temporary file beside the target (created
exclusively, so a planted link cannot redirect it) and is renamed over the target, which
replaces a symbolic link at that name rather than writing through it. An existing target is
refused unless ``force`` is given. Every failure (a directory in the way, a full disk, a
read-only place) is one clear line; the temporary file never stays behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from stackpick.errors import UserError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: Path, flag: str, force: bool) -> None:
    """Refuse a target that is a directory, or exists without ``force`` (before any work)."""
    if path.is_dir() and not path.is_symlink():
        raise UserError(f"{flag} {path} is a directory; give a file name")
    if (path.exists() or path.is_symlink()) and not force:
        raise UserError(f"{flag} {path} already exists; pass --force to replace it, or give "
                        "another file name")


def write_text(path: Path, text: str, flag: str, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically (see the module's docstring)."""
    path = Path(path)
    check_target(path, flag, force)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                   dir=path.parent if str(path.parent) else ".")
        os.fchmod(fd, 0o666 & ~_umask())  # as a plain open() would (mkstemp makes it 0600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise UserError(f"cannot write {flag} {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
