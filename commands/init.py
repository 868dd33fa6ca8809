"""govaudit init: create a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create (e.g. audit-2026).")],
    checklist: Annotated[str, typer.Option("--checklist", "-c",
                                           help="A built-in checklist name or a YAML file.")],
    evaluator: Annotated[str, typer.Option("--evaluator", "-e",
                                           help="Your name, recorded with every answer.")],
    blind: Annotated[bool, typer.Option(
        "--blind", help="A blind second assessment: the other evaluators' answers are never "
        "imported or shown here.")] = False,
) -> None:
    """Create a workspace folder with govaudit.toml."""
    from govaudit import Audit

    audit = Audit.create(directory, checklist=checklist, evaluator=evaluator, blind=blind)
    cl = audit.checklist
    blindly = " (blind: the other evaluators' answers are not shown here)" if blind else ""
    console.print(f"Created workspace {audit.root} for {audit.evaluator}{blindly}",
                  markup=False)
    console.print(f"Checklist: {cl.id} {cl.version} — {cl.name} "
                  f"({len(cl.indicators)} indicators, {len(cl.questions)} questions; "
                  f"levels {', '.join(cl.levels)})", markup=False)
    console.print(f"Next: cd {directory} && govaudit sites import assigned.xlsx", markup=False)
