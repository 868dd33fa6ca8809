"""govaudit report: the HTML evidence report (overview, one page per site, thumbnails)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import (
    JsonOption,
    MonitorWindowOption,
    PublishOption,
    ServerOption,
    ServiceOption,
    WorkspaceOption,
    console,
    here,
    open_audit,
    print_json,
    window_seconds,
)

HELP = N_("Write the HTML report: works offline and from a file share (no "
          "server, no CDN).\n"
          "\n"
          "The folder holds the evidence it shows (hard-linked, or copied across "
          "file systems),\n"
          "so it still works when copied elsewhere; --link-evidence links the "
          "workspace's\n"
          "evidence instead, and then works only beside the workspace.")


def report(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="<path>",
        help=N_("Report folder (default: exports/report/ in the workspace)."),
        show_default=False)] = None,
    site: Annotated[list[str] | None, typer.Option(
        "--site", "-s", metavar="<name>",
        help=N_("Only this site (repeat for more); scores still rank all sites."),
        show_default=False)] = None,
    link_evidence: Annotated[bool, typer.Option(
        "--link-evidence", help=N_("Link the workspace's evidence files (relative links) "
        "instead of putting them inside the report folder."))] = False,
    window: MonitorWindowOption = None,
    publish: PublishOption = None,
    server: ServerOption = False,
    service: ServiceOption = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    length = window_seconds(window)
    audit = open_audit(workspace)
    with console.status(_("Writing the report…")):
        index = audit.report(output and here(output), sites=site, link_evidence=link_evidence,
                             window=length, publish=publish, server=server or bool(service),
                             service=service)
    if json:
        print_json({"report": str(index), "url": index.resolve().as_uri(),
                    "pages": sorted(p.relative_to(index.parent).as_posix()
                                    for p in (index.parent / "sites").glob("*.html"))})
        return
    console.print(_("Report: {index}").format(index=index), markup=False)
    console.print(_("Open {as_uri} in a browser.").format(
        as_uri=index.resolve().as_uri()), markup=False)
