"""What every command shares: the workspace option, consoles, clean errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from govaudit.errors import GovauditError

if TYPE_CHECKING:
    from govaudit import Audit

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace folder (default: the nearest one upwards).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def report_error(message: str) -> None:
    err_console.print(f"error: {message}", style="red", markup=False)


class GovauditGroup(TyperGroup):
    """Turns a GovauditError anywhere below into one message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # click's Context, which typer vendors
        try:
            return super().invoke(ctx)
        except GovauditError as exc:
            report_error(str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            report_error("interrupted; everything saved before this point is kept")
            raise typer.Exit(130) from None


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=GovauditGroup, help=help_text, no_args_is_help=True,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


def open_ws(workspace: Path | None):  # -> govaudit.workspace.Workspace
    from govaudit.workspace import open_workspace

    return open_workspace(workspace, explicit=workspace is not None)


def open_audit(workspace: Path | None) -> Audit:
    """The workspace of --workspace, or the nearest one upwards."""
    from govaudit import Audit

    return Audit.open(workspace)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
