"""govaudit backup: a consistent copy of the workspace, also while it is in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json

HELP = N_("Copy the workspace into a new folder or .zip, safely while it is in "
          "use.\n"
          "\n"
          "Answers, sites and evidence records are copied under the workspace "
          "lock, the monitoring\n"
          "samples through SQLite's backup API (a copy of monitor.sqlite without "
          "its -wal can be\n"
          "empty), with the evidence files and govaudit.toml; exports/ is left "
          "out. The copy is a\n"
          "workspace: unzip it (or use the folder) and open it with -w.")


def backup(
    destination: Annotated[Path, typer.Argument(
        help=N_("A new folder, or a new file ending in .zip."), show_default=False)],
    with_credentials: Annotated[bool, typer.Option(
        "--with-credentials", help=N_("Also copy data/credentials.json (the passwords of sites "
        "behind a login); left out by default."))] = False,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    result = open_audit(workspace).backup(destination, credentials=with_credentials)
    if json:
        print_json({"backup": str(result.path), "files": result.files, "bytes": result.bytes,
                    "visits": result.visits, "credentials": result.credentials})
        return
    samples = "" if result.visits is None else \
        _("; {count:,} monitoring visit(s)").format(count=result.visits)
    console.print(_("backup written: {path} ({files} files, {mb:.1f} MB{samples})").format(
        path=result.path, files=result.files, mb=result.bytes / 1e6, samples=samples),
        markup=False)
    if result.credentials_left_out:
        console.print(_("data/credentials.json (the sites' passwords) left out; "
                        "--with-credentials puts it in"), markup=False)
