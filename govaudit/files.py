"""Crash-safe file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# File systems whose files are views of the kernel's state (a process's environment, devices,
# settings), not files anyone took: never evidence.
PSEUDO_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs", "securityfs", "cgroup",
    "cgroup2", "pstore", "bpf", "configfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue",
    "binfmt_misc", "autofs", "selinuxfs", "rpc_pipefs", "nsfs", "devfs", "fdescfs", "procfs"})
_PSEUDO_FOLDERS = ("/proc", "/sys", "/dev")


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode `cp` gives a new file: 0666 less the umask (0644 where the umask is 022)."""
    return 0o666 & ~current_umask()


def _replacing_mode(path: Path) -> int:
    """As `cp`: an existing file keeps its mode, a new one gets the umask's."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return new_file_mode()


def temporary_beside(path: Path, suffix: str = ".tmp", mode: int | None = None) -> tuple[int, str]:
    """An open temporary file in `path`'s folder, with the mode the finished file gets:
    `mode`, or as `cp` gives it (mkstemp alone would make it 0600)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=suffix, dir=path.parent)
    try:
        os.fchmod(fd, _replacing_mode(path) if mode is None else mode)
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def write_beside(path: Path, data: bytes, mode: int | None = None) -> Path:
    """`data` in a new temporary file beside `path`, written and fsynced, for `os.replace`
    to put in place. On any failure it is removed, and an OSError names `path`."""
    return write_beside_with(path, lambda handle: handle.write(data), mode)


def write_beside_with(path: Path, write: Callable[[BinaryIO], object],
                      mode: int | None = None) -> Path:
    """write_beside of what `write(handle)` writes (a stream copied in chunks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(path, mode=mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a failed write() names no file
        raise
    return Path(tmp)


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data`: temporary file beside it, fsync, rename, fsync the folder.

    The file gets `mode`, or by default the mode `cp` would give it.
    On any failure the temporary file is removed and `path` is as it was.
    """
    atomic_write_with(path, lambda handle: handle.write(data), mode)


def atomic_write_with(path: Path, write: Callable[[BinaryIO], object],
                      mode: int | None = None) -> None:
    """atomic_write of what `write(handle)` writes (a stream copied in chunks); an error it
    raises leaves `path` as it was, and no temporary file."""
    tmp = write_beside_with(path, write, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_or_copy(source: Path, dest: Path) -> None:
    """Put `source` at `dest`: a hard link where the file system allows, else a copy with
    the mode `cp` gives. A `dest` already holding the same file (same inode, or same size
    and modification time after a copy) is left alone."""
    import shutil

    info = source.stat()
    try:
        there = dest.stat()
        if (there.st_ino, there.st_dev) == (info.st_ino, info.st_dev) or (
                there.st_size == info.st_size and there.st_mtime_ns == info.st_mtime_ns):
            return
    except OSError:
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name[:40]}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, new_file_mode())
            os.utime(tmp, ns=(info.st_atime_ns, info.st_mtime_ns))
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def pseudo_filesystem(fd: int, path: Path | str) -> str:
    """The kind of pseudo-file system (proc, sysfs, …) the open file `fd` lies on, or "".

    Read from the mount table by the file's device, so a link or a bind mount leading
    there is caught too; where there is no mount table to read, by where `path` leads.
    """
    device = os.fstat(fd).st_dev
    if sys.platform.startswith("linux"):
        try:
            table = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            table = ""
        wanted = f"{os.major(device)}:{os.minor(device)}"
        for line in table.splitlines():
            fields = line.split()
            if len(fields) > 3 and fields[2] == wanted and "-" in fields:
                kind = fields[fields.index("-") + 1]
                return kind if kind in PSEUDO_FILESYSTEMS else ""
    real = os.path.realpath(path)
    return next((folder.strip("/") for folder in _PSEUDO_FOLDERS
                 if real == folder or real.startswith(folder + "/")), "")

