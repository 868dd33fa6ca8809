"""Turning typed or imported answers into validated Answer records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from govaudit.checklist import Checklist, Question
from govaudit.errors import GovauditError, OptionError, RowsError, UnknownName, checklist_where
from govaudit.i18n import _
from govaudit.model import Answer, Site, utc_now
from govaudit.tables import read_records

ANSWER_HEADERS = {
    "site": ("site", "网站", "名称", "站点"),
    "question": ("question", "question_id", "问题", "问题编号"),
    "value": ("value", "答案", "值", "结果"),
    "note": ("note", "备注", "说明"),
}


def find_question(checklist: Checklist, qid: str) -> Question:
    question = checklist.question(qid)
    if question is None:
        raise UnknownName("question", qid, [q.id for q in checklist.questions],
                          checklist_where(checklist), hint="checklist_show")
    return question


def check_asked(checklist: Checklist, site: Site, question: Question,
                values: Mapping[str, object]) -> None:
    """Refuse a question that skip logic leaves out, given the site's other answers."""
    from govaudit.scoring import skip_reason
    from govaudit.tally import asked

    if asked(question, site.level, values) is False:
        raise GovauditError(_(
            "question {id} is skipped for {name}: {skip_reason}; change that answer first, or "
            "leave this question out").format(
            id=question.id, name=site.name,
            skip_reason=skip_reason(checklist, question, values)))


def level_problem(checklist: Checklist, site: Site, question: Question) -> str | None:
    """Why `question` is not asked of `site` at its level, or None when it is."""
    indicator = checklist.indicator(question.indicator_id)
    if indicator is None or not indicator.assessed_at(site.level, checklist.unweighted):
        return _("question {id} is not assessed at level {level!r} (site {name})").format(
            id=question.id, level=site.level, name=site.name)
    if not question.applies_to(site.level):
        return (_("question {id} applies only to {listed}, not to {name} ({level})").format(
            id=question.id, listed=', '.join(question.levels), name=site.name, level=site.level))
    return None


def build_answer(checklist: Checklist, site: Site, qid: str, raw_value: object,
                 evaluator: str, note: str = "", time: str | None = None,
                 values: Mapping[str, object] | None = None) -> Answer:
    """A validated answer; GovauditError names the question and what fits.

    With `values` (the site's current answers by question id), a question whose
    `relevant` condition does not hold is refused.
    """
    question = find_question(checklist, qid)
    problem = level_problem(checklist, site, question)
    if problem:
        raise GovauditError(problem)
    try:
        value = question.parse_value(raw_value)
    except ValueError as exc:
        raise GovauditError(str(exc)) from None
    if values is not None:
        check_asked(checklist, site, question, values)
    return Answer(site.name, qid, question.indicator_id, value, evaluator,
                  time or utc_now(), note.strip())


def answering_as(evaluator: str | None, default: str, role: str = "evaluator") -> str:
    """Who answers (or reviews, adjudicates: `role`): `evaluator` when given (an empty name
    is refused), else `default`."""
    if evaluator is None:
        return default
    if not evaluator.strip():
        raise OptionError(role, _(
            "is empty: give a name, or leave it out to act as {default}").format(
            default=default))
    return evaluator.strip()


def keep_notes(answers: list[Answer], stored: Iterable[Answer]) -> list[Answer]:
    """`answers`, each one without a note taking the note stored for its site, question and
    evaluator: answering again, with the same value or another, keeps the note."""
    notes = {(a.site, a.question, a.evaluator): a.note for a in stored if a.note}
    return [a.replace(note=notes.get((a.site, a.question, a.evaluator), ""))
            if not a.note else a for a in answers]


def parse_answer_file(path: Path, checklist: Checklist, sites: list[Site],
                      evaluator: str,
                      stored: Mapping[str, Mapping[str, object]] | None = None,
                      sheet: str | None = None,
                      stored_notes: Mapping[tuple[str, str], str] | None = None,
                      notices: list[str] | None = None) -> list[Answer]:
    """All answers of a CSV/XLSX file (every sheet, or `sheet`), or RowsError listing every
    bad row.

    With `stored` (each site's current answers by question id), skip logic is checked
    against those answers as the file's own rows change them. A file without a note
    column leaves each answer's note as it is (`stored_notes`: this evaluator's notes by
    (site, question)), and so does a note cell holding a formula, said in `notices`.
    """
    by_name = {s.name: s for s in sites}
    problems: list[str] = []
    answers: list[Answer] = []
    seen: dict[tuple[str, str], str] = {}
    now = utc_now()
    for row in read_records(path, ANSWER_HEADERS, ("site", "question", "value"), sheet):
        site = by_name.get(row.text("site"))
        if site is None:
            problems.append(_("{where}: unknown site {text!r}").format(
                where=row.where, text=row.text('site')))
            continue
        key = (site.name, row.text("question"))
        if key in seen:
            problems.append(_("{where}: {key} for {name} is also in {seen}").format(
                where=row.where, key=key[1], name=site.name, seen=seen[key]))
            continue
        seen[key] = row.where
        raw = row.raw("value")
        note = row.text("note")
        if "note" in row.formulas and notices is not None:
            notices.append(_(
                "{path}: {where} ({site} · {question}): the note is a formula, not text (a "
                "sort or a paste can turn text that starts with '=' into one), so it is not "
                "taken; the answer keeps its note").format(path=path, where=row.where,
                                                           site=site.name, question=key[1]))
        if "note" not in row.cells or "note" in row.formulas:
            note = (stored_notes or {}).get(key, "")
        try:
            answers.append(build_answer(checklist, site, key[1], "" if raw is None else raw,
                                        evaluator, note, now))
        except GovauditError as exc:
            problems.append(_("{where}: {error}").format(where=row.where, error=exc))
    if stored is not None:
        problems.extend(_skipped_rows(checklist, by_name, answers, seen, stored))
    if problems:
        raise RowsError(str(path), problems, _("nothing was saved"))
    return answers


def _skipped_rows(checklist: Checklist, sites: Mapping[str, Site], answers: list[Answer],
                  rows: Mapping[tuple[str, str], str],
                  stored: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Rows answering a question that skip logic leaves out, once the file is applied."""
    values: dict[str, dict[str, object]] = {}
    for answer in answers:
        values.setdefault(answer.site, dict(stored.get(answer.site, {})))[answer.question] = \
            answer.value
    problems = []
    for answer in answers:
        question = checklist.question(answer.question)
        try:
            if question is not None:
                check_asked(checklist, sites[answer.site], question, values[answer.site])
        except GovauditError as exc:
            problems.append(_("{rows}: {error}").format(
                rows=rows[answer.site, answer.question], error=exc))
    return problems
