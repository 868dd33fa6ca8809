"""`govaudit export`: the workspace's workbook, written in openpyxl's write-only mode."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml.etree import SerialisationError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from govaudit.errors import GovauditError, OptionError
from govaudit.filenames import safe_name
from govaudit.files import fsync_dir, temporary_beside
from govaudit.i18n import _
from govaudit.workbook import layout
from govaudit.workbook.backups import KEEP_BACKUPS, make_backup, prune_backups
from govaudit.workbook.content import WorkbookContent

# The zip comment of every workbook govaudit writes whole: the SHA-256 of the file as
# written (with an empty comment). Any later change, or a save by another program
# (which does not keep the comment), makes the file differ from it.
SIGNATURE = b"govaudit sha256:"
_END = b"PK\x05\x06"  # the zip's end-of-directory record, 22 bytes and the comment
_SIGNED_COMMENT = len(SIGNATURE) + 64


@dataclass(frozen=True)
class WrittenWorkbook:
    """A workbook written, and the backup kept of the file it replaced (None: there was
    none, or it was still exactly what govaudit wrote)."""

    path: Path
    backup: Path | None = None
    printed: WrittenWorkbook | None = None  # the copy to print, when one was asked for

    def __fspath__(self) -> str:
        return str(self.path)


def default_path(exports_dir: Path, workspace: str, evaluator: str) -> Path:
    """exports/<workspace name>-<evaluator>.xlsx"""
    return exports_dir / f"{safe_name(f'{workspace}-{evaluator}')}.xlsx"


def write_workbook(content: WorkbookContent, out: Path, overwrite: bool = False) -> Path:
    """Write `content` to `out` (see save_workbook); the path written."""
    return save_workbook(content, out, overwrite).path


def save_workbook(content: WorkbookContent, out: Path,
                  overwrite: bool = False) -> WrittenWorkbook:
    """Write `content` to `out` atomically: a refused or failed write leaves `out` as it was.

    An existing `out` is replaced only if govaudit wrote it and it holds only
    govaudit's sheets, or with `overwrite`; if it is no longer byte for byte what
    govaudit wrote (edited by hand, saved by another program), a whole backup of it is
    kept beside it first (backups.make_backup, the last KEEP_BACKUPS).
    """
    from openpyxl import Workbook

    from govaudit.workbook.sheets import relative_link, write_content

    check_writable(out, overwrite)
    replaced = out.exists()
    backup = None
    with replacing(out) as tmp:
        wb = Workbook(write_only=True)
        try:
            # a write-only sheet streams its rows to a scratch file as they come
            write_content(wb, content, relative_link(content.evidence_root, out.parent))
            data = signed(workbook_bytes(wb))
        except SerialisationError as exc:
            raise _scratch_error(exc) from None
        finally:
            _close_sheets(wb)
        if replaced and not as_written(out):
            backup = make_backup(out)
        tmp.write_bytes(data)
    if backup is not None:
        prune_backups(out, KEEP_BACKUPS)
    return WrittenWorkbook(out, backup)


def check_writable(out: Path, overwrite: bool = False) -> None:
    """Refuse, before any work, a workbook name save_workbook would not write."""
    if out.suffix.lower() != ".xlsx":
        raise GovauditError(_("{out}: the workbook name must end in .xlsx").format(
            out=out))
    out.parent.mkdir(parents=True, exist_ok=True)
    check_not_open(out)
    if out.exists() and not overwrite:
        check_replaceable(out)


def check_print_copy(print_to: Path | None, out: Path | None, overwrite: bool = False) -> None:
    """Refuse a copy to print that would replace the workbook itself, or not be written."""
    if print_to is None:
        return
    if out is not None and print_to.resolve() == out.resolve():
        raise OptionError("print_to", _(
            "{path}: the copy to print needs a name of its own, not the workbook's").format(
            path=print_to))
    check_writable(print_to, overwrite)


def save_print_copy(content: WorkbookContent, out: Path,
                    overwrite: bool = False) -> WrittenWorkbook:
    """Write the copy of `content` to print (content.print_copy) to `out`."""
    from govaudit.workbook.content import print_copy

    return save_workbook(print_copy(content), out, overwrite)


def signed(data: bytes) -> bytes:
    """A zip (without a comment) with SIGNATURE and its SHA-256 as its comment."""
    if data[-22:-18] != _END or data[-2:] != b"\0\0":
        return data
    digest = hashlib.sha256(data).hexdigest().encode()
    return data[:-2] + _SIGNED_COMMENT.to_bytes(2, "little") + SIGNATURE + digest


def as_written(path: Path) -> bool:
    """Whether `path` is byte for byte a workbook govaudit wrote (its signature holds)."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 22 + _SIGNED_COMMENT:
                return False
            handle.seek(size - 22 - _SIGNED_COMMENT)
            end = handle.read()
            if end[:4] != _END or end[20:22] != _SIGNED_COMMENT.to_bytes(2, "little") \
                    or not end[22:].startswith(SIGNATURE):
                return False
            handle.seek(0)
            digest = hashlib.sha256()
            left = size - _SIGNED_COMMENT - 2
            while left > 0 and (block := handle.read(min(left, 1 << 20))):
                digest.update(block)
                left -= len(block)
            digest.update(b"\0\0")
    except OSError:
        return False
    return digest.hexdigest().encode() == end[22 + len(SIGNATURE):]


def _scratch_error(exc: SerialisationError) -> Exception:
    """lxml's 'IO_ENOSPC' while openpyxl writes sheets to its scratch files in the system
    temp folder (it does so for every sheet before zipping)."""
    code = getattr(errno, str(exc).removeprefix("IO_"), None)
    if not isinstance(code, int):
        unchanged: Exception = exc
        return unchanged
    return OSError(code, os.strerror(code), tempfile.gettempdir())


def workbook_bytes(wb: Any) -> bytes:
    """`wb` saved in memory: a failed file write then leaves no half-written zip open."""
    buffer = io.BytesIO()
    try:
        wb.save(buffer)
    except SerialisationError as exc:
        raise _scratch_error(exc) from None
    return buffer.getvalue()


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary file beside `out` that replaces it (fsync, rename) when the block succeeds.

    The temporary file is made first, so an unwritable folder fails before any work;
    on any error it is removed and `out` is left as it was.
    """
    fd, name = temporary_beside(out, suffix=".xlsx.tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(out)  # a failed write() names no file: name the workbook
        raise
    fsync_dir(out.parent)


def _close_sheets(wb: Any) -> None:
    """Finish write-only sheets a failed save left open, so nothing complains at exit."""
    for ws in getattr(wb, "_sheets", []):
        if isinstance(ws, WriteOnlyWorksheet) and not ws.closed:
            with suppress(Exception):
                ws.close()


def check_replaceable(out: Path) -> None:
    """Refuse to replace a file govaudit did not write, or a team workbook holding its sheets."""
    from govaudit.workbook.ingest import workbook_origin

    sheets, ours = workbook_origin(out)
    others = [name for name in sheets if name not in layout.SHEET_ORDER]
    if ours and not others:
        return
    if ours:
        why = _("it holds sheets govaudit does not write ({sheets})").format(
            sheets=", ".join(others))
    elif sheets:
        why = _("govaudit did not write it (sheets: {sheets})").format(sheets=", ".join(sheets))
    else:
        why = _("govaudit did not write it")
    raise GovauditError(_("{out}: exists and {why}, so it was left as it is").format(
        out=out, why=why), hint="export_into", hint_args={"path": out})


def lock_files(path: Path) -> list[Path]:
    """The owner files Excel, WPS and LibreOffice leave beside a workbook they have open."""
    name = path.name
    candidates = [path.with_name(f"~${name}"), path.with_name(f".~lock.{name}#")]
    return [c for c in candidates if c.exists()]


def check_not_open(path: Path) -> None:
    locks = lock_files(path)
    if locks:
        raise GovauditError(_(
            "{path} looks open in Excel, WPS or LibreOffice ({name} is beside it): close it "
            "first (or delete the lock file if no one has it open)").format(
            path=path, name=locks[0].name))
