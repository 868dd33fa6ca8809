"""A consistent copy of a workspace, also while it is in use: `govaudit backup DEST`.

A plain copy of the folder can catch a file half written, an answer saved in one site's
file and not yet in another's, and above all a `data/monitor.sqlite` without its `-wal`,
where every sample lives until SQLite's next checkpoint: such a copy may have no tables
at all. A backup holds, in a new folder or a .zip:

- `govaudit.toml` and the other files beside it (a copied checklist, rule and column tables);
- `data/`, copied under the workspace lock, so that no save of answers, sites, recorded
  pages or evidence records is half in it (a journal of an interrupted batch goes with it,
  and is finished when the copy is opened);
- `data/monitor.sqlite` through SQLite's backup API: every sample committed before the
  backup began, the WAL folded in, one file that needs no `-wal`;
- `evidence/`: the files there while the lock is held (a capture writes its files before
  its record, and never rewrites them, so every record in the copy has its files).

Left out: `exports/` (export and report make its files again), lock and temporary files,
and `data/credentials.json` (the passwords of sites behind a login) unless asked for. The
folder or zip appears under its name only when it is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.credentials import FILE_NAME as CREDENTIALS_NAME
from govaudit.errors import GovauditError
from govaudit.files import current_umask, fsync_dir, temporary_beside
from govaudit.i18n import _
from govaudit.monitor.db import FILE_NAME as MONITOR_NAME
from govaudit.monitor.db import MonitorDB
from govaudit.monitor.lock import LOCK_NAME as MONITOR_LOCK

if TYPE_CHECKING:
    from govaudit.store import Store

# data/ files that are not data: locks, and the monitor's database with its companions
# (copied through SQLite instead)
NOT_COPIED = {".lock", MONITOR_LOCK, *(MONITOR_NAME + end for end in ("", "-wal", "-shm",
                                                                     "-journal"))}
# already compressed: stored in a zip as they are
STORED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".wacz", ".zip", ".gz", ".xlsx"}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    bytes: int
    visits: int | None  # monitoring visits in the copy; None without a monitor database
    credentials: bool  # data/credentials.json is in the copy
    credentials_left_out: bool  # the workspace has one, and it was left out


def _temporary(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def _walk(root: Path, folder: Path) -> Iterator[tuple[Path, str]]:
    """Regular files below `folder` (no links followed), with their names inside `root`."""
    for here, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(here, name)
            if not _temporary(name) and not path.is_symlink() and path.is_file():
                yield path, path.relative_to(root).as_posix()


def _check_destination(root: Path, exports_dir: Path, dest: Path) -> None:
    if dest.exists() or dest.is_symlink():
        raise GovauditError(_(
            "{dest}: already exists; a backup never replaces a file or folder: name a new "
            "one").format(dest=dest))
    inside = dest.resolve().is_relative_to(root.resolve())
    if inside and not dest.resolve().is_relative_to(exports_dir.resolve()):
        raise GovauditError(_(
            "{dest}: inside the workspace, the backup would be copied into the next one; name a "
            "place outside it (or under exports/)").format(dest=dest))


class _Folder:
    """A new folder, written under a temporary name and renamed when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name[:40]}.", suffix=".tmp",
                                         dir=dest.parent))

    def scratch(self, name: str) -> Path:
        target = self.tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def add(self, source: Path, name: str) -> int:
        target = self.scratch(name)
        with source.open("rb") as src, target.open("xb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        shutil.copystat(source, target)
        return target.stat().st_size

    def added(self, path: Path, name: str) -> int:
        return path.stat().st_size  # written in place by scratch()

    def finish(self) -> None:
        for here, _dirs, _files in os.walk(self.tmp):
            fsync_dir(Path(here))
        if self.dest.exists():
            raise GovauditError(_(
                "{dest}: appeared while the backup was written; the backup is left in "
                "{tmp}").format(dest=self.dest, tmp=self.tmp))
        self.tmp.chmod(0o777 & ~current_umask())  # as mkdir makes it (mkdtemp: 0700)
        os.rename(self.tmp, self.dest)
        fsync_dir(self.dest.parent)

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class _Zip:
    """A new zip, written under a temporary name and renamed when complete."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        fd, tmp = temporary_beside(dest)
        self.tmp = Path(tmp)
        self.file = os.fdopen(fd, "wb")
        self.zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                                   strict_timestamps=False)
        self.work = Path(tempfile.mkdtemp(prefix=".govaudit-backup.", suffix=".tmp",
                                          dir=dest.parent))

    def scratch(self, name: str) -> Path:
        return self.work / Path(name).name

    def add(self, source: Path, name: str) -> int:
        kind = zipfile.ZIP_STORED if source.suffix.lower() in STORED else zipfile.ZIP_DEFLATED
        self.zip.write(source, name, compress_type=kind)
        return self.zip.getinfo(name).file_size

    def added(self, path: Path, name: str) -> int:
        size = self.add(path, name)
        path.unlink()
        return size

    def finish(self) -> None:
        self.zip.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        shutil.rmtree(self.work, ignore_errors=True)
        if self.dest.exists():
            raise GovauditError(_(
                "{dest}: appeared while the backup was written; the backup is left in "
                "{tmp}").format(dest=self.dest, tmp=self.tmp))
        os.replace(self.tmp, self.dest)
        fsync_dir(self.dest.parent)

    def abort(self) -> None:
        self.zip.close()
        self.file.close()
        self.tmp.unlink(missing_ok=True)
        shutil.rmtree(self.work, ignore_errors=True)


def backup_workspace(store: Store, evidence_dir: Path, exports_dir: Path, dest: Path,
                     credentials: bool = False) -> BackupResult:
    """Copy the workspace of `store` into `dest`, a new folder or a new file ending in .zip:
    its files, the store's data folder (under the store's lock) and `evidence_dir`."""
    root, data_dir = store.folder.root, store.root
    dest = Path(os.path.abspath(dest))
    _check_destination(root, exports_dir, dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    sink: _Folder | _Zip = _Zip(dest) if dest.suffix.lower() == ".zip" else _Folder(dest)
    files, size = 0, 0
    secrets = data_dir / CREDENTIALS_NAME
    try:
        visits = None
        if (data_dir / MONITOR_NAME).is_file():
            name = f"data/{MONITOR_NAME}"
            with MonitorDB.for_workspace(data_dir) as db:
                visits = db.copy_to(sink.scratch(name))
            size += sink.added(sink.scratch(name), name)
            files += 1
        with store.lock():
            for path in sorted(root.iterdir()):
                if path.is_file() and not path.is_symlink() and not _temporary(path.name):
                    size += sink.add(path, path.name)
                    files += 1
            for path, name in _walk(root, data_dir):
                if name.removeprefix("data/") in NOT_COPIED or (
                        path == secrets and not credentials):
                    continue
                size += sink.add(path, name)
                files += 1
            evidence = list(_walk(root, evidence_dir))
        for path, name in evidence:
            try:
                size += sink.add(path, name)
            except FileNotFoundError:
                continue  # removed since: its record, if any, was not in the copied store
            files += 1
        sink.finish()
    except BaseException:
        sink.abort()
        raise
    return BackupResult(dest, files, size, visits, credentials and secrets.is_file(),
                        not credentials and secrets.is_file())
