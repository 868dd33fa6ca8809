"""govaudit sites: add, import and list the sites assigned to this workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import JsonOption, WorkspaceOption, console, new_app, open_ws, print_json

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
    from govaudit.errors import GovauditError
    from govaudit.sites import check_url, normalise_level
    from govaudit.store import Site, Store

    ws = open_ws(workspace)
    resolved = normalise_level(level, ws.checklist)
    if resolved is None:
        raise GovauditError(f"level {level!r} is not weighted by {ws.checklist.id} "
                            f"(levels: {', '.join(ws.checklist.levels)})")
    reason = check_url(url)
    if reason:
        raise GovauditError(f"site {name}: {reason}")
    Store(ws).add_sites([Site(name, url, resolved, region, group)])
    console.print(f"Added {name} ({resolved}) {url}", markup=False)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8/GBK) or XLSX with name, url, level.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Import sites from a file; any bad row rejects the whole file."""
    from govaudit.sites import parse_sites
    from govaudit.store import Store

    ws = open_ws(workspace)
    store = Store(ws)
    sites = parse_sites(path, ws.checklist, {s.name for s in store.sites()})
    store.add_sites(sites)
    levels = ", ".join(f"{lv}: {sum(s.level == lv for s in sites)}"
                       for lv in ws.checklist.levels if any(s.level == lv for s in sites))
    console.print(f"Imported {len(sites)} sites from {path} ({levels})", markup=False)


@app.command("list")
def list_(workspace: WorkspaceOption = None, json: JsonOption = False) -> None:
    """List the workspace's sites."""
    from govaudit.store import Store

    sites = Store(open_ws(workspace)).sites()
    if json:
        print_json({"sites": [s.to_dict() for s in sites]})
        return
    table = Table("名称 site", "级别 level", "网址 url", "地区 region", "分组 group")
    for s in sites:
        table.add_row(s.name, s.level, s.url, s.region, s.group)
    console.print(table)
