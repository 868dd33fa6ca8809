"""`govaudit export --into` and `export merge --into`: refresh govaudit's sheets inside the
team's own workbook, with this workspace's export or a merge.

The workbook is loaded with openpyxl, govaudit's sheets are replaced at the same
positions and the result is built in memory. What openpyxl would drop from the
team's own sheets (text boxes, shapes, cached formula results, slicers, macros, …;
see losses.py) is found by comparing the two files, and the update is refused
unless that loss is accepted. Then a whole backup of the previous file is made
(copied, fsynced, checked by size and SHA-256), the new file replaces the old one
atomically, and only the last few backups are kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from govaudit.errors import GovauditError, OptionError
from govaudit.i18n import _
from govaudit.workbook import layout
from govaudit.workbook.backups import KEEP_BACKUPS, make_backup, prune_backups
from govaudit.workbook.content import WorkbookContent
from govaudit.workbook.export import check_not_open, replacing, workbook_bytes
from govaudit.workbook.losses import CACHED, describe, losses
from govaudit.workbook.safety import ZipLimits, check_xlsx

# openpyxl holds a sheet's cells sparsely: no bound on a sheet's reach is needed here.
_LIMITS = ZipLimits(max_sheet_cells=None)


@dataclass
class IntoResult:
    path: Path
    backup: Path
    replaced: list[str]  # govaudit sheets that were there and were rewritten
    added: list[str]  # govaudit sheets new to the workbook
    removed: list[str]  # stale govaudit sheets (Conflicts/Agreement of an earlier merge)
    kept: list[str]  # the team's own sheets
    lost: list[str] = field(default_factory=list)  # what openpyxl dropped (accepted)
    pruned: list[Path] = field(default_factory=list)  # older backups removed


def check_target(path: Path, keep_backups: int = KEEP_BACKUPS) -> None:
    """Refuse, before any work, a workbook `--into` cannot update."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OptionError("into", _("{path}: only an .xlsx workbook can be updated").format(
            path=path))
    if keep_backups < 1:
        raise OptionError("keep_backups", _("must be at least 1: the backup of this update is "
                                            "always kept"))
    if not path.is_file():
        raise GovauditError(_("{path}: no such workbook").format(path=path),
                            hint="new_workbook", hint_args={"name": path.name})
    check_not_open(path)


def write_into(content: WorkbookContent, path: Path, *, accept_loss: bool = False,
               keep_backups: int = KEEP_BACKUPS) -> IntoResult:
    """Replace govaudit's sheets of the workbook `path` with `content` (an export's or a
    merge's): the same checks, loss rule and backups for both."""
    from openpyxl import load_workbook

    from govaudit.workbook.ingest import workbook_origin
    from govaudit.workbook.sheets import relative_link, write_content

    path = Path(path)
    check_target(path, keep_backups)
    check_xlsx(path, _LIMITS)
    try:
        wb = load_workbook(path, rich_text=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise GovauditError(_("{path}: cannot open the workbook ({error})").format(
            path=path, error=exc)) from None
    present = [name for name in wb.sheetnames if name in layout.SHEET_ORDER]
    if present and not workbook_origin(path)[1]:
        raise GovauditError(
            _(
                "{path}: has sheet(s) named {listed} but no govaudit About sheet, so they may be "
                "the team's own").format(path=path, listed=", ".join(present)),
            hint="into_again")
    positions = {name: wb.sheetnames.index(name) for name in present}
    for name in present:
        del wb[name]
    kept = list(wb.sheetnames)
    # Sheets are re-created in their usual order at their old indexes, so a workbook
    # that kept govaudit's sheets in that order gets every one back where it was.
    written = write_content(wb, content, relative_link(content.evidence_root, path.parent),
                            positions)
    data = workbook_bytes(wb)
    lost = losses(path, data, kept)
    if lost and not accept_loss:
        raise GovauditError(_loss_message(path, lost), hint="accept_loss")
    backup = make_backup(path)
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return IntoResult(path, backup, [n for n in written if n in present],
                      [n for n in written if n not in present],
                      [n for n in present if n not in written], kept, list(describe(lost)),
                      prune_backups(path, keep_backups))


def _loss_message(path: Path, lost: dict[str, Counter[str]]) -> str:
    lines = "\n".join(f"  {line}" for line in describe(lost))
    cached = ""
    if any(CACHED in counts for counts in lost.values()):
        cached = "\n" + _("Cached formula results: Excel and LibreOffice calculate them again "
                          "on opening, but programs that do not calculate (pandas, previews, "
                          "govaudit's own readers) see those cells empty.")
    return _("{path}: updating it would lose what openpyxl cannot keep:\n{lines}{cached}\n"
             "Nothing was changed.").format(path=path, lines=lines, cached=cached)
