"""Turn an indicator table laid out like the published ones (Excel) into checklist YAML.

Columns: 一级指标 / 二级指标 / 三级指标 / 评估内容 (or 评估要点说明, 评估要点) /
权重 — or one weight column per level (省/市/县, 部委, 微信/App/微博), either
directly in the header row or in a second header row under 权重. Blank or
merged cells carry the value above them down. Numbered points (1. 2. …) in the
description become questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govaudit.checklist.levels import level_named
from govaudit.checklist.loader import NOT_ASSESSED
from govaudit.checklist.model import DEFAULT_GRADES
from govaudit.checklist.points import split_points as split_points  # re-exported
from govaudit.checklist.scheme_import import looks_like_scheme
from govaudit.errors import GovauditError
from govaudit.i18n import _
from govaudit.tables import cell_text as _text
from govaudit.tables import read_grids

NAME_HEADERS = ("一级指标", "二级指标", "三级指标")
DESCRIPTION_HEADERS = ("评估要点说明", "评估内容", "评估要点", "description")
ABSENT = {"—", "——", "-", "--", "---", ""}
TOTAL_ROW = ("合计", "总计", "总分")
_PARENS = re.compile(r"\s*[（(]([^）)]*)[）)]")


def question_for(text: str, number: int) -> dict[str, Any]:
    """A question from one point: 是否… is yes/no, …数量 a count, otherwise graded."""
    question: dict[str, Any] = {"id": f"q{number}", "text": text}
    if "数量" in text and not text.startswith("是否"):
        question["type"] = "count"
    elif text.startswith("是否") and "情况" not in text:
        question["type"] = "yes_no"
    else:
        question["type"] = "graded"
        question["choices"] = ["好", "中", "差"]
    return question


@dataclass
class ImportedTable:
    """The checklist data an indicator table describes, and what the reader could not take."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    title: str = ""  # the table's own title row, if it has one


def _read_cells(path: Path) -> list[list[Any]]:
    """The first sheet, merged cells filled (the tables reader checks the file first)."""
    if path.suffix.lower() != ".xlsx":
        raise GovauditError(_(
            "{path}: an indicator table must be an .xlsx workbook (got {value}); save it as "
            ".xlsx first").format(path=path, value=path.suffix or 'no extension'))
    return read_grids(path)[0][1]


def _title(rows: list[list[Any]], header: int) -> str:
    """The title row above the header: the one row there that holds a single text."""
    for row in rows[:header]:
        texts = [t for t in (_text(c) for c in row) if t]
        if len(set(texts)) == 1:  # a merged title repeats its text across the merge
            return texts[0]
    return ""


def title_id(title: str) -> str:
    """An ASCII checklist id from a title's Latin letters and figures ('' if it has none)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return slug if re.search(r"[a-z]", slug) else ""


def _level_columns(cells: list[str]) -> dict[str, int]:
    """The weight column of each level a header cell names (省, 地级市, city…)."""
    return {level: i for i, c in enumerate(cells) if (level := level_named(c))}


def _find_header(rows: list[list[Any]], path: Path) -> tuple[int, dict[str, int], dict[str, int]]:
    for index, row in enumerate(rows):
        cells = [_text(c).replace(" ", "") for c in row]
        if "一级指标" in cells and "二级指标" in cells:
            columns = {h: cells.index(h) for h in NAME_HEADERS if h in cells}
            for h in DESCRIPTION_HEADERS:
                if h in cells:
                    columns["description"] = cells.index(h)
                    break
            levels = _level_columns(cells)
            skip = 1
            if not levels and index + 1 < len(rows):  # 权重 over a row of 省/市/县
                levels = _level_columns([_text(c).replace(" ", "") for c in rows[index + 1]])
                skip = 2 if levels else 1
            if not levels and "权重" in cells:
                levels = {"default": cells.index("权重")}
            if not levels:
                raise GovauditError(_(
                    "{path}: row {value} has no 权重 column nor level columns (省/市/县, 部委, "
                    "微信/App/微博)").format(path=path, value=index + 1))
            return index + skip, columns, levels
    raise GovauditError(_("{path}: no header row with 一级指标 and 二级指标").format(
        path=path))


def _weight(value: Any, where: str, warnings: list[str]) -> float | int | None:
    text = _text(value)
    if text in ABSENT or text in NOT_ASSESSED:
        return None
    try:
        number = float(text)
    except ValueError:
        warnings.append(f"{where}: weight {text!r} is not a number; left out (not assessed)")
        return None
    return int(number) if number.is_integer() else number


def import_table(path: Path, checklist_id: str | None = None, name: str | None = None,
                 version: str = "1") -> ImportedTable:
    """The checklist (as YAML-ready data) that a published indicator table describes.

    Without `checklist_id` or `name`, they come from the table's title row (else
    the file name). A 合计 row is checked against the weights above it.
    """
    rows = _read_cells(path)
    if looks_like_scheme(rows):
        return _import_scheme(path, rows, checklist_id, name, version)
    start, columns, levels = _find_header(rows, path)
    title = _title(rows, start)
    checklist_id = checklist_id or title_id(title) or title_id(path.stem) or "imported-checklist"
    name = name or title or path.stem
    warnings: list[str] = []
    totals: list[tuple[int, dict[str, Any]]] = []
    level_names = list(levels)
    tops: list[dict[str, Any]] = []
    carried = ["", "", ""]
    carried_weights: dict[str, Any] = {}
    leaves_seen = 0
    for number, row in enumerate(rows[start:], start=start + 1):
        cells = [_text(row[columns[h]]) if h in columns and columns[h] < len(row) else ""
                 for h in NAME_HEADERS]
        if any(c.replace(" ", "") in TOTAL_ROW for c in cells):
            totals.append((number, {lv: row[i] if i < len(row) else None
                                    for lv, i in levels.items()}))
            continue
        description = _text(row[columns["description"]]) if "description" in columns else ""
        if cells[0].replace(" ", "") in ("一级指标",):  # a repeated header (page break)
            continue
        if not any(cells) and not description:
            continue
        for depth in range(3):
            if cells[depth]:
                carried[depth] = cells[depth]
                for deeper in range(depth + 1, 3):
                    if not cells[deeper]:
                        carried[deeper] = ""
        names = [c for c in carried[:2]] + ([carried[2]] if carried[2] not in ABSENT else [])
        if not names[0] or not names[1]:
            continue
        for lv, i in levels.items():  # a blank weight is the merged cell above it
            if i < len(row) and _text(row[i]):
                carried_weights[lv] = row[i]
        weights = {lv: _weight(carried_weights.get(lv), f"{path.name} row {number}", warnings)
                   for lv in level_names}
        bonus = "加分" in names[0]
        top_name = re.sub(r"\s+", "", _PARENS.sub("", names[0]))
        figures = re.findall(r"\d+(?:\.\d+)?", " ".join(_PARENS.findall(names[0])))
        total = float(figures[-1]) if figures else None
        top = next((t for t in tops if t["name"] == top_name), None)
        if top is None:
            top = {"id": f"i{len(tops) + 1}", "code": str(len(tops) + 1), "name": top_name,
                   "children": []}
            if bonus:
                top["bonus"] = True
            if total is not None:
                top["total"] = int(total) if total.is_integer() else total
            tops.append(top)
        parent = top
        for depth, node_name in enumerate(names[1:], start=1):
            child = next((c for c in parent["children"] if c["name"] == node_name), None)
            if child is None:
                code = f"{parent['code']}.{len(parent['children']) + 1}"
                child = {"id": "i" + code.replace(".", "-"), "code": code, "name": node_name}
                if depth < len(names) - 1:
                    child["children"] = []
                parent["children"].append(child)
            parent = child
        leaf = parent
        if "children" in leaf:
            continue
        if "description" in leaf:  # a description continued on the next page
            if description and description not in leaf["description"]:
                leaf["description"] += "\n" + description
        else:
            leaf["description"] = description
            leaf["weights"] = weights if level_names != ["default"] else weights["default"]
            leaves_seen += 1
    if not leaves_seen:
        raise GovauditError(_("{path}: no indicator rows below the header").format(
            path=path))
    for leaf in _leaves(tops):
        lead, points = split_points(leaf["description"])
        leaf["description"] = leaf["description"].strip()
        if points:
            leaf["questions"] = [question_for(p, n) for n, p in enumerate(points, 1)]
        else:
            leaf["questions"] = [question_for(lead or leaf["name"], 1)]
    for number, declared in totals:
        warnings.extend(_check_total(path, number, declared, tops))
    data: dict[str, Any] = {
        "id": checklist_id, "name": name, "version": version, "source": str(path.name),
        "levels": level_names,
    }
    if any(t.get("bonus") for t in tops):
        data["bonus_cap"] = max(float(t.get("total", 10)) for t in tops if t.get("bonus"))
    data["grades"] = [{"name": n, "min": lo, "max": hi} for n, lo, hi in DEFAULT_GRADES]
    data["indicators"] = tops
    return ImportedTable(data, warnings, title)


def _import_scheme(path: Path, rows: list[list[Any]], checklist_id: str | None,
                   name: str | None, version: str) -> ImportedTable:
    """A 考评方案's table of veto, deduction and bonus rows: a deduction-scheme checklist."""
    from govaudit.checklist.scheme_import import _header, import_scheme

    try:
        data, warnings = import_scheme(rows, path.name)
        start = _header(rows)[0]
    except ValueError as exc:
        raise GovauditError(_("{path}: {error}").format(path=path, error=exc)) from None
    if not any(top["children"] for top in data["indicators"]):
        raise GovauditError(_("{path}: no veto, deduction or bonus rows below the header").format(
            path=path))
    title = _title(rows, start)
    head: dict[str, Any] = {
        "id": checklist_id or title_id(title) or title_id(path.stem) or "imported-scheme",
        "name": name or title or path.stem, "version": version, "source": path.name,
        "levels": ["default"]}
    return ImportedTable({**head, **data}, warnings, title)


def _check_total(path: Path, number: int, declared: dict[str, Any],
                 tops: list[dict[str, Any]]) -> list[str]:
    """Where a 合计 row disagrees with the sum of the main (not bonus) weights above it."""
    out = []
    leaves = [leaf for top in tops if not top.get("bonus") for leaf in _leaves([top])]
    for level, value in declared.items():
        shown = _text(value)
        if not shown:
            continue
        try:
            expected = float(shown)
        except ValueError:
            out.append(f"{path.name} row {number}: 合计 {shown!r} is not a number")
            continue
        weights = [leaf["weights"] if level == "default" else leaf["weights"].get(level)
                   for leaf in leaves]
        total = sum(w for w in weights if isinstance(w, int | float))
        if abs(total - expected) > 1e-9:
            where = "" if level == "default" else f" at {level}"
            out.append(f"{path.name} row {number}: 合计 says {expected:g}{where}, the weights "
                       f"above it add up to {total:g}")
    return out


def _leaves(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        out.extend(_leaves(node["children"]) if "children" in node else [node])
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
