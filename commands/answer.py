"""govaudit answer: record one answer, or a file of answers all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import WorkspaceOption, console, here, print_notices

HELP = N_("Record an answer (durable on disk before the command returns).")


def answer(
    site: Annotated[str | None, typer.Argument(help=N_("Site name."))] = None,
    question: Annotated[str | None, typer.Argument(help=N_("Question id, e.g. ipv6.q1."))] = None,
    value: Annotated[str | None, typer.Argument(
        help=N_("yes/no/na/unknown (是/否/不适用/无法判断), a graded choice, a count, or text; one "
        "that starts with '-' goes after --."),
    )] = None,
    note: Annotated[str | None, typer.Option(
        "--note", "-n", help=N_("A note kept with the answer (default: the note it has; '' clears "
        "it)."), show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f",
                    help=N_("CSV/XLSX with columns site,question,value[,note]."))] = None,
    sheet: Annotated[str | None, typer.Option(
        "--sheet", help=N_("With --file: read only this sheet (default: every sheet)."))] = None,
    evaluator: Annotated[str | None, typer.Option(help=N_("Answer as someone else."))] = None,
    workspace: WorkspaceOption = None,
) -> None:
    from govaudit.errors import UsageError

    from .common import open_audit

    if file is not None and (site or question or value):
        raise UsageError(_("give either --file or SITE QUESTION VALUE, not both"))
    if file is None and not (site and question and value is not None):
        raise UsageError(_("usage: govaudit answer SITE QUESTION VALUE [--note TEXT], "
                           "or govaudit answer --file answers.csv"))
    audit = open_audit(workspace)
    if file is not None:
        notices: list[str] = []
        answers = audit.answer_file(here(file), evaluator=evaluator, sheet=sheet,
                                    notices=notices)
        console.print(_("Saved {count} answers from {file}").format(count=len(answers),
                                                                     file=file), markup=False)
        print_notices(notices, [])
        return
    assert site and question and value is not None  # checked above
    saved = audit.answer(site, question, value, note=note, evaluator=evaluator)
    q = audit.checklist.question(question)
    shown = q.display(saved.value) if q else saved.value
    changed = _(" (was {value})").format(value=q.display(saved.history[-1]["value"])) \
        if saved.history and q else ""
    kept = _("; note kept: {note} (--note '' clears it)").format(note=saved.note) \
        if note is None and saved.note else ""
    console.print(_("{site} · {question} = {shown}{changed}{kept}").format(
        site=site, question=question, shown=shown, changed=changed, kept=kept), markup=False)
