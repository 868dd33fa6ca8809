"""govaudit doctor: browser, CJK font and workspace health."""

from __future__ import annotations

from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, print_json

STYLES = {"ok": "green", "warn": "yellow", "fail": "red"}


HELP = N_("Can evidence capture work here? Browser, version, CJK font, workspace "
          "(exit 1 if not).")


def doctor(
    browser_path: Annotated[str | None, typer.Option(
        help=N_("Check this Chromium/Chrome instead of the one govaudit finds."),
        show_default=False)] = None,
    json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    from rich.table import Table
    from rich.text import Text

    from govaudit import doctor_checks

    checks = doctor_checks(workspace, workspace is not None, browser_path)
    failed = [c for c in checks if c.status == "fail"]
    if json:
        print_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        table = Table(_("check"), _("status"), _("detail"))
        for check in checks:
            table.add_row(Text(check.name), Text(check.status), Text(check.detail),
                          style=STYLES[check.status])
        console.print(table)
        console.print(_("Capture can work here.") if not failed else
                      _("Capture cannot work until this is fixed: {checks}.").format(
                          checks=", ".join(c.name for c in failed)), markup=False)
    if failed:
        raise typer.Exit(1)
