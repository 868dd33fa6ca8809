"""govaudit sites: add, import and list the sites assigned to this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOption, WorkspaceOption, console, here, new_app, open_audit, print_json

app = new_app("Add, import, edit, remove and list the sites to assess.")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Site name, e.g. 成都市.")],
    url: Annotated[str, typer.Argument(help="Home page URL.")],
    level: Annotated[str, typer.Option(
        "--level", "-l", help="province/city/county/… (or 省/市/县).")] = "",
    region: Annotated[str, typer.Option(help="Region (地区).")] = "",
    group: Annotated[str, typer.Option(help="Group (分组).")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Add one site."""
    notes: list[str] = []
    site = open_audit(workspace).sites.add(name, url, level, region=region, group=group,
                                           notes=notes)
    for note in notes:
        console.print(f"{'warning' if note.startswith('group ') else 'note'}: {note}",
                      markup=False)
    console.print(f"Added {site.name} ({site.level}) {site.url}", markup=False)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or XLSX with name, url, level.")],
    sheet: Annotated[str | None, typer.Option(
        "--sheet", help="Read only this sheet (default: every sheet with a header row).")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Apply the changes to the sites already here (else only shown).")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List every site added and every URL completed with http://, "
        "not only their counts.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Import or update sites from a list; any bad row rejects the whole file.

    Into a workspace that has sites, the changes (added, changed, unchanged,
    missing from the file) are shown and applied only with --yes. Sites missing
    from the file stay; remove them with 'govaudit sites remove'.
    """
    plan = open_audit(workspace).sites.import_file(here(path), sheet, apply=yes)
    if verbose or len(plan.notes) == 1:
        for note in plan.notes:
            console.print(f"note: {note}", markup=False)
    elif plan.notes:
        console.print(f"note: {len(plan.notes)} URLs typed without a scheme were read with "
                      f"http:// (the first: {plan.notes[0]}); --verbose lists each",
                      markup=False)
    for warning in plan.warnings:
        console.print(f"warning: {warning}", markup=False, style="yellow")
    # a list under review shows what it would add; once applied, the count says it
    for site in plan.added if verbose or not plan.applied else ():
        console.print(f"+ {site.name} ({site.level}) {site.url}", markup=False)
    for change in plan.changed:
        what = ", ".join(f"{f} {getattr(change.old, f) or '-'} -> {getattr(change.new, f) or '-'}"
                         for f in change.fields)
        console.print(f"~ {change.new.name}: {what}", markup=False)
    for site in plan.missing:
        console.print(f"? {site.name}: in the workspace, not in {path}", markup=False)
    counts = (f"{len(plan.added)} added, {len(plan.changed)} changed, "
              f"{len(plan.unchanged)} unchanged, {len(plan.missing)} missing from the file")
    if plan.applied:
        console.print(f"Imported sites from {path}: {counts}", markup=False)
    elif plan.has_changes:
        console.print(f"Nothing changed yet ({counts}); run again with --yes to apply.",
                      markup=False)
    else:
        console.print(f"Nothing to change ({counts}).", markup=False)


@app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(help="The site's name.")],
    url: Annotated[str | None, typer.Option("--url", help="New home page URL.")] = None,
    level: Annotated[str | None, typer.Option(
        "--level", "-l", help="New level: province/city/county/… (or 省/市/县).")] = None,
    group: Annotated[str | None, typer.Option(
        "--group", help="New ranking group (分组); '' for the level's.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Change a site's URL, level or ranking group."""
    change = open_audit(workspace).sites.edit(name, url=url, level=level, group=group)
    if not change.fields:
        console.print(f"{name}: nothing to change", markup=False)
    for field in change.fields:
        console.print(f"{name}: {field} {getattr(change.old, field) or '-'} -> "
                      f"{getattr(change.new, field) or '-'}", markup=False)


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The site's name.")],
    with_answers: Annotated[bool, typer.Option(
        "--with-answers", help="Remove it although it has answers (they are archived).")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Take a site off the list (refused while it has answers, unless --with-answers)."""
    removed = open_audit(workspace).sites.remove(name, with_answers=with_answers)
    console.print(f"Removed {removed.site.name}", markup=False)
    if removed.archive:
        console.print(f"Its {removed.answers} answer(s) are kept in {removed.archive}",
                      markup=False)


@app.command("list")
def list_(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """List the workspace's sites."""
    from rich.table import Table

    sites = open_audit(workspace).sites.all()
    if json:
        print_json({"sites": [s.to_dict() for s in sites]})
        return
    table = Table("名称 site", "级别 level", "网址 url", "地区 region", "分组 group")
    for s in sites:
        table.add_row(s.name, s.level, s.url, s.region, s.group)
    console.print(table)
