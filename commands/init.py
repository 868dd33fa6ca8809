"""govaudit init: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.i18n import N_, _

from .common import console

HELP = N_("Create a workspace folder with govaudit.toml.")


def init(
    directory: Annotated[Path, typer.Argument(help=N_("Folder to create (e.g. audit-2026)."))],
    checklist: Annotated[str, typer.Option("--checklist", "-c",
                                           help=N_("A built-in checklist name or a YAML file."))],
    evaluator: Annotated[str, typer.Option("--evaluator", "-e",
                                           help=N_("Your name, recorded with every answer."))],
    blind: Annotated[bool, typer.Option(
        "--blind", help=N_("A blind second assessment: the other evaluators' answers are "
                           "never imported or shown here."))] = False,
) -> None:
    from govaudit import Audit, glossary

    audit = Audit.create(directory, checklist=checklist, evaluator=evaluator, blind=blind)
    cl = audit.checklist
    created = _("Created workspace {root} for {evaluator} (blind: the other evaluators' "
                "answers are not shown here)") if blind \
        else _("Created workspace {root} for {evaluator}")
    console.print(created.format(root=audit.root, evaluator=audit.evaluator), markup=False)
    console.print(_("Checklist: {id} {version} — {name} ({indicators} indicators, "
                    "{questions} questions; levels {levels})").format(
        id=cl.id, version=cl.version, name=cl.name, indicators=len(cl.indicators),
        questions=len(cl.questions), levels=", ".join(glossary.level(x) for x in cl.levels)),
        markup=False)
    console.print(_("Next: cd {folder} && govaudit sites import assigned.xlsx").format(
        folder=directory), markup=False)
