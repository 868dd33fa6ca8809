"""govaudit import: bring a teammate's workbook answers into this workspace."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import (
    JsonOption,
    WorkspaceOption,
    console,
    here,
    open_audit,
    print_json,
    print_notices,
)

HELP = N_("Import a workbook's answers; any bad row refuses the file.\n"
          "\n"
          "Sites not in this workspace are listed and the file refused, unless\n"
          "--add-sites is given.\n"
          "\n"
          "An answer already stored for the same site, question and evaluator is\n"
          "replaced only by a newer one, and keeps the older value in its "
          "history.")


def import_workbook(
    path: Annotated[Path, typer.Argument(
        help=N_("A govaudit workbook (.xlsx) with an Answers sheet."))],
    force: Annotated[bool, typer.Option(
        "--force", help=N_("Read a workbook made from another checklist or version."))] = False,
    add_sites: Annotated[bool, typer.Option(
        "--add-sites",
            help=N_("Add the workbook's sites that are not in this workspace."))] = False,
    blind: Annotated[bool, typer.Option(
        "--blind", help=N_("Leave out the other evaluators' answers, their reviews and the "
                           "adjudications (always so in a blind workspace)."))] = False,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    result = open_audit(workspace).import_workbook(here(path), force=force,
                                                  add_sites=add_sites, blind=blind)
    if json:
        print_json({**dataclasses.asdict(result), "path": str(result.path)})
        return
    console.print(_(
        "Imported {rows} answers from {path} ({value}): {new} new, {updated} updated, "
        "{unchanged} unchanged, {kept} kept (this workspace's answer is newer)").format(
        rows=result.rows, path=result.path, value=", ".join(result.evaluators) or _("nobody"),
        new=result.new, updated=result.updated, unchanged=result.unchanged, kept=result.kept),
        markup=False)
    if result.reviews or result.adjudications:
        console.print(_("Imported {reviews} review(s) and {adjudications} adjudication(s)")
                      .format(reviews=result.reviews, adjudications=result.adjudications),
                      markup=False)
    if result.withheld:
        console.print(_("Left out {count} answer(s) by other evaluators (blind assessment)")
                      .format(count=result.withheld), markup=False)
    if result.sites_added:
        console.print(_("Added {count} site(s): {listed}").format(
            count=len(result.sites_added), listed=', '.join(result.sites_added)), markup=False)
    print_notices(result.notices, result.warnings)
