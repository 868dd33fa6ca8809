"""What every command shares: the workspace option, consoles, clean errors."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from govaudit.errors import GovauditError

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
    """Turns a GovauditError or a file-system error anywhere below into one message, exit 1."""

    # What to do about the errors a full disk, a read-only or locked-down folder cause.
    OS_HINTS = {
        errno.ENOSPC: "free some space, then run the command again",
        errno.EDQUOT: "free some space or ask for a larger quota, then run the command again",
        errno.EFBIG: "free some space or raise the file-size limit, then run the command again",
        errno.EROFS: "work in a copy of the workspace on a writable disk",
        errno.EACCES: "check who owns the folder and its permissions",
        errno.EPERM: "check who owns the folder and its permissions",
        errno.ENAMETOOLONG: "use a shorter name or a shorter folder path",
    }

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GovauditError as exc:
            report_error(str(exc))
            raise typer.Exit(1) from None
        except OSError as exc:
            report_error(self.os_error_message(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            report_error("interrupted; everything saved before this point is kept")
            raise typer.Exit(130) from None

    @classmethod
    def os_error_message(cls, exc: OSError) -> str:
        """One line: the file, what went wrong, what to do."""
        message = exc.strerror or str(exc) or type(exc).__name__
        hint = cls.OS_HINTS.get(exc.errno or 0)
        if hint:
            message += f": {hint}"
        where = exc.filename
        if isinstance(where, (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(where))
            # An atomic writer's temporary file: the folder is what the user can act on.
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                message = f"{path.parent}: cannot write a file there ({message})"
            else:
                message = f"{path}: {message}"
        return f"{message}; what was saved before is unchanged"


def new_app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=GovauditGroup, help=help_text, no_args_is_help=True,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


def open_ws(workspace: Path | None):  # -> govaudit.workspace.Workspace
    from govaudit.workspace import open_workspace

    return open_workspace(workspace, explicit=workspace is not None)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
