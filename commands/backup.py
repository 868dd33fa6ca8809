"""govaudit backup: a consistent copy of the workspace, also while it is in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json


def backup(
    destination: Annotated[Path, typer.Argument(
        help="A new folder, or a new file ending in .zip.", show_default=False)],
    with_credentials: Annotated[bool, typer.Option(
        "--with-credentials", help="Also copy data/credentials.json (the passwords of sites "
        "behind a login); left out by default.")] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Copy the workspace into a new folder or .zip, safely while it is in use.

    Answers, sites and evidence records are copied under the workspace lock, the monitoring
    samples through SQLite's backup API (a copy of monitor.sqlite without its -wal can be
    empty), with the evidence files and govaudit.toml; exports/ is left out. The copy is a
    workspace: unzip it (or use the folder) and open it with -w.
    """
    result = open_audit(workspace).backup(destination, credentials=with_credentials)
    if json:
        print_json({"backup": str(result.path), "files": result.files, "bytes": result.bytes,
                    "visits": result.visits, "credentials": result.credentials})
        return
    samples = "" if result.visits is None else f"; {result.visits:,} monitoring visit(s)"
    console.print(f"backup written: {result.path} ({result.files} files, "
                  f"{result.bytes / 1e6:.1f} MB{samples})", markup=False)
    if result.credentials_left_out:
        console.print("data/credentials.json (the sites' passwords) left out; "
                      "--with-credentials puts it in", markup=False)
