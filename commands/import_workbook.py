"""govaudit import: bring a teammate's workbook answers into this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_

from .common import WorkspaceOption, console, here, open_audit, print_notices

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
    workspace: WorkspaceOption = None,
) -> None:
    result = open_audit(workspace).import_workbook(here(path), force=force,
                                                  add_sites=add_sites)
    console.print(f"Imported {result.rows} answers from {result.path} "
                  f"({', '.join(result.evaluators) or 'nobody'}): {result.new} new, "
                  f"{result.updated} updated, {result.unchanged} unchanged, "
                  f"{result.kept} kept (this workspace's answer is newer)", markup=False)
    if result.sites_added:
        console.print(f"Added {len(result.sites_added)} site(s): "
                      f"{', '.join(result.sites_added)}", markup=False)
    print_notices(result.notices, result.warnings)
