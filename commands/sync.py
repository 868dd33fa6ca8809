"""govaudit sync: this workspace's answers to the team server and back."""

from __future__ import annotations

from govaudit.i18n import N_, _

from .common import (
    JsonOption,
    ServiceOption,
    WorkspaceOption,
    console,
    open_audit,
    print_json,
    print_notices,
)

HELP = N_("Push this workspace's answers, evidence, reviews, adjudications and audit log to "
          "the team server and pull the server's.")


def sync(
    service: ServiceOption = None,
    workspace: WorkspaceOption = None,
    json: JsonOption = False,
) -> None:
    """Push this workspace's answers, evidence, reviews, adjudications and audit log to the
    team server and pull the server's.

    Answers are matched by (site, question, evaluator, version); where versions differ the
    latest wins, as in 'export merge'. Syncing again changes nothing; a sync cut short
    loses nothing: run it again. The workspace works offline without it.
    """
    result = open_audit(workspace).sync(service=service)
    if json:
        print_json({"role": result.member.role, "evaluator": result.member.evaluator,
                    "lead": result.member.lead, "pushed": result.pushed,
                    "on_server": result.on_server, "pulled": result.pulled,
                    "conflicts": result.conflicts, "sites_pushed": result.sites_pushed,
                    "sites_added": result.sites_added, "not_pushed": result.not_pushed,
                    "evidence_pushed": result.evidence_pushed,
                    "files_copied": result.files_copied,
                    "evidence_pulled": result.evidence_pulled,
                    "files_pulled": result.files_pulled,
                    "reviews_pushed": result.reviews_pushed,
                    "reviews_pulled": result.reviews_pulled,
                    "adjudications_pushed": result.adjudications_pushed,
                    "adjudications_pulled": result.adjudications_pulled,
                    "log_pushed": result.log_pushed, "log_pulled": result.log_pulled})
        return
    who = result.member.evaluator or result.member.role
    console.print(_(
        "synced as {who}{value}: {pushed} answer version(s) pushed, {on_server} already on the "
        "server, {pulled} pulled into this workspace").format(
        who=who, value=' (lead)' if result.member.lead else '', pushed=result.pushed,
        on_server=result.on_server, pulled=result.pulled), markup=False)
    if result.conflicts:
        console.print(_(
            "{conflicts} answer(s) had differing versions: the latest was kept, as 'export "
            "merge' keeps it").format(conflicts=result.conflicts), markup=False)
    if result.sites_pushed:
        console.print(_("{sites_pushed} site(s) added or changed on the server").format(
            sites_pushed=result.sites_pushed),
                      markup=False)
    if result.sites_added:
        console.print(_("{count} site(s) assigned to you added here: {listed}").format(
            count=len(result.sites_added), listed=', '.join(result.sites_added)), markup=False)
    if result.evidence_pushed or result.files_copied:
        console.print(_(
            "{evidence_pushed} evidence record(s) pushed, {files_copied} file(s) copied to the "
            "shared folder").format(
            evidence_pushed=result.evidence_pushed, files_copied=result.files_copied),
                      markup=False)
    if result.evidence_pulled or result.files_pulled:
        console.print(_(
            "{evidence_pulled} evidence record(s) pulled, {files_pulled} file(s) copied from "
            "the shared folder into this workspace").format(
            evidence_pulled=result.evidence_pulled, files_pulled=result.files_pulled),
                      markup=False)
    if (result.reviews_pushed or result.reviews_pulled or result.adjudications_pushed
            or result.adjudications_pulled):
        console.print(_(
            "reviews: {reviews_pushed} pushed, {reviews_pulled} pulled; adjudications: "
            "{adjudications_pushed} pushed, {adjudications_pulled} pulled").format(
            reviews_pushed=result.reviews_pushed, reviews_pulled=result.reviews_pulled,
            adjudications_pushed=result.adjudications_pushed,
            adjudications_pulled=result.adjudications_pulled), markup=False)
    if result.log_pushed or result.log_pulled:
        console.print(_(
            "audit log: {log_pushed} entries pushed (each checked by the server), "
            "{log_pulled} entries of other workspaces' logs kept here").format(
            log_pushed=result.log_pushed, log_pulled=result.log_pulled), markup=False)
    print_notices([], result.not_pushed)
