"""govaudit review and adjudicate: review states of answers, and settling disagreements."""

from __future__ import annotations

from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, open_audit, print_json

STATES = "pending|flagged|approved|returned (待复核|有问题|通过|退回)"
REVIEW_HELP = N_("Review answers: set their state (one answer, or every answer a filter "
                 "matches), or list the states. Returning an answer needs --reason.")
ADJUDICATE_HELP = N_("Settle a question the evaluators disagree on: the value that counts, "
                     "and why.")


def review(
    site: Annotated[str | None, typer.Argument(help=N_("Site name (or --site)."))] = None,
    question: Annotated[str | None, typer.Argument(help=N_("Question id (or --question)."))] = None,
    state: Annotated[str | None, typer.Option(
        "--state", "-s", metavar="<state>",
        help=N_("The review state to set: pending|flagged|approved|returned "
                "(待复核|有问题|通过|退回). Without it, the review states are listed."),
        show_default=False)] = None,
    reason: Annotated[str, typer.Option(
        "--reason", "-r", help=N_("Why (required to return an answer)."))] = "",
    site_option: Annotated[str | None, typer.Option(
        "--site", help=N_("Only this site's answers."), show_default=False)] = None,
    question_option: Annotated[str | None, typer.Option(
        "--question", help=N_("Only the answers to this question."), show_default=False)] = None,
    evaluator: Annotated[str | None, typer.Option(
        "--evaluator", help=N_("Only this evaluator's answers."), show_default=False)] = None,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", help=N_("Review as someone else (default: the workspace's evaluator)."),
        show_default=False)] = None,
    only: Annotated[str | None, typer.Option(
        "--only", metavar="<state>", help=N_("When listing: only the answers in this state."),
        show_default=False)] = None,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Review answers (REVIEW_HELP)."""
    from govaudit.errors import UsageError

    for given, option, name in ((site, site_option, "--site"),
                                (question, question_option, "--question")):
        if given is not None and option is not None and given != option:
            raise UsageError(_("{option} {value} and the argument {given} disagree: give one")
                             .format(option=name, value=option, given=given))
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
            who = _(" by {reviewer}").format(reviewer=row.review.reviewer) if row.review else ""
            why = f": {row.review.reason}" if row.review and row.review.reason else ""
            console.print(f"{row.answer.site} · {row.answer.question} · {row.answer.evaluator} "
                          f"= {row.answer.value}  [{row.label}{who}{why}]", markup=False)
        console.print(_("{count} answer(s)").format(count=len(rows)), markup=False)
        return
    if site is None and question is None and evaluator is None:
        raise UsageError(_("give the answers to review: SITE [QUESTION], or one or more of "
                           "--site, --question and --evaluator"))
    made = audit.review(site, question, state=state, reason=reason, evaluator=evaluator,
                        reviewer=reviewer)
    if as_json:
        print_json([r.to_dict() for r in made])
        return
    for item in made:
        why = f": {item.reason}" if item.reason else ""
        console.print(f"{item.site} · {item.question} · {item.evaluator}: {item.label}{why}",
                      markup=False)
    console.print(_("{count} answer(s) reviewed by {reviewer}").format(
        count=len(made), reviewer=made[0].reviewer), markup=False)


def adjudicate(
    site: Annotated[str, typer.Argument(help=N_("Site name."))],
    question: Annotated[str, typer.Argument(help=N_("Question id."))],
    value: Annotated[str, typer.Option(
        "--value", "-v", help=N_("The value that counts (as for govaudit answer)."))],
    reason: Annotated[str, typer.Option("--reason", "-r", help=N_("Why this value (required)."))],
    adjudicator: Annotated[str | None, typer.Option(
        "--adjudicator", help=N_("Adjudicate as someone else (default: the workspace's "
                                 "evaluator)."), show_default=False)] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Settle a disagreement (ADJUDICATE_HELP)."""
    audit = open_audit(workspace)
    made = audit.adjudicate(site, question, value, reason=reason, adjudicator=adjudicator)
    item = audit.checklist.question(made.question)
    shown = item.display(made.value) if item else made.value
    given = ", ".join(f"{who}: {v}" for who, v in made.values)
    console.print(_("{site} · {question} = {value}, adjudicated by {adjudicator} ({given}): "
                    "{reason}").format(site=made.site, question=made.question, value=shown,
                                       adjudicator=made.adjudicator, given=given,
                                       reason=made.reason), markup=False)

