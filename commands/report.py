"""govaudit report: the HTML evidence report (overview, one page per site, thumbnails)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import MonitorWindowOption, WorkspaceOption, console, open_audit, window_seconds


def report(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="DIR",
        help="Report folder (default: exports/report/ in the workspace).",
        show_default=False)] = None,
    site: Annotated[list[str] | None, typer.Option(
        "--site", "-s", metavar="SITE",
        help="Only this site (repeat for more); scores still rank all sites.",
        show_default=False)] = None,
    window: MonitorWindowOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the HTML report: works offline and from a file share (no server, no CDN)."""
    length = window_seconds(window)
    audit = open_audit(workspace)
    with console.status("Writing the report…"):
        index = audit.report(output, sites=site, window=length)
    console.print(f"Report: {index}", markup=False)
    console.print(f"Open {index.resolve().as_uri()} in a browser.", markup=False)
