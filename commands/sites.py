"""govaudit sites: add, import and list the sites assigned to this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit import glossary, readable_url
from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, here, new_app, open_audit, print_json

app = new_app(N_("Add, import, edit, remove and list the sites to assess."))


@app.command("add",
             help=N_("Add one site."))
def add(
    name: Annotated[str, typer.Argument(help=N_("Site name, e.g. 成都市."))],
    url: Annotated[str, typer.Argument(help=N_("Home page URL."))],
    level: Annotated[str, typer.Option(
        "--level", "-l", help=N_("province/city/county/… (or 省/市/县)."))] = "",
    region: Annotated[str, typer.Option(help=N_("Region (地区)."))] = "",
    group: Annotated[str, typer.Option(help=N_("Group (分组)."))] = "",
    workspace: WorkspaceOption = None,
) -> None:
    notes: list[str] = []
    warnings: list[str] = []
    site = open_audit(workspace).sites.add(name, url, level, region=region, group=group,
                                           notes=notes, warnings=warnings)
    for note in notes:
        console.print(_("note: {notice}").format(notice=note), markup=False)
    for warning in warnings:
        console.print(_("warning: {warning}").format(warning=warning), markup=False)
    console.print(_("Added {name} ({level}) {url}").format(
        name=site.name, level=glossary.level(site.level), url=readable_url(site.url)), markup=False)


@app.command("import",
             help=N_("Import or update sites from a list; any bad row rejects the whole "
                     "file.\n"
                     "\n"
                     "Into a workspace that has sites, the changes (added, changed, "
                     "unchanged,\n"
                     "missing from the file) are shown and applied only with --yes. Sites "
                     "missing\n"
                     "from the file stay; remove them with 'govaudit sites remove'."))
def import_(
    path: Annotated[Path, typer.Argument(
        help=N_("CSV (UTF-8/GBK) or XLSX with name, url, level."))],
    sheet: Annotated[str | None, typer.Option(
        "--sheet",
            help=N_("Read only this sheet (default: every sheet with a header row)."))] = None,
    yes: Annotated[bool, typer.Option(
        "--yes",
            help=N_("Apply the changes to the sites already here (else only shown)."))] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help=N_("List every site added and every URL completed with http://, "
        "not only their counts."))] = False,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    plan = open_audit(workspace).sites.import_file(here(path), sheet, apply=yes)
    if json:
        print_json({
            "path": str(path), "applied": plan.applied,
            "added": [s.to_dict() for s in plan.added],
            "changed": [{"name": c.new.name, "fields": {
                f: [getattr(c.old, f), getattr(c.new, f)] for f in c.fields}}
                for c in plan.changed],
            "unchanged": [s.name for s in plan.unchanged],
            "missing": [s.name for s in plan.missing],
            "notes": list(plan.notes), "warnings": list(plan.warnings)})
        return
    if verbose or len(plan.notes) == 1:
        for note in plan.notes:
            console.print(_("note: {notice}").format(notice=note), markup=False)
    elif plan.notes:
        console.print(_("note: {count} URLs typed without a scheme were read with http:// "
                        "(the first: {first}); --verbose lists each").format(
                          count=len(plan.notes), first=plan.notes[0]), markup=False)
    for warning in plan.warnings:
        console.print(_("warning: {warning}").format(warning=warning), markup=False,
                      style="yellow")
    # a list under review shows what it would add; once applied, the count says it
    for site in plan.added if verbose or not plan.applied else ():
        console.print(_("+ {name} ({level}) {url}").format(
            name=site.name, level=glossary.level(site.level), url=readable_url(site.url)),
            markup=False)
    for change in plan.changed:
        what = ", ".join(f"{f} {getattr(change.old, f) or '-'} -> {getattr(change.new, f) or '-'}"
                         for f in change.fields)
        console.print(_("~ {name}: {what}").format(name=change.new.name, what=what), markup=False)
    for site in plan.missing:
        console.print(_("? {name}: in the workspace, not in {path}").format(
            name=site.name, path=path), markup=False)
    counts = _("{added} added, {changed} changed, {unchanged} unchanged, {missing} missing "
               "from the file").format(added=len(plan.added), changed=len(plan.changed),
                                       unchanged=len(plan.unchanged),
                                       missing=len(plan.missing))
    if plan.applied:
        console.print(_("Imported sites from {path}: {counts}").format(path=path, counts=counts),
                      markup=False)
    elif plan.has_changes:
        console.print(_("Nothing changed yet ({counts}); run again with --yes to apply.").format(
            counts=counts), markup=False)
    else:
        console.print(_("Nothing to change ({counts}).").format(counts=counts), markup=False)


@app.command("edit",
             help=N_("Change a site's URL, level or ranking group."))
def edit(
    name: Annotated[str, typer.Argument(help=N_("The site's name."))],
    url: Annotated[str | None, typer.Option("--url", help=N_("New home page URL."))] = None,
    level: Annotated[str | None, typer.Option(
        "--level", "-l", help=N_("New level: province/city/county/… (or 省/市/县)."))] = None,
    group: Annotated[str | None, typer.Option(
        "--group", help=N_("New ranking group (分组); '' for the level's."))] = None,
    workspace: WorkspaceOption = None,
) -> None:
    change = open_audit(workspace).sites.edit(name, url=url, level=level, group=group)
    if not change.fields:
        console.print(_("{name}: nothing to change").format(name=name), markup=False)
    for field in change.fields:
        console.print(_("{name}: {field} {value} -> {value2}").format(
            name=name, field=field, value=getattr(change.old, field) or '-',
            value2=getattr(change.new, field) or '-'), markup=False)


@app.command("remove",
             help=N_("Take a site off the list (refused while it has answers, unless "
                     "--with-answers)."))
def remove(
    name: Annotated[str, typer.Argument(help=N_("The site's name."))],
    with_answers: Annotated[bool, typer.Option(
        "--with-answers",
            help=N_("Remove it although it has answers (they are archived)."))] = False,
    workspace: WorkspaceOption = None,
) -> None:
    removed = open_audit(workspace).sites.remove(name, with_answers=with_answers)
    console.print(_("Removed {name}").format(name=removed.site.name), markup=False)
    if removed.archive:
        console.print(_("Its {count} answer(s) are kept in {archive}").format(
            count=removed.answers, archive=removed.archive), markup=False)


@app.command("list",
             help=N_("List the workspace's sites."))
def list_(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    from rich.table import Table

    sites = open_audit(workspace).sites.all()
    if json:
        print_json({"sites": [s.to_dict() for s in sites]})
        return
    table = Table(_("site"), _("level"), _("url"), _("region"), _("group"))
    for s in sites:
        table.add_row(s.name, glossary.level(s.level), readable_url(s.url), s.region, s.group)
    console.print(table)
