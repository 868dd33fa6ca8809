"""One monitor per workspace: an exclusive lock on data/monitor.lock, holding the PID."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govaudit.errors import GovauditError
from govaudit.i18n import _

LOCK_NAME = "monitor.lock"


@contextmanager
def monitor_lock(data_dir: Path) -> Iterator[None]:
    """Hold the workspace's monitor lock; a second monitor is refused with the first's PID.

    The lock is the operating system's (fcntl, or msvcrt on Windows): it goes with the
    process, so a killed monitor never leaves a stale lock behind.
    """
    path = Path(data_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise GovauditError(_(
                "another monitor is running on this workspace (PID {holder}, lock {path}); stop "
                "it first, or let it do the visits").format(holder=holder, path=path))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
