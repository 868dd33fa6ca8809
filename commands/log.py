"""govaudit log: the audit log of every change, and its hash chain."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from govaudit import china_time
from govaudit.i18n import N_, _

from .common import JsonOption, WorkspaceOption, console, new_app, open_audit, print_json

app = new_app(N_("The audit log: every change to an answer, a review, an adjudication or "
                 "evidence, hash-chained."))


def _shown(value: object) -> str:
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


@app.command("show", help=N_("List the log's entries, oldest first: who, when (China time), "
                             "what, old -> new."))
def show(
    site: Annotated[str | None, typer.Option("--site", help=N_("Only this site's entries."),
                                             show_default=False)] = None,
    question: Annotated[str | None, typer.Option(
        "--question", help=N_("Only this question's entries."), show_default=False)] = None,
    last: Annotated[int, typer.Option("--last", min=0,
                                      help=N_("Only the last N entries (0: all)."))] = 0,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List the log's entries, oldest first: who, when (China time), what, old -> new."""
    entries = open_audit(workspace).log(site, question)
    if last:
        entries = entries[-last:]
    if as_json:
        print_json([e.to_dict() for e in entries])
        return
    for e in entries:
        what = " · ".join(p for p in (e.site, e.question, e.evaluator) if p)
        when = china_time(e.time, seconds=True)
        console.print(f"{e.seq:>6} {when} {e.actor} {e.kind} {e.action} {what}: "
                      f"{_shown(e.old)} -> {_shown(e.new)}", markup=False)


@app.command("verify", help=N_("Walk the hash chain: exit 1 naming the first entry removed, "
                               "changed or out of place."))
def verify(as_json: JsonOption = False, workspace: WorkspaceOption = None) -> None:
    """Walk the hash chain: exit 1 naming the first entry removed, changed or out of place."""
    check = open_audit(workspace).verify_log()
    if as_json:
        print_json({"path": str(check.path), "entries": check.entries, "ok": check.ok,
                    "broken": check.broken, "reason": check.reason})
        if not check.ok:
            raise typer.Exit(1)
        return
    if check.ok:
        console.print(_("{path}: {entries} entries, the chain is whole").format(
            path=check.path, entries=check.entries), markup=False)
        return
    console.print(_("{path}: broken at entry {entry}: {reason}").format(
        path=check.path, entry=check.broken, reason=check.reason), markup=False, style="red")
    raise typer.Exit(1)
