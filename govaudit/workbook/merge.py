"""`govaudit export merge`: teammates' workbooks into one team workbook.

Answers are keyed by (site, question, evaluator). Every input contributes its
Answers rows and the candidate answers listed in its Conflicts sheet, so the
merge works on a set of candidates: merging a file twice adds nothing, and the
order of the inputs does not change the result. A candidate is every field a
workbook holds (value, time, note, evidence), so one read back from a merged
workbook's Conflicts is the candidate that went in.

1. One evaluator, two different values for a key (same-evaluator conflict):
   the latest answer wins (a tie on time goes to the greatest value, then note,
   then evidence ids, compared as written, so every re-merge picks the same one; a hand
   edit is dated after the answer it changed when it is read, ingest.edit_time);
   `--prefer fail` refuses instead (probe suggestions always take the latest).
   Every candidate is listed in Conflicts.
2. The consolidated answer per (site, question) that Summary and Scores use:
   people's answers beat probe suggestions; if every person gave the same value,
   that value; if they disagree, the answer of the evaluator named by
   `--prefer evaluator:NAME` when NAME answered, otherwise `unknown` (the site
   stays incomplete until a reviewer settles it), and every answer is listed in
   Conflicts. Text questions are not scored and take the latest answer. An
   adjudication (the Adjudications sheet of any input; the newest of a question
   holds) settles a disagreement: its value counts.
3. Reviews ride on the Answers rows: for each merged answer, the newest review of
   that version of it holds (govaudit.review); an answer changed since is pending.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.checklist import Checklist
from govaudit.chinatime import china_time
from govaudit.errors import ConflictError, GovauditError, OptionError
from govaudit.i18n import _
from govaudit.model import PROBE_EVALUATOR, Adjudication, Answer, Site
from govaudit.review import current_adjudications, current_reviews
from govaudit.scoring import Settlement, score_sites, settle, value_key
from govaudit.workbook import layout
from govaudit.workbook.agreement import AgreementReport, AgreementRow, agreement_report
from govaudit.workbook.content import (
    ConflictRow,
    WorkbookContent,
    about_rows,
    sort_answers,
    sorted_adjudications,
)

if TYPE_CHECKING:
    from govaudit.workbook.export import WrittenWorkbook
    from govaudit.workbook.ingest import WorkbookInput
    from govaudit.workbook.into import IntoResult

MAX_SHOWN = 20  # sites a warning names before "… and N more"
CONSOLIDATION_RULE = (
    "同一评估人答案不同时采用最新答案；评估人一致时采用该答案；评估人分歧时采用合并规则 prefer = "
    "evaluator:NAME 指定评估人的答案，否则记为 unknown 待复核；人工答案优先于自动探测建议。"
)


@dataclass(frozen=True)
class Preference:
    mode: str  # "latest", "evaluator" or "fail"
    evaluator: str = ""

    def __str__(self) -> str:
        return f"evaluator:{self.evaluator}" if self.mode == "evaluator" else self.mode

    @property
    def settlement(self) -> Settlement:
        """Whose answer counts where evaluators disagree (scoring.Settlement)."""
        return Settlement(self.evaluator if self.mode == "evaluator" else "")


def parse_prefer(text: str) -> Preference:
    text = text.strip()
    if text in ("latest", "fail"):
        return Preference(text)
    if text.startswith("evaluator:") and text[len("evaluator:"):].strip():
        return Preference("evaluator", text[len("evaluator:"):].strip())
    raise OptionError("prefer", _("{text!r}: use latest, fail or evaluator:NAME").format(
        text=text))


def _rank(answer: Answer) -> tuple[Any, ...]:
    """A total order of candidates over every field a workbook holds (greatest wins)."""
    return (answer.time, value_key(answer.value), answer.note, tuple(answer.evidence))


def _identity(answer: Answer) -> tuple[Any, ...]:
    return (answer.site, answer.question, answer.evaluator, *_rank(answer))


def resolve_same_evaluator(candidates: Iterable[Answer], preference: Preference
                           ) -> tuple[list[Answer], list[ConflictRow], list[str]]:
    """One answer per (site, question, evaluator); conflict rows; refusals under `fail`."""
    by_key: dict[tuple[str, str, str], dict[tuple[Any, ...], Answer]] = defaultdict(dict)
    for answer in candidates:
        by_key[(answer.site, answer.question, answer.evaluator)][_identity(answer)] = answer
    chosen: list[Answer] = []
    rows: list[ConflictRow] = []
    refused: list[str] = []
    for key, variants in by_key.items():
        ordered = sorted(variants.values(), key=_rank, reverse=True)
        winner = ordered[0]
        chosen.append(winner)
        if len({value_key(v.value) for v in ordered}) < 2:
            continue
        if preference.mode == "fail" and key[2] != PROBE_EVALUATOR:
            refused.append(f"{key[0]} · {key[1]} · {key[2]}: " + ", ".join(
                f"{v.value} ({v.time})" for v in ordered))
            continue
        rule = "同一评估人答案不同：采用时间最新的答案（latest）"
        for variant in ordered:
            rows.append(ConflictRow(layout.SAME_EVALUATOR, variant,
                                    layout.CHOSEN if variant is winner else layout.REJECTED,
                                    rule))
    return chosen, rows, refused


def consolidate_team(checklist: Checklist, answers: Iterable[Answer], preference: Preference,
                     adjudications: Iterable[Adjudication] = ()
                     ) -> tuple[list[Answer], list[ConflictRow]]:
    """One answer per (site, question) for scoring (scoring.settle), and the disagreements."""
    settlement = replace(preference.settlement, adjudications=tuple(adjudications))
    adjudged = current_adjudications(settlement.adjudications)
    chosen, disagreements = settle(answers, settlement, checklist)
    by_unit: dict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.evaluator != PROBE_EVALUATOR:
            by_unit[(answer.site, answer.question)].append(answer)
    rows: list[ConflictRow] = []
    for d in disagreements:
        question = checklist.question(d.question)
        shown = question.display(d.counted) if question else str(d.counted)
        if d.adjudicated:
            item = adjudged[(d.site, d.question)]
            rule = f"评估人之间分歧：采用裁定答案（裁定人 {item.adjudicator}：{item.reason}）"
        elif d.settled:
            rule = (f"评估人之间分歧：采用 {settlement.prefer} 的答案"
                    f"（合并规则 prefer = {settlement}）")
        else:
            rule = ("评估人之间分歧：记为 unknown，待复核"
                    "（用合并规则 prefer = evaluator:NAME 指定复核人）")
        for answer in sorted(by_unit[(d.site, d.question)], key=lambda a: a.evaluator):
            rows.append(ConflictRow(layout.DISAGREEMENT, answer, shown, rule))
    return list(chosen.values()), rows


@dataclass
class MergeResult:
    path: Path
    files: int
    sites: int
    answers: int
    evaluators: list[str]
    conflicts: list[ConflictRow]  # same-evaluator candidates (all of them)
    disagreements: list[ConflictRow]
    agreement: AgreementRow | None
    hyperlinks: int = 0
    unlinked: int = 0  # evidence files listed without a hyperlink
    unlinked_reason: str = ""
    # what the readers did about absent columns and formulas, and columns that became
    # empty for most rows at once
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None  # the copy of the replaced output, when it had been changed
    # disagreements where an evaluator answered `unknown`: Agreement counts that as missing
    unknown_disagreements: int = 0
    into: IntoResult | None = None  # what `--into` replaced, added, removed and kept
    printed: WrittenWorkbook | None = None  # the copy to print, when one was asked for


def _fill_untold(inputs: Sequence[WorkbookInput]) -> tuple[list[Answer], list[str]]:
    """Every input's candidates, each field a row does not tell (an absent column, a
    formula) taken from a candidate of the same (site, question, evaluator) that tells it:
    the one with the same value and time, else the latest; and a warning for each input
    where a field is empty in most rows whose answer has it in another workbook."""
    from govaudit.workbook.ingest import KEPT_FIELDS, emptied_warning, keep_untold

    telling: dict[str, dict[tuple[str, str, str], list[tuple[int, Answer]]]] = {
        name: defaultdict(list) for name in KEPT_FIELDS}
    for index, data in enumerate(inputs):
        for answer in (*data.answers, *data.variants):
            for name in KEPT_FIELDS:
                if name not in data.untold_fields(answer):
                    telling[name][(answer.site, answer.question, answer.evaluator)].append(
                        (index, answer))
    candidates: list[Answer] = []
    warnings: list[str] = []
    for index, data in enumerate(inputs):
        compared: dict[str, list[tuple[Answer, Answer]]] = {n: [] for n in KEPT_FIELDS}
        rows = {id(a) for a in data.answers}
        for answer in (*data.answers, *data.variants):
            key = (answer.site, answer.question, answer.evaluator)
            fields = data.untold_fields(answer)
            filled = answer
            for name in fields:
                sources = [a for _i, a in telling[name][key]]
                same = [a for a in sources if (a.value, a.time) == (answer.value, answer.time)]
                known = max(same or sources, key=_rank) if sources else None
                filled = keep_untold(filled, frozenset((name,)), known)
            candidates.append(filled)
            if id(answer) not in rows:
                continue
            for name, pairs in compared.items():
                others = [a for i, a in telling[name][key] if i != index and getattr(a, name)]
                if name not in fields and others:
                    pairs.append((answer, max(others, key=_rank)))
        warnings.extend(f"{w} (where such a row is the latest, the merged answer has none)"
                        for name, pairs in compared.items()
                        if (w := emptied_warning(data.path, name, pairs, "in another workbook")))
    return candidates, warnings


def _union_sites(checklist: Checklist, workspace_sites: dict[str, Site],
                 inputs: Sequence[Any], used: set[str]) -> list[Site]:
    """The sites of every input's Summary and of every answer, in level then name order."""
    found: dict[str, Site] = {}
    origin: dict[str, Path] = {}
    for data in inputs:
        for site in data.sites:
            other = found.get(site.name)
            if other is not None and other.level != site.level:
                raise GovauditError(_(
                    "site {name} is {level} in {origin} but {level2} in {path}; correct one of "
                    "them").format(
                    name=site.name, level=other.level, origin=origin[site.name],
                    level2=site.level, path=data.path))
            if other is not None and other.group != site.group:
                raise GovauditError(
                    _(
                        "site {name} ranks in group {value} in {origin} but {value2} in {path} "
                        "(Summary, column 分组); correct one of them").format(
                        name=site.name, value=other.group or '(by level)',
                        origin=origin[site.name], value2=site.group or '(by level)',
                        path=data.path))
            if other is None or _site_order(site) < _site_order(other):
                found[site.name] = site
                origin[site.name] = data.path
    for name in used:
        if name in workspace_sites:
            found[name] = workspace_sites[name]
    levels = {lv: i for i, lv in enumerate(checklist.levels)}
    return sorted(found.values(), key=lambda s: (levels.get(s.level, len(levels)), s.name))


def _site_order(site: Site) -> tuple[str, str, str]:
    return (site.url, site.region, site.group)


def merge_inputs(checklist: Checklist, inputs: Sequence[WorkbookInput], preference: Preference,
                 workspace_sites: dict[str, Site] | None = None
                 ) -> tuple[WorkbookContent, MergeResult]:
    """The merged workbook's content from already read inputs (see module docstring)."""
    candidates, warnings = _fill_untold(inputs)
    resolved, conflict_rows, refused = resolve_same_evaluator(candidates, preference)
    if refused:
        listed = "\n".join(f"  {r}" for r in refused[:30])
        more = f"\n  … and {len(refused) - 30} more" if len(refused) > 30 else ""
        raise GovauditError(_(
            "prefer fail: {count} answer(s) differ between files for the same evaluator; "
            "nothing was written\n{listed}{more}").format(
            count=len(refused), listed=listed, more=more))
    used = {a.site for a in resolved}
    sites = _union_sites(checklist, workspace_sites or {}, inputs, used)
    adjudications = sorted_adjudications(current_adjudications(
        a for data in inputs for a in data.adjudications).values())
    _consolidated, disagreement_rows = consolidate_team(checklist, resolved, preference,
                                                        adjudications)
    report = score_sites(checklist, sites, resolved,
                         replace(preference.settlement, adjudications=tuple(adjudications)))
    answers, _skipped = sort_answers(checklist, sites, resolved)
    site_order = {s.name: i for i, s in enumerate(sites)}
    question_order = {q.id: i for i, q in enumerate(checklist.questions)}
    # Grouped by site, question, kind and evaluator; latest candidate first in each group.
    conflicts = sorted([*conflict_rows, *disagreement_rows], key=lambda r: _rank(r.answer),
                       reverse=True)
    conflicts.sort(key=lambda r: (site_order.get(r.answer.site, len(site_order)),
                                  question_order.get(r.answer.question, 0), r.kind,
                                  r.answer.evaluator))
    evidence_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for data in inputs:
        for row in data.evidence:
            evidence_rows[tuple((k, str(v)) for k, v in sorted(row.items()))] = row
    evidence = [evidence_rows[k] for k in sorted(evidence_rows)]
    agreement: AgreementReport = agreement_report(checklist, answers)
    about = about_rows(checklist, "merge", answers, extra=[
        *merged_files(inputs),
        ("合并规则（prefer）", "prefer", str(preference)),
        ("合议规则", "consolidation", CONSOLIDATION_RULE),
        ("双评一致率", "percent_agreement", agreement.overall.percent if agreement.overall
         else None),
        ("Krippendorff α", "alpha", agreement.overall.alpha if agreement.overall else None),
    ])
    reviews = current_reviews(answers, (r for data in inputs for r in data.reviews))
    content = WorkbookContent(checklist, sites, answers, report, evidence, about,
                              conflicts=conflicts, agreement=agreement, reviews=reviews,
                              adjudications=adjudications)
    result = MergeResult(Path(), len(inputs), len(sites), len(answers),
                         sorted({a.evaluator for a in answers}), conflict_rows,
                         disagreement_rows, agreement.overall,
                         unknown_disagreements=_with_unknown(disagreement_rows, agreement),
                         notices=[n for data in inputs for n in data.notices],
                         warnings=[*warnings, *_unanswered(sites, used, inputs)])
    return content, result


def _with_unknown(rows: Sequence[ConflictRow], agreement: AgreementReport) -> int:
    """The disagreements Agreement does not count: an evaluator answered `unknown` (missing
    data there) and the others agree."""
    counted = {(d.site, d.question) for d in agreement.disagreements}
    return len({(r.answer.site, r.answer.question) for r in rows
                if r.answer.value == "unknown"} - counted)


def _unanswered(sites: Sequence[Site], used: set[str], inputs: Sequence[Any]) -> list[str]:
    """A warning naming the sites listed in a Summary that no workbook has an answer for:
    they are scored 0, graded lowest and ranked last, which is seldom what was meant."""
    named = []
    for site in sites:
        if site.name not in used:
            files = ", ".join(Path(d.path).name for d in inputs
                              if any(s.name == site.name for s in d.sites))
            named.append(f"{site.name} (Summary of {files})")
    if not named:
        return []
    shown = "; ".join(named[:MAX_SHOWN])
    more = f"; … and {len(named) - MAX_SHOWN} more" if len(named) > MAX_SHOWN else ""
    return [f"{len(named)} site(s) have no answer in any workbook (were their Answers rows "
            "deleted?), so they are merged with a total of 0, the lowest grade and the last "
            f"rank: {shown}{more}"]


def merged_files(inputs: Sequence[Any]) -> list[tuple[str, str, Any]]:
    """One About row per input: its file name, evaluator, export time and answer count."""
    rows: list[tuple[str, str, Any]] = []
    for number, data in enumerate(inputs, 1):
        about = data.about
        who = str(about.get("evaluator") or about.get("evaluators") or "") or ", ".join(
            sorted({a.evaluator for a in data.answers})) or "?"
        when_text = china_time(about.get("exported"), seconds=True) or "?"
        rows.append((f"合并的工作簿 {number}", f"merged_{number}",
                     f"{Path(data.path).name}｜评估人：{who}｜导出时间：{when_text}｜"
                     f"答案：{len(data.answers)} 条"))
    return rows


def workbooks_checklist(paths: Sequence[Path], given: str | None) -> Checklist:
    """The checklist of a merge outside a workspace: `given` (--checklist), else the one
    every workbook's About sheet names."""
    from govaudit.checklist import checklist_path, load_checklist
    from govaudit.workbook.ingest import read_about
    from govaudit.workbook.reading import open_workbook

    if given:
        return load_checklist(checklist_path(given))
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in paths:
        about = read_about(path, open_workbook(path))
        ref = (str(about.get("checklist_id") or ""), str(about.get("checklist_version") or ""))
        if not ref[0]:
            raise OptionError("checklist", _(
                "is needed: {path}: its About sheet names no checklist").format(path=path),
                hint="checklist_option")
        named[ref].append(Path(path).name)
    if len(named) > 1:
        listed = "; ".join(f"{cid} version {ver or '?'} in {', '.join(files)}"
                           for (cid, ver), files in sorted(named.items()))
        raise OptionError("checklist", _(
            "is needed: the workbooks name different checklists ({listed})").format(
            listed=listed), hint="checklist_force")
    return load_checklist(checklist_path(next(iter(named))[0]))


def _check_preferred(preference: Preference, inputs: Sequence[WorkbookInput]) -> None:
    """Refuse `--prefer evaluator:NAME` when NAME answered in none of the workbooks."""
    if preference.mode != "evaluator":
        return
    evaluators = sorted({a.evaluator for i in inputs for a in i.answers}
                        - {PROBE_EVALUATOR})
    if preference.evaluator not in evaluators:
        raise OptionError("prefer", _(
            "evaluator:{evaluator}: no answer of {evaluator!r} in these workbooks (evaluators: "
            "{value})").format(
            evaluator=preference.evaluator, value=', '.join(evaluators) or 'none'))


def merge_workbooks(rules: Checklist | None, paths: Sequence[Path], out: Path | None,
                    prefer: str | Preference = "latest", force: bool = False,
                    overwrite: bool = False, checklist: str | None = None, *,
                    into: Path | None = None, accept_loss: bool = False,
                    keep_backups: int | None = None, known: Sequence[Site] = (),
                    print_to: Path | None = None) -> MergeResult:
    """Merge workbooks into `out`, or into the team's own workbook `into` (govaudit's sheets
    replaced, the others kept, a backup made: as `export --into`), scored with `rules` (a
    workspace's checklist, its sites `known`); without them, with `checklist` or the one
    the workbooks' About sheets name.

    Every input is read and validated before anything is written; a refused
    input (or a conflict under `--prefer fail`) leaves `out` untouched. An
    existing `out` that govaudit did not write is replaced only with `overwrite`; one
    changed since govaudit wrote it is kept as a backup first (`result.backup`). With
    `print_to`, the merged workbook's copy to print is written there too (`result.printed`).
    """
    from govaudit.workbook.backups import KEEP_BACKUPS
    from govaudit.workbook.export import check_print_copy, save_print_copy, save_workbook
    from govaudit.workbook.ingest import read_workbook
    from govaudit.workbook.into import check_target, write_into

    if not paths:
        raise GovauditError(_("give the workbooks to merge, e.g. 张三.xlsx 李四.xlsx -o team.xlsx"))
    if (out is None) == (into is None):
        raise ConflictError("out", "into", none_given=out is None)
    keep = KEEP_BACKUPS if keep_backups is None else keep_backups
    if into is not None:
        check_target(Path(into), keep)
    check_print_copy(print_to, out if into is None else into, overwrite)
    preference = prefer if isinstance(prefer, Preference) else parse_prefer(prefer)
    if rules is None:
        rules = workbooks_checklist([Path(p) for p in paths], checklist)
    by_name = {s.name: s for s in known}
    inputs = [read_workbook(Path(p), rules, by_name, force=force) for p in paths]
    _check_preferred(preference, inputs)
    content, result = merge_inputs(rules, inputs, preference, by_name)
    if into is not None:
        result.into = write_into(content, Path(into), accept_loss=accept_loss,
                                 keep_backups=keep)
        result.path = Path(into)
    else:
        assert out is not None
        result.backup = save_workbook(content, Path(out), overwrite).backup
        result.path = Path(out)
    if print_to is not None:
        result.printed = save_print_copy(content, Path(print_to), overwrite)
    result.hyperlinks = int(content.extra.get("hyperlinks", 0))
    result.unlinked = int(content.extra.get("unlinked", 0))
    result.unlinked_reason = str(content.extra.get("unlinked_reason", ""))
    return result
