"""govaudit sites: add, import and list the sites assigned to this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import JsonOption, WorkspaceOption, console, new_app, open_audit, print_json

app = new_app("Add, import and list the sites to assess.")


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
    site = open_audit(workspace).sites.add(name, url, level, region=region, group=group)
    console.print(f"Added {site.name} ({site.level}) {site.url}", markup=False)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or XLSX with name, url, level.")],
    sheet: Annotated[str | None, typer.Option(
        "--sheet", help="Read only this sheet (default: every sheet with a header row).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Import sites from a file; any bad row rejects the whole file."""
    audit = open_audit(workspace)
    sites = audit.sites.import_file(path, sheet)
    levels = ", ".join(f"{lv}: {sum(s.level == lv for s in sites)}"
                       for lv in audit.checklist.levels if any(s.level == lv for s in sites))
    console.print(f"Imported {len(sites)} sites from {path} ({levels})", markup=False)


@app.command("list")
def list_(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """List the workspace's sites."""
    sites = open_audit(workspace).sites.all()
    if json:
        print_json({"sites": [s.to_dict() for s in sites]})
        return
    table = Table("名称 site", "级别 level", "网址 url", "地区 region", "分组 group")
    for s in sites:
        table.add_row(s.name, s.level, s.url, s.region, s.group)
    console.print(table)
