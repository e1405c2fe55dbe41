"""One temporary directory per study for everything it writes: the groups' arrays, cold-start
artifacts, and (as the workers' TMPDIR) whatever the workers and their frameworks write there
(browser profiles, TensorFlow's autograph files).

It is removed on every way out that runs Python code: success, an error, Ctrl-C, and SIGTERM
or SIGHUP (the command line turns those into an interrupt). A parent killed by SIGKILL cannot
clean up, so a small reaper process waits on a pipe from it and removes the directory when the
pipe closes (its workers die with it, see worker/lifeline.py). Should the reaper be killed too,
the directory names its owner (pid and start time), and the next study removes directories
whose owner is gone.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from stackpick.store.owner import Owner

PREFIX = "stackpick-run-"
OWNER_FILE = "owner"
# Runs in a bare interpreter (-I -S: about 10 ms to start): the read returns when the parent
# closes the pipe or dies; the pause lets workers dying with it stop writing into the directory.
REAPER = ("import shutil, sys, time; sys.stdin.buffer.read(); time.sleep(0.5); "
          "shutil.rmtree(sys.argv[1], ignore_errors=True)")


def _owner_of(path: Path) -> Owner | None:
    try:
        pid, started, host = (path / OWNER_FILE).read_text(encoding="utf-8").split("\n")[:3]
        return Owner(int(pid), float(started), host)
    except (OSError, ValueError):
        return None


def sweep(parent: Path | None = None) -> list[Path]:
    """Remove the run directories whose owner is gone; returns them."""
    root = Path(parent or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for path in root.glob(f"{PREFIX}*"):
            owner = _owner_of(path)
            if path.is_dir() and not path.is_symlink() and owner is not None \
                    and not owner.alive():
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


@contextlib.contextmanager
def run_directory(parent: Path | None = None) -> Iterator[Path]:
    """A fresh directory for one study, removed when the study ends however it ends."""
    sweep(parent)
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    reaper = None
    try:
        me = Owner.me()
        (path / OWNER_FILE).write_text(f"{me.pid}\n{me.started!r}\n{me.host}\n",
                                       encoding="utf-8")
        reaper = subprocess.Popen([sys.executable, "-I", "-S", "-c", REAPER, str(path)],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if reaper is not None:  # its work is done: it need not wait on the pipe
            reaper.kill()
            reaper.wait()
            if reaper.stdin is not None:
                reaper.stdin.close()
