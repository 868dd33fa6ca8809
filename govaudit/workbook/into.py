"""`govaudit export --into`: refresh govaudit's sheets inside the team's own workbook.

The workbook is loaded with openpyxl (which keeps other sheets' values, styles,
images, charts, data validations, conditional formats and defined names;
shapes, form controls and slicers are not kept by openpyxl), govaudit's sheets
are replaced at the same positions, the previous file is copied to a backup,
and the new file replaces it atomically.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from govaudit.errors import GovauditError
from govaudit.workbook import layout
from govaudit.workbook.content import GENERATOR, workspace_content
from govaudit.workbook.export import check_not_open, replacing, save_into
from govaudit.workbook.safety import check_xlsx
from govaudit.workspace import Workspace


@dataclass
class IntoResult:
    path: Path
    backup: Path
    replaced: list[str]  # govaudit sheets that were there and were rewritten
    added: list[str]  # govaudit sheets new to the workbook
    removed: list[str]  # stale govaudit sheets (Conflicts/Agreement of an earlier merge)
    kept: list[str]  # the team's own sheets, untouched


def _is_ours(wb: object) -> bool:
    """Whether the workbook's About sheet says govaudit wrote it."""
    if layout.ABOUT not in wb.sheetnames:  # type: ignore[attr-defined]
        return False
    about = wb[layout.ABOUT]  # type: ignore[index]
    for row in about.iter_rows(min_row=1, max_row=40, max_col=3, values_only=True):
        if len(row) >= 3 and row[1] == "generator" and row[2] == GENERATOR:
            return True
    return False


def backup_path(path: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.backup-{stamp}-{counter}{path.suffix}")
        counter += 1
    return candidate


def export_into(workspace: Workspace, path: Path) -> IntoResult:
    """Replace govaudit's sheets of an existing workbook with this workspace's export."""
    from openpyxl import load_workbook

    from govaudit.workbook.sheets import relative_link, write_content

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise GovauditError(f"{path}: --into updates an .xlsx workbook")
    if not path.is_file():
        raise GovauditError(f"{path}: no such workbook (create one with 'govaudit export -o "
                            f"{path.name}')")
    check_not_open(path)
    check_xlsx(path)
    try:
        wb = load_workbook(path, rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise GovauditError(f"{path}: cannot open the workbook ({exc})") from None
    present = [name for name in wb.sheetnames if name in layout.SHEET_ORDER]
    if present and not _is_ours(wb):
        raise GovauditError(
            f"{path}: has sheet(s) named {', '.join(present)} but no govaudit About sheet, so "
            "they may be the team's own: rename them, then run --into again")
    content = workspace_content(workspace)
    positions = {name: wb.sheetnames.index(name) for name in present}
    for name in present:
        del wb[name]
    kept = list(wb.sheetnames)
    # Sheets are re-created in their usual order at their old indexes, so a workbook
    # that kept govaudit's sheets in that order gets every one back where it was.
    written = write_content(wb, content, relative_link(content.evidence_root, path.parent),
                            positions)
    backup = backup_path(path)
    shutil.copy2(path, backup)
    with replacing(path) as tmp:
        save_into(wb, tmp)
    return IntoResult(path, backup, [n for n in written if n in present],
                      [n for n in written if n not in present],
                      [n for n in present if n not in written], kept)
