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


TeamOption = Annotated[bool, typer.Option(
    "--team", help=N_("The other workspaces' logs that sync pulled too (the lead: every "
                      "evaluator's)."))]


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
    team: TeamOption = False,
    as_json: JsonOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List the log's entries, oldest first: who, when (China time), what, old -> new."""
    entries = open_audit(workspace).log(site, question, team=team)
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
def verify(team: TeamOption = False, as_json: JsonOption = False,
           workspace: WorkspaceOption = None) -> None:
    """Walk the hash chain: exit 1 naming the first entry removed, changed or out of place."""
    audit = open_audit(workspace)
    checks = [("", audit.verify_log()), *(audit.verify_team_logs() if team else [])]
    whole = all(c.ok for _who, c in checks)
    if as_json:
        walked = [{"path": str(c.path), "entries": c.entries, "ok": c.ok, "broken": c.broken,
                   "reason": c.reason, **({"evaluator": who} if who else {})}
                  for who, c in checks]
        print_json(walked if team else walked[0])
        if not whole:
            raise typer.Exit(1)
        return
    for who, chain in checks:
        whose = f"{who}: " if who else ""
        if chain.ok:
            console.print(whose + _("{path}: {entries} entries, the chain is whole").format(
                path=chain.path, entries=chain.entries), markup=False)
        else:
            console.print(whose + _("{path}: broken at entry {entry}: {reason}").format(
                path=chain.path, entry=chain.broken, reason=chain.reason), markup=False,
                style="red")
    if not whole:
        raise typer.Exit(1)
