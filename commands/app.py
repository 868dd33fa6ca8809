"""The `govaudit` entry point: registers each command module."""

from __future__ import annotations

import typer

from . import answer, checklist, init, score, sites, status
from . import check as check_command
from . import collect as collect_command
from . import demo as demo_command
from . import doctor as doctor_command
from . import evidence as evidence_command
from . import export as export_command
from . import import_workbook as import_command
from . import monitor as monitor_command
from . import report as report_command
from .common import GovauditGroup

app = typer.Typer(
    cls=GovauditGroup,
    help="Evaluate government websites by hand, with evidence: checklists, screenshots, "
    "probes, scores and the team's Excel workbook.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# in the order of an evaluator's day
app.command("init")(init.init)
app.add_typer(sites.app, name="sites")
app.command("check")(check_command.check)
app.add_typer(monitor_command.app, name="monitor")
app.add_typer(evidence_command.app, name="evidence")
app.command("collect")(collect_command.collect)
app.command("answer")(answer.answer)
app.command("status")(status.status)
app.command("score")(score.score)
app.add_typer(export_command.app, name="export")
app.command("import")(import_command.import_workbook)
app.command("report")(report_command.report)
app.add_typer(checklist.app, name="checklist")
app.command("doctor")(doctor_command.doctor)
app.command("demo")(demo_command.demo)


def _show_version(value: bool) -> None:
    if value:
        from govaudit.version import __version__

        typer.echo(f"govaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.",
                                 is_eager=True, callback=_show_version),
) -> None:
    """Evaluate government websites by hand, with evidence."""


def main() -> None:
    app()
