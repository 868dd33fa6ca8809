"""govaudit import: bring a teammate's workbook answers into this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import WorkspaceOption, console, here, open_audit, print_notices


def import_workbook(
    path: Annotated[Path, typer.Argument(
        help="A govaudit workbook (.xlsx) with an Answers sheet.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Read a workbook made from another checklist or version.")] = False,
    add_sites: Annotated[bool, typer.Option(
        "--add-sites", help="Add the workbook's sites that are not in this workspace.")] = False,
    blind: Annotated[bool, typer.Option(
        "--blind", help="Leave out the other evaluators' answers, their reviews and the "
        "adjudications (always so in a blind workspace).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import a workbook's answers; any bad row refuses the file.

    Sites not in this workspace are listed and the file refused, unless
    --add-sites is given.

    An answer already stored for the same site, question and evaluator is
    replaced only by a newer one, and keeps the older value in its history.
    """
    result = open_audit(workspace).import_workbook(here(path), force=force,
                                                  add_sites=add_sites, blind=blind)
    console.print(f"Imported {result.rows} answers from {result.path} "
                  f"({', '.join(result.evaluators) or 'nobody'}): {result.new} new, "
                  f"{result.updated} updated, {result.unchanged} unchanged, "
                  f"{result.kept} kept (this workspace's answer is newer)", markup=False)
    if result.reviews or result.adjudications:
        console.print(f"Imported {result.reviews} review(s) and {result.adjudications} "
                      "adjudication(s)", markup=False)
    if result.withheld:
        console.print(f"Left out {result.withheld} answer(s) by other evaluators (blind "
                      "assessment)", markup=False)
    if result.sites_added:
        console.print(f"Added {len(result.sites_added)} site(s): "
                      f"{', '.join(result.sites_added)}", markup=False)
    print_notices(result.notices, result.warnings)
