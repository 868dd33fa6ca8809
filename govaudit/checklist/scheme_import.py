"""Turn a provincial 考评方案's indicator table (veto, deduction and bonus rows) into checklist
YAML of the deduction scheme.

Columns: 一级指标 (or 指标), 二级指标 (optional), 评分细则 (or 扣分细则, 评分标准, 考察点), 分值;
optionally a column saying the part (类别, 指标类型). The part of a row is that column, or the
一级指标 cell, or the section row above it ("一、单项否决指标", "二、扣分指标（100分）",
"三、加分指标（20分）"). Each numbered point of 评分细则 becomes a question: in a veto row a
yes/no (a "超过（含）5个" a count vetoing at 5); in a deduction row "每发现一处扣1分" a count
deducting 1 per occurrence, "扣5分" a yes/no deducting 5, "最高扣10分" / "扣完为止" a cap; in
a bonus row "加2分" a yes/no adding 2. A point without a figure is marked `unpublished`.
"""

from __future__ import annotations

import re
from typing import Any

from govaudit.checklist.points import split_points
from govaudit.tables import cell_text as _text

PART_WORDS = (("单项否决", "veto"), ("否决", "veto"), ("扣分", "deduction"), ("加分", "bonus"))
NAME_HEADERS = ("一级指标", "指标", "检查项目", "考评项目", "考核内容")
SUB_HEADERS = ("二级指标", "考察点", "检查内容")
DETAIL_HEADERS = ("评分细则", "扣分细则", "评分标准", "评分方法", "考评标准", "检查要点",
                  "评分说明")
POINTS_HEADERS = ("分值", "分数", "满分")
PART_HEADERS = ("类别", "指标类型", "指标类别", "部分", "类型")
_FIGURE = r"(\d+(?:\.\d+)?)"
_PER = re.compile(r"每(?:发现|出现|缺少|缺失|有|存在)?(?:一|1)?(处|个|条|项|次|类|篇|例)"
                  r"[^，。；;]*?(扣|加)" + _FIGURE + "分")
_ONCE = re.compile(r"(扣|加)" + _FIGURE + "分")
_CAP = re.compile(r"最(?:高|多)扣" + _FIGURE + "分|扣满" + _FIGURE + "分|累计扣" + _FIGURE
                  + "分为止")
_VETO_COUNT = re.compile(r"(?:超过|达到|多于)?[（(]含[)）]" + _FIGURE + r"\s*个")
_SECTION = re.compile(r"^[一二三四五六七八九十\d]*[、.．]?(?:第[一二三]部分[:：]?)?"
                      r"(单项否决|扣分|加分)(?:指标|项)")
_PART_TOTAL = re.compile(r"[（(]\s*" + _FIGURE + r"\s*分\s*[)）]")
_BELOW = re.compile(r"低于\s*" + _FIGURE + r"\s*分")
_ABOVE = re.compile(r"高于\s*" + _FIGURE + r"\s*分")


def looks_like_scheme(rows: list[list[Any]]) -> bool:
    """A table of veto and deduction rows (rather than CSTC weights): 单项否决 or 扣分指标
    somewhere, and a 分值 column."""
    cells = [_text(c).replace(" ", "") for row in rows[:400] for c in row]
    return any("单项否决" in c or "扣分指标" in c for c in cells) and any(
        c in POINTS_HEADERS for c in cells)


def part_of(text: str) -> str:
    compact = text.replace(" ", "")
    return next((part for word, part in PART_WORDS if word in compact), "")


def _header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows):
        cells = [_text(c).replace(" ", "") for c in row]
        points = next((cells.index(h) for h in POINTS_HEADERS if h in cells), None)
        name = next((cells.index(h) for h in NAME_HEADERS if h in cells), None)
        if points is None or name is None:
            continue
        columns = {"points": points, "name": name}
        for key, headers in (("sub", SUB_HEADERS), ("detail", DETAIL_HEADERS),
                             ("part", PART_HEADERS)):
            found = next((cells.index(h) for h in headers if h in cells), None)
            if found is not None:
                columns[key] = found
        return index, columns
    raise ValueError("no header row with 指标 (or 一级指标) and 分值")


def _number(text: str) -> float | int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


def question_of(text: str, number: int, part: str, warnings: list[str],
                where: str) -> dict[str, Any]:
    """One point of 评分细则 as a question of its part."""
    question: dict[str, Any] = {"id": f"q{number}", "text": text}
    if part == "veto":
        found = _VETO_COUNT.search(text)
        if found:
            question.update(type="count", veto_at=_number(found[1]), unit="个")
        else:
            question["type"] = "yes_no"
        return question
    key = "deduct" if part == "deduction" else "add"
    per = _PER.search(text)
    once = _ONCE.search(text)
    if per:
        question.update(type="count", unit=per[1])
        question[key] = _number(per[3])
    elif once:
        question["type"] = "yes_no"
        question[key] = _number(once[2])
    else:
        question["type"] = "yes_no"
        if part == "deduction":
            question[key] = "unpublished"
            warnings.append(f"{where}: point {number} names no deduction ('扣N分'); marked "
                            "unpublished: set it")
    cap = _CAP.search(text)
    if cap and part == "deduction":
        question["cap"] = _number(next(g for g in cap.groups() if g))
    return question


def import_scheme(rows: list[list[Any]], where: str) -> tuple[dict[str, Any], list[str]]:
    """The checklist data (indicators and scheme settings) of a 考评方案's table, and warnings."""
    start, columns = _header(rows)
    warnings: list[str] = []
    tops: dict[str, dict[str, Any]] = {}
    totals: dict[str, float | int] = {}
    part = ""
    top_name = ""
    text_all = " ".join(_text(c) for row in rows for c in row)
    for number, row in enumerate(rows[start + 1:], start=start + 2):
        cells = [_text(c) for c in row]
        filled = [c for c in cells if c]
        if len(set(filled)) == 1 and _SECTION.match(filled[0].replace(" ", "")):
            # a section row: 二、扣分指标（100分）
            part = part_of(filled[0])
            figure = _PART_TOTAL.search(filled[0])
            if figure:
                totals[part] = _number(figure[1]) or 0
            continue
        name, sub, detail, points, kind = (_cell(cells, columns, key) for key in (
            "name", "sub", "detail", "points", "part"))
        row_part = part_of(kind) or part_of(name) or part
        if part_of(name) and not sub:  # the 一级指标 cell names the part only
            name = ""
        if not (name or sub or detail):
            continue
        if not row_part:
            warnings.append(f"{where} row {number}: no part (单项否决/扣分/加分) before it; "
                            "left out")
            continue
        part = row_part
        if name and not part_of(name):
            top_name = re.sub(r"\s+", "", _PART_TOTAL.sub("", name))
        leaf_name = re.sub(r"\s+", "", sub) or top_name or {"veto": "单项否决", "deduction": "扣分",
                                                            "bonus": "加分"}[part]
        top_key = f"{part}:{top_name if sub else ''}"
        top = tops.setdefault(top_key, {"part": part, "name": top_name if sub else "",
                                        "children": []})
        leaf = next((c for c in top["children"] if c["name"] == leaf_name), None)
        if leaf is None:
            leaf = {"name": leaf_name, "description": "", "questions": []}
            value = _number(points)
            if part != "veto":
                leaf["weights"] = value if value is not None else "unpublished"
                if value is None:
                    warnings.append(f"{where} row {number}: {leaf_name} has no 分值; marked "
                                    "unpublished")
            top["children"].append(leaf)
        leaf["description"] = "\n".join(x for x in (leaf["description"], detail) if x)
    data = _assemble(tops, totals, text_all, warnings, where)
    for leaf in (c for top in data["indicators"] for c in _leaves(top)):
        lead, points_ = split_points(leaf["description"])
        part = leaf.pop("_part")
        texts = points_ or [lead or leaf["name"]]
        leaf["questions"] = [question_of(t, n, part, warnings, f"{where} {leaf['name']}")
                             for n, t in enumerate(texts, 1)]
    return data, warnings


def _cell(cells: list[str], columns: dict[str, int], key: str) -> str:
    return cells[columns[key]] if key in columns and columns[key] < len(cells) else ""


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "children" in node:
        return [leaf for child in node["children"] for leaf in _leaves(child)]
    return [node]


def _assemble(tops: dict[str, dict[str, Any]], totals: dict[str, float | int], text: str,
              warnings: list[str], where: str) -> dict[str, Any]:
    """The scheme's settings and its indicator tree, ids and codes given."""
    labels = {"veto": "单项否决指标", "deduction": "扣分指标", "bonus": "加分指标"}
    indicators: list[dict[str, Any]] = []
    for number, part in enumerate(("veto", "deduction", "bonus"), 1):
        groups = [t for t in tops.values() if t["part"] == part]
        if not groups:
            continue
        children: list[dict[str, Any]] = []
        for group in groups:
            for leaf in group["children"]:
                leaf["_part"] = part
            if group["name"]:
                children.append({"name": group["name"], "children": group["children"]})
            else:
                children.extend(group["children"])
        node = {"id": part, "code": str(number), "name": labels[part], "part": part,
                "children": children}
        _number_ids(node, part, str(number))
        indicators.append(node)
    deduction = [leaf for top in indicators if top["part"] == "deduction"
                 for leaf in _leaves(top)]
    known = sum(leaf["weights"] for leaf in deduction if isinstance(leaf["weights"], int | float))
    settings: dict[str, Any] = {"scheme": "deduction",
                                "totals": {"main": totals.get("deduction") or known or 100}}
    bonus = [leaf for top in indicators if top["part"] == "bonus" for leaf in _leaves(top)]
    if bonus:
        points = totals.get("bonus") or sum(
            leaf["weights"] for leaf in bonus if isinstance(leaf["weights"], int | float))
        settings["totals"]["bonus"] = points
        settings["bonus_cap"] = points
    for key, pattern, default in (("pass_line", _BELOW, 60), ("bonus_above", _ABOVE, 80)):
        found = pattern.search(text)
        if found:
            settings[key] = _number(found[1])
        elif key == "pass_line" or bonus:
            settings[key] = default
            warnings.append(f"{where}: the table does not say {key} ('低于60分' / '高于80分'); "
                            f"took the 2019 inspection's {default}")
    if re.search(r"乘以\s*\d+\s*/\s*\d+|4/3", text):
        warnings.append(f"{where}: the table scales a part for units without a function "
                        "(乘以4/3): add a scope question and a 'scaled' part by hand "
                        "(docs/checklist-format.md)")
    return {**settings, "indicators": indicators}


def _number_ids(node: dict[str, Any], prefix: str, code: str) -> None:
    """Ids and codes for the children, written first in each (as the YAML reads best)."""
    children = node.get("children", [])
    for position, child in enumerate(children, 1):
        child_code = f"{code}.{position}"
        numbered = {"id": f"{prefix}-{child_code.replace('.', '-')}", "code": child_code}
        numbered.update(child)
        child.clear()
        child.update(numbered)
        _number_ids(child, prefix, child_code)
