"""Writing govaudit's sheets from a WorkbookContent into an openpyxl workbook.

The same code fills a write-only workbook (export, merge) and a loaded one
(`--into`): sheets are created with `create_sheet(title, index)` and filled
row by row with `SheetWriter`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from govaudit.checklist import Checklist, Question
from govaudit.checklist.levels import level_label
from govaudit.checklist.model import SPECIAL_VALUES, VALUE_LABELS
from govaudit.model import PENDING, PROBE_EVALUATOR, REVIEW_STATES
from govaudit.problems import problem_rows
from govaudit.tally import shown_total
from govaudit.urls import readable_url, readable_urls
from govaudit.workbook import layout
from govaudit.workbook.cells import HEADER_FILL, HEADER_FONT, WRAP, SheetWriter, runs_to_sqref
from govaudit.workbook.content import WorkbookContent, shown_time
from govaudit.workbook.layout import Column
from govaudit.workbook.monitoring import write_monitoring

# Fills for grade bands, best first; more bands than colours reuse the last one.
BAND_COLOURS = ("63BE7B", "B1D580", "FFEB84", "FBAA77", "F8696B")
SCORE_FORMAT = "0.00"
# Evidence columns shown as people read them (the hyperlinks stay exact)
SHOWN_URLS = ("requested_url", "final_url")
# A total that may still change (open or disputed questions): grey, never a band's colour.
PROVISIONAL_FILL = PatternFill("solid", fgColor="D9D9D9", bgColor="D9D9D9")
CHART_WIDTH_CM = 24.0  # about the width of a landscape A4 page inside its margins
CHART_HEIGHT_CM = 9.0
CHART_ROWS = 19  # rows of the default height the chart covers
# Characters of column width printed across one A4 page at about 75% (LibreOffice's
# measure; 11 pt text at 8 pt or more): a wider sheet prints on more pages across.
LANDSCAPE_CHARS = 120
PORTRAIT_CHARS = 80
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# More ranges than this in one sheet's validations slows Excel down: use one list instead.
MAX_VALIDATION_RANGES = 2_000


def summary_columns(checklist: Checklist, several_groups: bool = False) -> list[Column]:
    return [*layout.SUMMARY_HEAD, *(layout.SUMMARY_VERDICT if checklist.deduction else ()),
            *top_columns(checklist), *layout.SUMMARY_TAIL,
            *(layout.SUMMARY_RANKS if several_groups else ())]


def top_columns(checklist: Checklist) -> list[Column]:
    # 7 wide: the Summary of the 2020 checklist (eight of them) prints one page across
    return [Column(f"top.{t.id}", t.name, 7) for t in checklist.tops]


def scores_columns(checklist: Checklist) -> list[Column]:
    leaves = [Column(f"ind.{i.id}", f"{i.code} {i.name}".strip(), 9)
              for i in checklist.indicators]
    return [*layout.SCORES_HEAD, *leaves]


def checklist_columns(checklist: Checklist) -> list[Column]:
    weights = [Column(f"weight.{lv}", f"权重（{level_label(lv)}）", 10)
               for lv in checklist.levels]
    return [*layout.CHECKLIST_HEAD, *weights, *layout.CHECKLIST_TAIL]


def write_content(wb: Any, content: WorkbookContent, link_for: Callable[[str], str | None],
                  positions: dict[str, int] | None = None) -> list[str]:
    """Create and fill every sheet of `content`; returns the sheet names written.

    `link_for(file)` gives the hyperlink target of an evidence file (or None);
    `positions` places sheets at given indexes (used when updating a workbook).
    """
    positions = positions or {}
    writers: list[tuple[str, Callable[[SheetWriter, WorkbookContent], None]]] = [
        (layout.SUMMARY, _summary),
        *([(layout.PROBLEMS, _problems)] if content.checklist.deduction else []),
        (layout.SCORES, _scores), (layout.ANSWERS, _answers),
        (layout.EVIDENCE, lambda w, c: _evidence(w, c, link_for)),
        (layout.CHECKLIST, _checklist),
    ]
    if content.conflicts is not None:
        writers.append((layout.CONFLICTS, _conflicts))
    if content.agreement is not None:
        writers.append((layout.AGREEMENT, _agreement))
    if content.adjudications:
        writers.append((layout.ADJUDICATIONS, _adjudications))
    if content.checks:
        writers.append((layout.CHECKS, _checks))
    if content.monitoring is not None:
        sheet = content.monitoring
        writers.append((layout.MONITORING, lambda w, c: write_monitoring(w, sheet)))
    if content.log:
        writers.append((layout.AUDIT_LOG, _audit_log))
    writers.append((layout.ABOUT, _about))
    if content.printed:
        writers = [(name, fill) for name, fill in writers if name in layout.PRINTED_SHEETS]
    written = []
    for name, fill in writers:
        ws = wb.create_sheet(name, positions.get(name))
        writer = SheetWriter(ws)
        # sheet properties: before the first row in write-only mode
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        fill(writer, content)
        print_setup(writer, content, name)
        written.append(name)
    return written


def _summary(w: SheetWriter, content: WorkbookContent) -> None:
    checklist = content.checklist
    several = any(len(s.ranks) > 1 for s in content.report.sites)
    columns = summary_columns(checklist, several)
    w.table(columns, freeze="B3")
    sites = {s.name: s for s in content.sites}
    value, score_cell = w.value, _score_cell(w)
    for score in summary_order(content):
        site = sites[score.site]
        verdict = {"verdict": value(score.verdict), "part2": score_cell(score.part2),
                   "reason": value(score.reason)} if checklist.deduction else {}
        ranks = {"ranks": value("；".join(f"{g} 第{r}名" for g, r in score.ranks.items()))} \
            if several else {}
        provisional = score.provisional and score.total is not None
        marked = _score_cell(w, provisional)
        w.append_named({
            "site": value(score.site), "level": value(level_label(score.level)),
            "total": marked(score.total),
            "provisional": w.styled(layout.PROVISIONAL, fill=PROVISIONAL_FILL)
            if provisional else None,
            "bonus": score_cell(score.bonus),
            "grade": w.styled(score.grade, fill=PROVISIONAL_FILL) if provisional
            else value(score.grade),
            "rank": score.rank, "rank_group": value(score.group), **verdict,
            **{f"top.{t.id}": score_cell(score.tops.get(t.id)) if score.tops else None
               for t in checklist.tops},
            "answered": score.answered, "questions": score.questions,
            "url": value(site.url), "region": value(site.region), "group": value(site.group),
            **ranks,
        })
    w.autofilter(columns)
    w.print_columns = w.number(f"top.{checklist.tops[-1].id}") if checklist.tops \
        else w.number("rank_group")
    last = w.rows
    if last < layout.FIRST_DATA_ROW or not content.report.weighted:
        return
    total_col, grade_col = w.letter("total"), w.letter("grade")
    final = f"${w.letter('provisional')}3=\"\""
    for band, grade in enumerate(checklist.grades):
        colour = BAND_COLOURS[min(band, len(BAND_COLOURS) - 1)]
        top = grade.max >= max(g.max for g in checklist.grades)
        upper = "" if top else f",${total_col}3<{grade.max:g}"
        # a provisional total keeps its own fill: it is not coloured as a final grade
        rule = FormulaRule(formula=[f"AND({final},ISNUMBER(${total_col}3),"
                                    f"${total_col}3>={grade.min:g}{upper})"],
                           fill=PatternFill("solid", fgColor=colour, bgColor=colour))
        w.ws.conditional_formatting.add(
            f"{total_col}3:{total_col}{last} {grade_col}3:{grade_col}{last}", rule)
    chart = BarChart()
    chart.type = "col"
    chart.title = f"{checklist.name} 总分"
    chart.y_axis.title = "总分"
    chart.legend = None
    chart.add_data(Reference(w.ws, min_col=w.number("total"), min_row=3, max_row=last),
                   titles_from_data=False)
    chart.series[0].tx = SeriesLabel(v="总分")
    chart.set_categories(Reference(w.ws, min_col=w.number("site"), min_row=3, max_row=last))
    chart.width = CHART_WIDTH_CM
    chart.height = CHART_HEIGHT_CM
    # below the table, inside what prints: never beside it, where fitting the page's width
    # would shrink the table to nothing
    w.ws.add_chart(chart, f"A{last + 2}")
    w.print_rows = last + 2 + CHART_ROWS


def _score_cell(w: SheetWriter, provisional: bool = False) -> Callable[[float | None], Any]:
    """A score as the team reads it: two decimals (0.00); provisional ones with their fill."""
    fill = PROVISIONAL_FILL if provisional else None

    def cell(value: float | None) -> Any:
        if value is None:
            return w.styled(None, fill=fill) if fill else None
        return w.styled(shown_total(value), number_format=SCORE_FORMAT, fill=fill)

    return cell


def _problems(w: SheetWriter, content: WorkbookContent) -> None:
    """The 问题清单 of every site: what, where (the URL), the evidence, the points deducted."""
    columns = layout.PROBLEMS_COLUMNS
    w.table(columns, freeze="C3")
    records = [{**r, "id": r.get("evidence")} for r in content.evidence]
    sites = {s.name: s for s in content.sites}
    for score in content.report.sites:
        for row in problem_rows(content.checklist, sites[score.site], score.problems, records):
            p = row.problem
            value = w.value
            w.append_named({
                "site": value(p.site), "verdict": value(score.verdict),
                "kind": value(row.kind), "item": value(p.item), "question": value(p.question),
                "question_text": value(row.what), "occurrences": p.occurrences,
                "urls": value("\n".join(readable_url(u) for u in row.urls)),
                "evidence": value(", ".join(row.evidence)), "note": value(readable_urls(p.note)),
                "deducted": value(p.deducted), "points": value(row.points)})
    w.autofilter(columns)


def _checks(w: SheetWriter, content: WorkbookContent) -> None:
    """合规检测: each content and conformance check, its result and its evidence."""
    columns = layout.CHECKS_COLUMNS
    w.table(columns, freeze="D3")
    for row in content.checks or ():
        w.append_named({c.id: w.value(row.get(c.id, "")) for c in columns})
    w.autofilter(columns)


def summary_order(content: WorkbookContent) -> list[Any]:
    """The Summary's rows: by ranking group (the checklist's order), then rank, then name."""
    checklist = content.checklist
    return sorted(content.report.sites, key=lambda s: (
        checklist.group_order(s.group), s.rank is None, s.rank or 0, s.site))


def print_setup(w: SheetWriter, content: WorkbookContent, name: str) -> None:
    """A4, landscape where the printed columns are wide, as many pages wide as keep the text
    readable (one for most sheets), the Chinese header row on every page, the English id
    row never printed; the checklist, the date and page numbers in the footer."""
    ws = w.ws
    count = w.print_columns or w.width
    if w.rows < layout.FIRST_DATA_ROW:  # no rows: the header once, the columns a page holds
        count = _fitting(w, count, LANDSCAPE_CHARS)
    widths = [width for i in range(1, count + 1) if (width := w.column_width(i))]
    wide = sum(widths) > PORTRAIT_CHARS
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if wide \
        else Worksheet.ORIENTATION_PORTRAIT
    across = LANDSCAPE_CHARS if wide else PORTRAIT_CHARS
    pages = max(1, math.ceil(sum(widths) / across))
    if pages > 1:  # the first column repeats on every page across
        pages = math.ceil((sum(widths) - widths[0]) / (across - widths[0]))
    ws.page_setup.fitToWidth = pages
    ws.page_setup.fitToHeight = 0
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.6, bottom=0.6, header=0.25,
                                  footer=0.25)
    ws.print_options.horizontalCentered = not wide
    last_column = get_column_letter(max(count, 1))
    if w.rows >= layout.FIRST_DATA_ROW:
        ws.print_title_rows = "1:1"
        ws.print_area = f"A{layout.FIRST_DATA_ROW}:{last_column}{max(w.rows, w.print_rows)}"
    else:
        ws.print_area = f"A1:{last_column}1"
    if pages > 1:
        ws.print_title_cols = "A:A"
    checklist = content.checklist
    ws.oddHeader.center.text = f"{checklist.name}　{layout.SHEET_TITLES.get(name, name)}"
    ws.oddHeader.center.size = 13
    ws.oddFooter.left.text = f"{checklist.name}（{checklist.id} {checklist.version}）"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = f"{content.date}"
    for item in (ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        item.size = 11  # scaled with the sheet: at least 8 pt on paper


def _fitting(w: SheetWriter, count: int, across: int) -> int:
    """How many of the first `count` columns fit `across` characters (at least one)."""
    used, fitting = 0.0, 0
    for i in range(1, count + 1):
        used += w.column_width(i)
        if used > across:
            break
        fitting = i
    return max(fitting, 1)


def _fine(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _scores(w: SheetWriter, content: WorkbookContent) -> None:
    checklist = content.checklist
    columns = scores_columns(checklist)
    w.table(columns, freeze="C3")
    weighted = content.report.weighted
    fine = SCORE_FORMAT if weighted else "0.00%"
    for score in content.report.sites:
        values = score.indicators if weighted else score.fractions
        w.append_named({"site": w.value(score.site),
                        "level": w.value(level_label(score.level)),
                        **{f"ind.{i.id}": w.styled(_fine(values.get(i.id)), number_format=fine)
                           for i in checklist.indicators}})
    w.autofilter(columns)


def _answers(w: SheetWriter, content: WorkbookContent) -> None:
    checklist = content.checklist
    columns = layout.ANSWERS_COLUMNS
    w.table(columns, freeze="A3")
    w.print_columns = w.number("review")
    value = w.value
    # Cells that repeat from row to row are converted once (this sheet can hold 200,000 rows).
    sites = {s.name: (value(s.name), value(level_label(s.level))) for s in content.sites}
    fixed: dict[str, tuple[Any, ...]] = {}
    labels: dict[tuple[str, str | int], Any] = {}
    people: dict[str, Any] = {}
    groups: dict[tuple[str, ...], list[int]] = {}
    row_number = layout.FIRST_DATA_ROW
    pending = value(REVIEW_STATES[PENDING])
    for answer in content.answers:
        info = fixed.get(answer.question)
        if info is None:
            question = checklist.question(answer.question)
            assert question is not None  # sort_answers left out unknown questions
            indicator = checklist.indicator(question.indicator_id)
            info = fixed[answer.question] = (
                value(question.indicator_id), value(" > ".join(indicator.path) if indicator
                                                    else ""),
                value(question.id), value(question.text), question, _choices(question))
        indicator_id, path, qid, text, question, choices = info
        label_key = (answer.question, answer.value)
        if label_key not in labels:
            shown = question.display(answer.value)
            labels[label_key] = value(shown) if str(shown) != str(answer.value) else None
        who = people.get(answer.evaluator)
        if who is None:
            who = people[answer.evaluator] = value(answer.evaluator)
        site, level = sites[answer.site]
        when = shown_time(answer.time)
        review = content.reviews.get((answer.site, answer.question, answer.evaluator))
        reviewed = {"review": pending, "review_written": pending} if review is None else {
            "review": value(review.label),
            "review_reason": value(review.reason) if review.reason else None,
            "reviewer": value(review.reviewer),
            "review_time": shown_time(review.time) or value(review.time),
            "review_version": review.version, "review_written": value(review.label)}
        w.append_named({
            "site": site, "level": level, "indicator": indicator_id, "indicator_path": path,
            "question": qid, "question_text": text, "value": value(answer.value),
            "value_label": labels[label_key], "evaluator": who,
            "time": when or value(answer.time),
            "note": value(answer.note) if answer.note else None,
            "evidence": value(", ".join(answer.evidence)) if answer.evidence else None,
            "written": value(answer.value), **reviewed,
        })
        if choices:
            groups.setdefault(choices, []).append(row_number)
        row_number += 1
    w.autofilter(columns)
    _dropdowns(w, groups, row_number - 1)
    if row_number > layout.FIRST_DATA_ROW:
        column = w.letter("review")
        states = DataValidation(type="list", formula1='"' + ",".join(REVIEW_STATES.values())
                                + '"', allow_blank=True, showErrorMessage=True,
                                errorTitle="复核状态", error="请选择：" + "、".join(
                                    REVIEW_STATES.values()))
        states.sqref = f"{column}{layout.FIRST_DATA_ROW}:{column}{row_number - 1}"
        w.ws.data_validations.append(states)


def _dropdowns(w: SheetWriter, groups: dict[tuple[str, ...], list[int]], last: int) -> None:
    """Dropdowns on the value column: one list per kind of question where that stays small,
    else one list of every fixed value over the whole column (a hint, not a check)."""
    if not groups:
        return
    for column, lists in (("value", groups), ("value_label", _chinese(groups))):
        _dropdown_lists(w, w.letter(column), lists, last)


def _chinese(groups: dict[tuple[str, ...], list[int]]) -> dict[tuple[str, ...], list[int]]:
    """The same lists in Chinese, for the 答案（中文） column: 是/否/不适用/无法判断."""
    out: dict[tuple[str, ...], list[int]] = {}
    for choices, rows in groups.items():
        out.setdefault(tuple(VALUE_LABELS.get(c, c) for c in choices), []).extend(rows)
    return {choices: sorted(rows) for choices, rows in out.items()}


def _dropdown_lists(w: SheetWriter, column: str, groups: dict[tuple[str, ...], list[int]],
                    last: int) -> None:
    spans = {choices: runs_to_sqref(column, rows) for choices, rows in groups.items()}
    strict = sum(s.count(" ") + 1 for s in spans.values()) <= MAX_VALIDATION_RANGES
    if not strict:
        union = tuple(dict.fromkeys(v for choices in groups for v in choices))
        spans = {union: f"{column}{layout.FIRST_DATA_ROW}:{column}{last}"}
    for choices, sqref in spans.items():
        formula = '"' + ",".join(c.replace('"', '""') for c in choices) + '"'
        if len(formula) > 255:  # Excel's limit for a literal list
            continue
        dv = DataValidation(type="list", formula1=formula, allow_blank=True,
                            showErrorMessage=strict, errorStyle="warning",
                            errorTitle="答案不在选项中",
                            error="请从下拉列表选择，或填写 na / unknown。")
        dv.sqref = sqref
        w.ws.data_validations.append(dv)


def _choices(question: Question | None) -> tuple[str, ...] | None:
    """The dropdown of a question's value cell, if its values are a fixed list."""
    if question is None:
        return None
    if question.type == "yes_no":
        return ("yes", "no", *SPECIAL_VALUES)
    if question.type == "graded" and all("," not in c.label for c in question.choices):
        return (*[c.label for c in question.choices], *SPECIAL_VALUES)
    return None


def _evidence(w: SheetWriter, content: WorkbookContent,
              link_for: Callable[[str], str | None]) -> None:
    columns = layout.EVIDENCE_COLUMNS
    w.table(columns)
    links = over_limit = no_target = 0
    for row in content.evidence:
        cells = {c.id: w.value(readable_url(str(row[c.id])) if c.id in SHOWN_URLS
                               and row.get(c.id) else row.get(c.id)) for c in columns}
        file = str(row.get("file") or "")
        target = link_for(file) if file else None
        if target and links < layout.MAX_HYPERLINKS:
            cells["file"] = w.link(file, target)
            links += 1
        elif target:
            over_limit += 1
        elif file:
            no_target += 1
        w.append_named(cells)
    w.autofilter(columns)
    content.extra["hyperlinks"] = links
    content.extra["unlinked"] = over_limit + no_target
    reasons = []
    if over_limit:
        reasons.append(f"{over_limit} over Excel's limit of {layout.MAX_HYPERLINKS:,} "
                       "hyperlinks per sheet")
    if no_target:
        reasons.append(f"{no_target} with no workspace folder to link to (a merged workbook "
                       "lists evidence kept in each evaluator's workspace)")
    content.extra["unlinked_reason"] = "; ".join(reasons)


def _checklist(w: SheetWriter, content: WorkbookContent) -> None:
    checklist = content.checklist
    columns = checklist_columns(checklist)
    w.table(columns, freeze="B3")
    for indicator in checklist.indicators:
        names = [*indicator.path, "", "", ""][:3]
        value = w.value
        w.append_named({
            "indicator": value(indicator.id), "code": value(indicator.code),
            **{f"level{n}": value(name) for n, name in enumerate(names, 1)},
            "bonus": "是" if indicator.bonus else None,
            **{f"weight.{lv}": value("未公布" if lv in indicator.unpublished
                                     else indicator.weights.get(lv))
               for lv in checklist.levels},
            "questions": len(indicator.questions), "description": value(indicator.description),
        })
    w.autofilter(columns)


def _conflicts(w: SheetWriter, content: WorkbookContent) -> None:
    columns = layout.CONFLICTS_COLUMNS
    w.table(columns)
    w.print_columns = w.number("outcome")
    checklist = content.checklist
    for row in content.conflicts or []:
        a = row.answer
        question = checklist.question(a.question)
        when = shown_time(a.time)
        w.append_named({
            "kind": w.value(layout.KIND_LABELS.get(row.kind, row.kind)), "site": w.value(a.site),
            "question": w.value(a.question),
            "question_text": w.value(question.text if question else ""),
            "evaluator": w.value(a.evaluator), "value": w.value(a.value),
            "time": when or w.value(a.time), "note": w.value(a.note),
            "evidence": w.value(", ".join(a.evidence)), "outcome": w.value(row.outcome),
            "rule": w.value(row.rule),
        })
    w.autofilter(columns)


def _adjudications(w: SheetWriter, content: WorkbookContent) -> None:
    """分歧裁定: the value that counts for each adjudicated question, who chose it and why,
    beside what each evaluator answered."""
    columns = layout.ADJUDICATIONS_COLUMNS
    w.table(columns, freeze="C3")
    checklist = content.checklist
    given: dict[tuple[str, str], list[str]] = {}
    for answer in content.answers:
        if answer.evaluator != PROBE_EVALUATOR:
            given.setdefault((answer.site, answer.question), []).append(
                f"{answer.evaluator}: {answer.value}")
    for item in content.adjudications:
        question = checklist.question(item.question)
        shown = question.display(item.value) if question else item.value
        w.append_cells([
            w.value(item.site), w.value(item.question),
            w.value(question.text if question else ""), w.value(item.value),
            w.value(shown) if str(shown) != str(item.value) else None,
            w.value(item.adjudicator), shown_time(item.time) or w.value(item.time),
            w.value(item.reason), w.value("; ".join(given.get((item.site, item.question), []))),
            item.version,
        ])
    w.autofilter(columns)


def _audit_log(w: SheetWriter, content: WorkbookContent) -> None:
    """审计日志: every entry of the workspace's audit log, its values as JSON and its hashes
    as written, so that the chain can be checked from the sheet alone."""
    columns = layout.AUDIT_LOG_COLUMNS
    w.table(columns, freeze="A3")
    for entry in content.log or ():
        w.append_cells([
            entry.seq, w.value(entry.time), w.value(entry.actor), w.value(entry.kind),
            w.value(entry.action), w.value(entry.site), w.value(entry.question),
            w.value(entry.evaluator), w.value(_json(entry.old)), w.value(_json(entry.new)),
            w.value(entry.prev), w.value(entry.hash),
        ])
    w.autofilter(columns)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False,
                                                 separators=(",", ":"))


def _agreement(w: SheetWriter, content: WorkbookContent) -> None:
    report = content.agreement
    columns = layout.AGREEMENT_COLUMNS
    w.table(columns)
    rows = report.rows if report else []
    for row in rows:
        # an indicator's whole path printed, never cut at the column's edge
        w.fit_next_row({"scope": row.scope, "name": row.name})
        w.append_named({
            "scope": w.styled(row.scope, alignment=WRAP),
            "name": w.styled(row.name, alignment=WRAP), "sites": row.sites,
            "units": row.units, "agreed": row.agreed,
            "percent": w.styled(row.percent, number_format="0.0%")
            if row.percent is not None else None,
            "alpha": w.styled(row.alpha, number_format="0.000") if row.alpha is not None
            else None,
            "disagreements": row.disagreements,
        })
    w.autofilter(columns)
    if content.printed:  # the questions themselves are the Conflicts sheet's, not printed
        return
    w.append([])
    w.append_cells([w.styled("分歧题目（评估人答案不一致）", font=HEADER_FONT)])
    w.append_cells([w.styled(c.header, font=HEADER_FONT, fill=HEADER_FILL)
                    for c in layout.DISAGREEMENT_COLUMNS])
    w.append([c.id for c in layout.DISAGREEMENT_COLUMNS])
    checklist = content.checklist
    for item in report.disagreements if report else []:
        question = checklist.question(item.question)
        w.append([item.site, item.question, question.text if question else "",
                  "; ".join(f"{who}: {value}" for who, value in item.values)])


def _about(w: SheetWriter, content: WorkbookContent) -> None:
    columns = layout.ABOUT_COLUMNS
    w.table(columns)
    extra = [("超链接数", "hyperlinks", content.extra.get("hyperlinks", 0))]
    if content.extra.get("unlinked"):
        extra.append(("未加链接的证据文件", "unlinked", content.extra["unlinked"]))
        extra.append(("未加链接的原因", "unlinked_reason", content.extra["unlinked_reason"]))
    if content.skipped:
        extra.append(("未导出的答案（网站或问题已不存在）", "skipped", content.skipped))
    for label, key, value in [*content.about[:-1], *extra, content.about[-1]]:
        shown = w.styled(value, number_format=TIME_FORMAT) if key == "exported" \
            else w.styled(value, alignment=WRAP)
        w.fit_next_row({"value": value})
        w.append_named({"label": w.value(label), "key": key, "value": shown})


def relative_link(root: Path | None, out_dir: Path) -> Callable[[str], str | None]:
    """Hyperlink targets for workspace-relative evidence paths, relative to the workbook."""
    if root is None:
        return lambda _file: None
    base = os.path.relpath(root.resolve(), out_dir.resolve())

    def link(file: str) -> str | None:
        if not file:
            return None
        target = file if base == "." else f"{Path(base).as_posix()}/{file}"
        return quote(target, safe="/.-_~")

    return link
