"""Backups of a workbook about to be replaced: whole copies beside it, the last few kept.

`export --into` makes one before every update; `export -o` and `export merge -o` make one
before replacing a file that is no longer byte for byte what govaudit wrote (edited or
saved by hand since). One rule for both: `<name>.backup-<UTC time>.xlsx`, copied, fsynced
and checked, and only the last KEEP_BACKUPS kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from pathlib import Path

from govaudit.errors import GovauditError
from govaudit.files import fsync_dir, temporary_beside
from govaudit.i18n import _

KEEP_BACKUPS = 5


def backup_path(path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.backup-{stamp}-{counter}{path.suffix}")
        counter += 1
    return candidate


def _digest(path: Path) -> tuple[str, int]:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest(), os.fstat(handle.fileno()).st_size


def make_backup(path: Path) -> Path:
    """A whole copy of `path` beside it: copied, fsynced, checked by size and SHA-256.

    The copy is made under a temporary name and only then renamed to the backup's name,
    so a kill in the middle never leaves a partial file that looks like a backup. If the
    copy cannot be made whole (a full disk, a failing write), it is removed and
    GovauditError says so; `path` is never touched.
    """
    backup = backup_path(path)
    expected = _digest(path)
    fd, name = temporary_beside(backup, suffix=".tmp")
    tmp = Path(name)
    try:
        with path.open("rb") as source, os.fdopen(fd, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
            target.flush()
            os.fsync(target.fileno())
        shutil.copystat(path, tmp)
        copied = _digest(tmp)
        if copied == expected:
            os.replace(tmp, backup)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise GovauditError(_(
            "{path}: cannot make a whole backup {name} ({error}); the workbook was not "
            "changed").format(path=path, name=backup.name, error=exc.strerror or exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
    if copied != expected:
        raise GovauditError(_(
            "{path}: cannot make a whole backup {name} (the copy has {copied:,} bytes and "
            "another SHA-256 than the original's {expected:,}); the workbook was not "
            "changed").format(path=path, name=backup.name, copied=copied[1], expected=expected[1]))
    fsync_dir(path.parent)
    return backup


def backups(path: Path) -> list[Path]:
    """The backups `export --into` made of `path`, oldest first."""
    pattern = re.compile(rf"{re.escape(path.stem)}\.backup-(\d{{8}}T\d{{6}}Z)(?:-(\d+))?"
                         rf"{re.escape(path.suffix)}")
    found: list[tuple[str, int, Path]] = []
    for candidate in path.parent.iterdir():
        match = pattern.fullmatch(candidate.name)
        if match and candidate.is_file():
            found.append((match.group(1), int(match.group(2) or 0), candidate))
    return [p for _stamp, _n, p in sorted(found)]


def prune_backups(path: Path, keep: int) -> list[Path]:
    """Remove all but the last `keep` backups of `path`; returns the removed ones."""
    old = backups(path)[:-keep]
    for backup in old:
        backup.unlink(missing_ok=True)
    return old
