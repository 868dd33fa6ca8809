"""`govaudit export`: the workspace's workbook, written in openpyxl's write-only mode."""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from lxml.etree import SerialisationError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.files import fsync_dir, temporary_beside
from govaudit.workbook import layout
from govaudit.workbook.content import WorkbookContent, workspace_content
from govaudit.workspace import Workspace


def default_path(workspace: Workspace) -> Path:
    """exports/<workspace name>-<evaluator>.xlsx"""
    name = safe_name(f"{workspace.name}-{workspace.evaluator}")
    return workspace.exports_dir / f"{name}.xlsx"


def export_workbook(workspace: Workspace, path: Path | None = None,
                    overwrite: bool = False, window: float | None = None) -> Path:
    """Write the workspace's workbook (default exports/<workspace>-<evaluator>.xlsx); its
    Monitoring sheet covers the last `window` seconds (default the monitor's 7 days)."""
    out = Path(path) if path is not None else default_path(workspace)
    content = workspace_content(workspace, window)
    write_workbook(content, out, overwrite)
    return out


def write_workbook(content: WorkbookContent, out: Path, overwrite: bool = False) -> Path:
    """Write `content` to `out` atomically: a refused or failed write leaves `out` as it was.

    An existing `out` is replaced only if govaudit wrote it and it holds only
    govaudit's sheets, or with `overwrite`.
    """
    from openpyxl import Workbook

    from govaudit.workbook.sheets import relative_link, write_content

    if out.suffix.lower() != ".xlsx":
        raise GovauditError(f"{out}: the workbook name must end in .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    check_not_open(out)
    if not overwrite and out.exists():
        check_replaceable(out)
    with replacing(out) as tmp:
        wb = Workbook(write_only=True)
        try:
            write_content(wb, content, relative_link(content.evidence_root, out.parent))
            tmp.write_bytes(workbook_bytes(wb))
        finally:
            _close_sheets(wb)
    return out


def _scratch_error(exc: SerialisationError) -> Exception:
    """lxml's 'IO_ENOSPC' while openpyxl writes sheets to its scratch files in the system
    temp folder (it does so for every sheet before zipping)."""
    code = getattr(errno, str(exc).removeprefix("IO_"), None)
    if not isinstance(code, int):
        return exc
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
        why = f"it holds sheets govaudit does not write ({', '.join(others)})"
    else:
        why = "govaudit did not write it" + (f" (sheets: {', '.join(sheets)})" if sheets else "")
    raise GovauditError(
        f"{out}: exists and {why}, so it was left as it is. To update only govaudit's "
        f"sheets inside a team workbook, use 'govaudit export --into {out}'; to replace the "
        "whole file, add --overwrite")


def lock_files(path: Path) -> list[Path]:
    """The owner files Excel, WPS and LibreOffice leave beside a workbook they have open."""
    name = path.name
    candidates = [path.with_name(f"~${name}"), path.with_name(f".~lock.{name}#")]
    return [c for c in candidates if c.exists()]


def check_not_open(path: Path) -> None:
    locks = lock_files(path)
    if locks:
        raise GovauditError(f"{path} looks open in Excel, WPS or LibreOffice ({locks[0].name} "
                            "is beside it): close it first (or delete the lock file if no one "
                            "has it open)")
