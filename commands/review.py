"""govaudit review and adjudicate: review states of answers, and settling disagreements."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json

STATES = "pending|flagged|approved|returned (待复核|有问题|通过|退回)"


def review(
    site: Annotated[str | None, typer.Argument(help="Site name (or --site).")] = None,
    question: Annotated[str | None, typer.Argument(help="Question id (or --question).")] = None,
    state: Annotated[str | None, typer.Option(
        "--state", "-s", metavar="<state>",
        help=f"The review state to set: {STATES}. Without it, the review states are listed.",
        show_default=False)] = None,
    reason: Annotated[str, typer.Option(
        "--reason", "-r", help="Why (required to return an answer).")] = "",
    site_option: Annotated[str | None, typer.Option(
        "--site", help="Only this site's answers.", show_default=False)] = None,
    question_option: Annotated[str | None, typer.Option(
        "--question", help="Only the answers to this question.", show_default=False)] = None,
    evaluator: Annotated[str | None, typer.Option(
        "--evaluator", help="Only this evaluator's answers.", show_default=False)] = None,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help="Review as someone else (default: the workspace's evaluator).",
        show_default=False)] = None,
    only: Annotated[str | None, typer.Option(
        "--only", metavar="<state>", help="When listing: only the answers in this state.",
        show_default=False)] = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Review answers: set their state (one answer, or every answer a filter matches), or list
    the states. Returning an answer needs --reason."""
    from govaudit.errors import UsageError

    for given, option, name in ((site, site_option, "--site"),
                                (question, question_option, "--question")):
        if given is not None and option is not None and given != option:
            raise UsageError(f"{name} {option} and the argument {given} disagree: give one")
    site, question = site or site_option, question or question_option
    audit = open_audit(workspace)
    if state is None:
        rows = audit.reviews(site, question, evaluator, only)
        if as_json:
            print_json([{"site": r.answer.site, "question": r.answer.question,
                         "evaluator": r.answer.evaluator, "value": r.answer.value,
                         "state": r.state, **({"reviewer": r.review.reviewer,
                                               "time": r.review.time,
                                               "reason": r.review.reason}
                                              if r.review else {})} for r in rows])
            return
        for row in rows:
            who = f" by {row.review.reviewer}" if row.review else ""
            why = f": {row.review.reason}" if row.review and row.review.reason else ""
            console.print(f"{row.answer.site} · {row.answer.question} · {row.answer.evaluator} "
                          f"= {row.answer.value}  [{row.label}{who}{why}]", markup=False)
        console.print(f"{len(rows)} answer(s)", markup=False)
        return
    if site is None and question is None and evaluator is None:
        raise UsageError("give the answers to review: SITE [QUESTION], or one or more of "
                         "--site, --question and --evaluator")
    made = audit.review(site, question, state=state, reason=reason, evaluator=evaluator,
                        reviewer=reviewer)
    if as_json:
        print_json([r.to_dict() for r in made])
        return
    for item in made:
        why = f": {item.reason}" if item.reason else ""
        console.print(f"{item.site} · {item.question} · {item.evaluator}: {item.label}{why}",
                      markup=False)
    console.print(f"{len(made)} answer(s) reviewed by {made[0].reviewer}", markup=False)


def adjudicate(
    site: Annotated[str, typer.Argument(help="Site name.")],
    question: Annotated[str, typer.Argument(help="Question id.")],
    value: Annotated[str, typer.Option(
        "--value", "-v", help="The value that counts (as for govaudit answer).")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why this value (required).")],
    adjudicator: Annotated[str | None, typer.Option(
        "--adjudicator", help="Adjudicate as someone else (default: the workspace's "
        "evaluator).", show_default=False)] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Settle a question the evaluators disagree on: the value that counts, and why."""
    audit = open_audit(workspace)
    made = audit.adjudicate(site, question, value, reason=reason, adjudicator=adjudicator)
    item = audit.checklist.question(made.question)
    shown = item.display(made.value) if item else made.value
    given = ", ".join(f"{who}: {v}" for who, v in made.values)
    console.print(f"{made.site} · {made.question} = {shown}, adjudicated by {made.adjudicator} "
                  f"({given}): {made.reason}", markup=False)

