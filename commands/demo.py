"""govaudit demo: the whole loop on three bundled sample sites, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_

from .common import console

HELP = N_("Serve three sample sites on 127.0.0.1; check, capture, answer, score, "
          "export, report.")


def demo(
    directory: Annotated[Path, typer.Argument(help=N_("Folder for the demo's sites, workspace "
                                                   "and outputs."))] = Path("govaudit-demo"),
    browser_path: Annotated[str | None, typer.Option(
        "--browser-path", help=N_("Chromium/Chrome to use (default: found automatically)."),
        show_default=False)] = None,
) -> None:
    from rich.table import Table

    from govaudit import run_demo

    stage = 0

    def step(text: str) -> None:
        nonlocal stage
        stage += 1
        console.print(f"[{stage}/6] {text}", markup=False)

    with console.status("working…"):
        result = run_demo(directory, on_step=step, browser_path=browser_path)

    table = Table("rank", "site", "level", "total", "bonus", "grade", "answered",
                  "broken links", title=f"{result.scores.checklist.name} (sample answers)")
    for s in sorted(result.scores.sites, key=lambda s: (s.rank or 0, s.site)):
        table.add_row(str(s.rank), s.site, s.level, f"{s.total:.2f}", f"{s.bonus:.2f}",
                      s.grade, f"{s.answered}/{s.questions}",
                      str(result.broken_links.get(s.site, 0)))
    console.print(table)
    console.print(f"Probes suggested {result.suggestions_applied} answers (evaluator 'probe'); "
                  f"{result.answers_loaded} sample answers by a person override them.",
                  markup=False)
    failed = len(result.capture_failures)
    console.print(f"Captured {result.captures} pages ({failed} failed); "
                  f"{len(result.check_errors)} probe errors. "
                  f"Done in {result.seconds:.1f} s.", markup=False)
    for record in result.capture_failures:
        console.print(f"  capture failed: {record['site']} {record['requested_url']}: "
                      f"{record['error']}", markup=False)
    rel = Path.cwd()
    console.print("\nOpen first:", markup=False)
    console.print(f"  report     {_show(result.report, rel)}", markup=False)
    console.print(f"  workbook   {_show(result.workbook, rel)}", markup=False)
    console.print(f"  workspace  {_show(result.workspace, rel)}  "
                  f"(cd there and try: govaudit status, govaudit collect --site 清源市)",
                  markup=False)
    if result.manifest:
        console.print(f"  manifest   {_show(result.manifest, rel)}", markup=False)


def _show(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
