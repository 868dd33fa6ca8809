"""govaudit checklist: list, show, validate and import indicator systems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from govaudit.i18n import N_, _

from .common import JsonOption, console, new_app, print_json

if TYPE_CHECKING:
    from govaudit import Indicator, Question

app = new_app(N_("List, show, validate and import checklists (indicator systems)."))


@app.command("list",
             help=N_("The built-in checklists."))
def list_(json: JsonOption = False) -> None:
    from rich.table import Table

    from govaudit import builtin_dir, builtin_names, load_checklist

    loaded = [load_checklist(builtin_dir() / f"{n}.yaml") for n in builtin_names()]
    if json:
        print_json({"checklists": [{"id": c.id, "name": c.name, "version": c.version,
                                    "levels": list(c.levels)} for c in loaded]})
        return
    table = Table("id", "name", "version", "levels", "indicators", "questions")
    for c in loaded:
        table.add_row(c.id, c.name, c.version, ", ".join(c.levels), str(len(c.indicators)),
                      str(len(c.questions)))
    console.print(table)


@app.command("show",
             help=N_("Show a checklist's indicators, weights and questions."))
def show(
    name: Annotated[str, typer.Argument(help=N_("A built-in name or a YAML file."))],
    level: Annotated[str | None, typer.Option(
        help=N_("Only what is assessed at this level."))] = None,
    json: JsonOption = False,
) -> None:
    from rich.table import Column, Table

    from govaudit import checklist_path, load_checklist

    checklist = load_checklist(checklist_path(name))
    checklist.check_level(level)
    indicators = checklist.indicators_at(level)
    if json:
        print_json(checklist.to_dict(level))
        return
    levels = [level] if level else list(checklist.levels)
    # ids are typed back by the user: wrapped, never cut
    table = Table("code", "indicator", *levels, Column("question", overflow="fold"), "type",
                  title=f"{checklist.id} {checklist.version} — {checklist.name}",
                  show_lines=False)
    for indicator in indicators:
        weights = [_points(indicator, lv) for lv in levels]
        label = " > ".join(indicator.path) + PART_MARKS.get(indicator.part, "")
        # only what is asked at the level shown ("政务微博不考核该评估要点")
        asked = [q for q in indicator.questions if level is None or q.applies_to(level)]
        for n, q in enumerate(asked):
            first = n == 0
            table.add_row(indicator.code if first else "", label if first else "",
                          *(weights if first else [""] * len(levels)), f"{q.id}  {q.text}",
                          _kind(q))
    console.print(table)
    if checklist.unpublished:
        console.print(_(
            "{count} figure(s) are not published; set by the team ('govaudit checklist validate' "
            "lists them).").format(count=len(checklist.unpublished)), markup=False)


PART_MARKS = {"bonus": " [加分]", "veto": " [单项否决]", "scope": " [检查范围]",
              "review": " [专业评价]"}


def _points(indicator: Indicator, level: str) -> str:
    if level in indicator.unpublished:
        return "未公布"
    weight = indicator.weights.get(level)
    if indicator.part in ("veto", "scope"):
        return ""
    return "—" if weight is None else f"{weight:g}"


def _kind(question: Question) -> str:
    """The question's type, and what it deducts, vetoes or adds."""
    if question.part == "deduction" and question.type != "text":
        per = "未公布" if question.deduct is None else f"{question.deduct:g}"
        each = "/处" if question.type == "count" else ""
        cap = f", ≤{question.cap:g}" if question.cap is not None else ""
        return f"{question.type} −{per}{each}{cap}"
    if question.part == "veto" and question.type == "count":
        return f"count ≥{question.veto_at or 1:g}: 否决"
    if question.add is not None:
        return f"{question.type} +{question.add:g}"
    return question.type


@app.command("validate",
             help=N_("Report every problem with file:line; exit 1 if there is any."))
def validate(path: Annotated[Path, typer.Argument(help=N_("A checklist YAML file."))],
             as_json: JsonOption = False) -> None:
    from govaudit import load_checklist

    checklist = load_checklist(path)  # a ChecklistError is one error listing every problem
    if as_json:
        print_json({"path": str(path), "valid": True, "id": checklist.id,
                    "version": checklist.version, "indicators": len(checklist.indicators),
                    "questions": len(checklist.questions),
                    "notes": list(checklist.unpublished)})
        return
    console.print(_(
        "{path}: valid — {id} {version}, {count} indicators, {count2} questions").format(
        path=path, id=checklist.id, version=checklist.version, count=len(checklist.indicators),
        count2=len(checklist.questions)), markup=False)
    for note in checklist.unpublished:
        console.print(_("note: {note}").format(note=note), markup=False)


@app.command("import",
             help=N_("Turn an indicator table (一级/二级/三级指标, 评估要点说明, 权重) into "
                     "checklist YAML."))
def import_(
    table: Annotated[Path, typer.Argument(help=N_("An .xlsx indicator table."))],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                      help=N_("YAML file to write (default: TABLE name with .yaml)."))] = None,
    checklist_id: Annotated[str | None, typer.Option(
        "--id", help=N_("Checklist id (default: from the table's title, else the file name)."),
        show_default=False)] = None,
    name: Annotated[str | None, typer.Option(
        help=N_("Checklist name (default: the table's title row, else the file name)."),
        show_default=False)] = None,
) -> None:
    from govaudit import import_table, to_yaml, validate_checklist
    from govaudit.errors import GovauditError

    target = output or table.with_suffix(".yaml")
    if target.exists():
        raise GovauditError(_("{target} already exists; choose another with -o").format(
            target=target))
    imported = import_table(table, checklist_id, name)
    data = imported.data
    target.write_text(to_yaml(data), encoding="utf-8")
    problems = validate_checklist(target)
    leaves = sum(1 for _ in _walk(data["indicators"]))
    console.print(_(
        "Wrote {target} ({data}, {data2}): {leaves} indicators, levels {listed}").format(
        target=target, data=data['id'], data2=data['name'], leaves=leaves,
        listed=', '.join(data['levels'])), markup=False)
    for warning in imported.warnings:
        console.print(_("warning: {warning}").format(warning=warning), markup=False, style="yellow")
    for problem in problems:
        console.print(problem, markup=False, style="yellow")
    if problems:
        console.print(_("Review the file: the table's sums do not validate yet."))


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        if "children" in node:
            yield from _walk(node["children"])
        else:
            yield node
