"""`govaudit export`: the workspace's workbook, written in openpyxl's write-only mode."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.workbook.content import WorkbookContent, workspace_content
from govaudit.workspace import Workspace


def default_path(workspace: Workspace) -> Path:
    """exports/<workspace name>-<evaluator>.xlsx"""
    name = safe_name(f"{workspace.name}-{workspace.evaluator}")
    return workspace.exports_dir / f"{name}.xlsx"


def export_workbook(workspace: Workspace, path: Path | None = None) -> Path:
    """Write the workspace's workbook (default exports/<workspace>-<evaluator>.xlsx)."""
    out = Path(path) if path is not None else default_path(workspace)
    content = workspace_content(workspace)
    write_workbook(content, out)
    return out


def write_workbook(content: WorkbookContent, out: Path) -> Path:
    """Write `content` to `out` atomically: a refused or failed write leaves `out` as it was."""
    from openpyxl import Workbook

    from govaudit.workbook.sheets import relative_link, write_content

    if out.suffix.lower() != ".xlsx":
        raise GovauditError(f"{out}: the workbook name must end in .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    check_not_open(out)
    wb = Workbook(write_only=True)
    write_content(wb, content, relative_link(content.evidence_root, out.parent))
    save_atomically(wb, out)
    return out


def save_atomically(wb: Any, out: Path, unchanged_note: str = "") -> None:
    """Save beside `out`, then rename over it: `out` is never half written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GovauditError(f"{out}: cannot write the workbook ({exc}){unchanged_note}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
