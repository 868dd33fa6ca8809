"""govaudit export: the workspace's workbook, merging teammates' workbooks, updating in place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit.i18n import N_, _

from .common import (
    GovauditGroup,
    GovauditTyper,
    JsonOption,
    MonitorWindowOption,
    WorkspaceOption,
    console,
    here,
    open_audit,
    print_json,
    print_notices,
    window_seconds,
)

if TYPE_CHECKING:
    from govaudit import ConflictRow, IntoResult, MergeResult, WrittenWorkbook

PrintOption = Annotated[Path | None, typer.Option(
    "--print", help=N_("Also write a copy to print to this .xlsx: the workbook's Summary, "
    "Problems, Scores, Agreement by indicator, Checklist, Monitoring and About (those it has), "
    "without the answer, evidence and conflict rows (which fill hundreds of pages for a team)."),
    show_default=False)]

app = GovauditTyper(
    cls=GovauditGroup,
    help=N_("Export the workspace's Excel workbook (Summary, Scores, Answers, Evidence, "
    "Checklist, About), or merge teammates' workbooks with 'export merge'."),
    invoke_without_command=True,
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

MERGE_HELP = N_("""Merge teammates' workbooks into one team workbook.

Answers are keyed by (site, question, evaluator). Two evaluators answering the
same question is double assessment: it feeds the Agreement sheet (percent
agreement and Krippendorff's alpha). One evaluator with different values in two
files is a conflict: --prefer latest (default) takes the latest answer, fail
refuses and writes nothing; every candidate is listed in Conflicts.

Summary and Scores use one consolidated answer per (site, question): people's
answers beat probe suggestions; if every evaluator gave the same value, that
value; if they disagree, the answer of --prefer evaluator:NAME when NAME
answered it, otherwise 'unknown' (the site stays incomplete until a reviewer
settles it), listed in Conflicts. Merging a file twice adds nothing and the
order of the files does not matter. Scores use this workspace's checklist;
outside a workspace, --checklist or the one the workbooks' About sheets name.

-o writes a new workbook; --into updates the team's own workbook in place, as
'export --into' does: govaudit's sheets, Conflicts and Agreement included, are
replaced, the team's other sheets kept, and the previous file kept as a backup.
""")



@app.callback()
def export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o",
            help=N_("Workbook to write (default exports/<workspace>-<evaluator>.xlsx)."),
        show_default=False)] = None,
    into: Annotated[Path | None, typer.Option(
        "--into", help=N_("Update govaudit's sheets inside this existing workbook, keeping every "
        "other sheet; the previous file is kept as a backup."), show_default=False)] = None,
    accept_loss: Annotated[bool, typer.Option(
        "--accept-loss", help=N_("With --into: update even though openpyxl drops some of the "
        "team's content (text boxes, cached formula results, …); it is listed first."))] = False,
    keep_backups: Annotated[int, typer.Option(
        "--keep-backups", help=N_("With --into: how many backups of the workbook to keep."))] = 5,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", "--force", help=N_("Replace an existing -o file even if govaudit did not "
        "write it (a team workbook: use --into instead)."))] = False,
    print_to: PrintOption = None,
    window: MonitorWindowOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export the workspace's workbook."""
    if ctx.invoked_subcommand is not None:
        return
    from govaudit.errors import ConflictError

    if output is not None and into is not None:
        raise ConflictError("out", "into")
    if print_to is not None and into is not None:
        raise ConflictError("into", "print_to")
    length = window_seconds(window)
    audit = open_audit(workspace)
    if into is not None:
        result = audit.export_into(here(into), accept_loss=accept_loss, keep_backups=keep_backups,
                                   window=length)
        _say_into(result, keep_backups)
        return
    written = audit.export(output and here(output), overwrite=overwrite, window=length,
                           print_to=print_to and here(print_to))
    console.print(_("Wrote {path}").format(path=written.path), markup=False)
    _say_backup(written.path, written.backup)
    if written.printed is not None:
        _say_printed(written.printed)


def _say_printed(printed: WrittenWorkbook) -> None:
    console.print(_("Wrote the copy to print {path}").format(path=printed.path), markup=False)
    _say_backup(printed.path, printed.backup)


def _say_backup(path: Path, backup: Path | None) -> None:
    if backup is not None:
        console.print(_(
            "{path} had been changed since govaudit wrote it: the previous file is kept as "
            "{backup}").format(path=path, backup=backup), markup=False)


def _say_into(result: IntoResult, keep_backups: int) -> None:
    """What an update in place did to the team's workbook."""
    console.print(_("Updated {path}: {listed}").format(
        path=result.path, listed=', '.join(result.replaced + result.added)),
                  markup=False)
    if result.removed:
        console.print(_("Removed stale sheets: {listed}").format(
            listed=', '.join(result.removed)), markup=False)
    console.print(_(
        "Kept the workbook's own sheets: {value}; previous file saved as {name}").format(
        value=', '.join(result.kept) or 'none', name=result.backup.name), markup=False)
    for line in result.lost:
        console.print(_("Lost (accepted with --accept-loss): {line}").format(
            line=line), markup=False)
    if result.pruned:
        console.print(_("Removed {count} older backup(s), keeping the last {keep_backups}").format(
            count=len(result.pruned), keep_backups=keep_backups), markup=False)


@app.command("merge", help=MERGE_HELP)
def merge(
    files: Annotated[list[Path], typer.Argument(help=N_("Teammates' workbooks (.xlsx)."))],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help=N_("The merged workbook to write."), show_default=False)] = None,
    into: Annotated[Path | None, typer.Option(
        "--into", help=N_("Instead of -o: update govaudit's sheets (Conflicts and Agreement "
        "too) inside the team's own workbook, keeping every other sheet; the previous file "
        "is kept as a backup."), show_default=False)] = None,
    prefer: Annotated[str, typer.Option(
        "--prefer", help=N_("latest | evaluator:NAME | fail (see above)."))] = "latest",
    force: Annotated[bool, typer.Option(
        "--force", help=N_("Read workbooks made from another checklist or version."))] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help=N_("Replace an existing -o file even if govaudit did not write it."))
    ] = False,
    accept_loss: Annotated[bool, typer.Option(
        "--accept-loss", help=N_("With --into: update even though openpyxl drops some of the "
        "team's content (text boxes, cached formula results, …); it is listed first."))] = False,
    keep_backups: Annotated[int, typer.Option(
        "--keep-backups", help=N_("With --into: how many backups of the workbook to keep."))] = 5,
    checklist: Annotated[str | None, typer.Option(
        "--checklist", help=N_("Outside a workspace: the checklist to score with (a built-in "
        "name or .yaml file), when the workbooks' About sheets name none or disagree."),
        show_default=False)] = None,
    print_to: PrintOption = None,
    workspace: WorkspaceOption = None,
    as_json: JsonOption = False,
) -> None:
    from govaudit import Audit

    result = Audit.merge_files([here(f) for f in files], output and here(output),
                               into=into and here(into), workspace=workspace,
                               checklist=checklist, prefer=prefer, force=force,
                               overwrite=overwrite, accept_loss=accept_loss,
                               keep_backups=keep_backups,
                               print_to=print_to and here(print_to))
    if as_json:
        print_json(_merge_json(result))
        return
    console.print(_(
        "Merged {files} workbook(s) into {path}: {sites} sites, {answers} answers by "
        "{value}").format(
        files=result.files, path=result.path, sites=result.sites, answers=result.answers,
        value=', '.join(result.evaluators) or _('nobody')),
                  markup=False)
    if result.into is not None:
        _say_into(result.into, keep_backups)
    else:
        _say_backup(result.path, result.backup)
    if result.printed is not None:
        _say_printed(result.printed)
    print_notices(result.notices, result.warnings)
    if result.unlinked:
        console.print(_(
            "{unlinked} evidence file(s) listed without a link: {unlinked_reason}").format(
            unlinked=result.unlinked, unlinked_reason=result.unlinked_reason), markup=False)
    _show_conflicts(result)
    units = {(r.answer.site, r.answer.question) for r in result.disagreements}
    if units:
        why = ""
        if result.unknown_disagreements:
            why = _(": in {unknown} of them an evaluator answered unknown, which the Agreement "
                    "sheet counts as missing, not as a disagreement; it counts the other "
                    "{counted}").format(unknown=result.unknown_disagreements,
                                        counted=len(units) - result.unknown_disagreements)
        console.print(_(
            "{count} question(s) where evaluators disagree (sheet Conflicts){why}").format(
            count=len(units), why=why), markup=False)
    if result.agreement is not None:
        agreement = result.agreement
        alpha = "n/a" if agreement.alpha is None else f"{agreement.alpha:.3f}"
        console.print(_(
            "Agreement over {units} doubly assessed answers on {sites} sites: {percent:.1%}, "
            "Krippendorff's alpha {alpha}").format(
            units=agreement.units, sites=agreement.sites, percent=agreement.percent,
            alpha=alpha), markup=False)


SHOWN_CONFLICTS = 20


def _merge_json(result: MergeResult) -> dict[str, Any]:
    """What `export merge --json` prints: the counts, every conflict and disagreement row,
    the agreement, and what --into did."""
    from dataclasses import asdict

    def rows(found: list[ConflictRow]) -> list[dict[str, Any]]:
        return [{"kind": r.kind, "outcome": r.outcome, "rule": r.rule, **r.answer.to_dict()}
                for r in found]

    into = result.into
    return {
        "path": str(result.path), "files": result.files, "sites": result.sites,
        "answers": result.answers, "evaluators": result.evaluators,
        "backup": str(result.backup) if result.backup else None,
        "printed": str(result.printed.path) if result.printed else None,
        "hyperlinks": result.hyperlinks, "unlinked": result.unlinked,
        "unlinked_reason": result.unlinked_reason,
        "notices": result.notices, "warnings": result.warnings,
        "conflicts": rows(result.conflicts), "disagreements": rows(result.disagreements),
        "unknown_disagreements": result.unknown_disagreements,
        "agreement": asdict(result.agreement) if result.agreement else None,
        "into": None if into is None else {
            "path": str(into.path), "backup": str(into.backup), "replaced": into.replaced,
            "added": into.added, "removed": into.removed, "kept": into.kept,
            "lost": into.lost, "pruned": [str(p) for p in into.pruned]},
    }


def _show_conflicts(result: MergeResult) -> None:
    """The first same-evaluator conflicts, every candidate of each; the count of the rest."""
    from rich.table import Table

    by_key: dict[tuple[str, str, str], list[ConflictRow]] = {}
    for row in result.conflicts:
        by_key.setdefault((row.answer.site, row.answer.question, row.answer.evaluator),
                          []).append(row)
    if not by_key:
        return
    from govaudit import china_time

    table = Table(_("site"), _("question"), _("evaluator"), _("value"), _("time"), _("outcome"),
                  title=_("{count} same-evaluator conflict(s) (sheet Conflicts)").format(
                      count=len(by_key)))
    for rows in list(by_key.values())[:SHOWN_CONFLICTS]:
        for row in rows:
            a = row.answer
            table.add_row(a.site, a.question, a.evaluator, str(a.value),
                          china_time(a.time, seconds=True), row.outcome)
    console.print(table)
    if len(by_key) > SHOWN_CONFLICTS:
        console.print(_(
            "… and {value} more conflict(s): every one is listed in the Conflicts sheet of "
            "{path}").format(
            value=len(by_key) - SHOWN_CONFLICTS, path=result.path), markup=False)
