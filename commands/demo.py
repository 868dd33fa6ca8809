"""govaudit demo: the whole loop on three bundled sample sites, offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit import glossary
from govaudit.i18n import N_, _

from .common import JsonOption, console, print_json

if TYPE_CHECKING:
    from govaudit import DemoResult

HELP = N_("Serve three sample sites on 127.0.0.1; check, capture, answer, score, "
          "export, report.")


def demo(
    directory: Annotated[Path, typer.Argument(help=N_("Folder for the demo's sites, workspace "
                                                   "and outputs."))] = Path("govaudit-demo"),
    browser_path: Annotated[str | None, typer.Option(
        "--browser-path", help=N_("Chromium/Chrome to use (default: found automatically)."),
        show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    from rich.table import Table

    from govaudit import run_demo

    if as_json:
        print_json(_demo_json(run_demo(directory, browser_path=browser_path)))
        return
    stage = 0

    def step(text: str) -> None:
        nonlocal stage
        stage += 1
        console.print(_("[{stage}/6] {text}").format(stage=stage, text=text), markup=False)

    with console.status(_("working…")):
        result = run_demo(directory, on_step=step, browser_path=browser_path)

    table = Table(_("rank"), _("site"), _("level"), _("total"), _("bonus"), _("grade"),
                  _("answered"), _("broken links"),
                  title=_("{checklist} (sample answers)").format(
                      checklist=result.scores.checklist.name))
    for s in sorted(result.scores.sites, key=lambda s: (s.rank or 0, s.site)):
        table.add_row(str(s.rank), s.site, glossary.level(s.level), f"{s.total:.2f}",
                      f"{s.bonus:.2f}",
                      s.grade, f"{s.answered}/{s.questions}",
                      str(result.broken_links.get(s.site, 0)))
    console.print(table)
    console.print(_(
        "Probes suggested {suggestions_applied} answers (evaluator 'probe'); {answers_loaded} "
        "sample answers by a person override them.").format(
        suggestions_applied=result.suggestions_applied, answers_loaded=result.answers_loaded),
                  markup=False)
    failed = len(result.capture_failures)
    console.print(_(
        "Captured {captures} pages ({failed} failed); {count} probe errors. Done in "
        "{seconds:.1f} s.").format(
        captures=result.captures, failed=failed, count=len(result.check_errors),
        seconds=result.seconds), markup=False)
    for record in result.capture_failures:
        console.print(_("  capture failed: {record} {record2}: {record3}").format(
            record=record.site, record2=record.requested_url, record3=record.error),
            markup=False)
    rel = Path.cwd()
    console.print(_("\nOpen first:"), markup=False)
    console.print(_("  report     {show}").format(show=_show(result.report, rel)), markup=False)
    console.print(_("  workbook   {show}").format(show=_show(result.workbook, rel)), markup=False)
    console.print(_(
        "  workspace  {show}  (cd there and try: govaudit status, govaudit collect --site "
        "清源市)").format(
        show=_show(result.workspace, rel)),
                  markup=False)
    if result.manifest:
        console.print(_("  manifest   {show}").format(
            show=_show(result.manifest, rel)), markup=False)


def _demo_json(result: DemoResult) -> dict[str, Any]:
    """What `demo --json` prints: where its outputs are, the scores, and what failed."""
    return {
        "workspace": str(result.workspace), "report": str(result.report),
        "workbook": str(result.workbook),
        "manifest": str(result.manifest) if result.manifest else None,
        "sites_served_at": result.base_url, "captures": result.captures,
        "capture_failures": [r.to_dict() for r in result.capture_failures],
        "check_errors": result.check_errors, "broken_links": result.broken_links,
        "suggestions_applied": result.suggestions_applied,
        "answers_loaded": result.answers_loaded, "seconds": round(result.seconds, 1),
        "scores": result.scores.to_dict(),
    }


def _show(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
