"""Reading a (teammate's, untrusted) workbook: checked, validated, every bad row named.

The zip is checked before any parser sees it (reading.open_workbook); the cells
are read with python-calamine. Nothing here writes anything: a refused file
leaves the workspace as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govaudit.answers import level_problem
from govaudit.checklist import Checklist, Question
from govaudit.errors import GovauditError, RowsError, listed
from govaudit.i18n import _
from govaudit.model import (
    PENDING,
    RETURNED,
    REVIEW_STATES,
    Adjudication,
    Answer,
    Review,
    Site,
    review_state,
    utc_now,
)
from govaudit.sites import add_sites as store_sites
from govaudit.sites import validate_site
from govaudit.store import Store
from govaudit.tables import Table
from govaudit.urls import redact_url
from govaudit.workbook import layout
from govaudit.workbook.content import (
    GENERATOR,
    MAX_TIME,
    MIN_TIME,
    ZONE,
    cell_time,
    china_cell,
    says_china_time,
    shown_time,
)
from govaudit.workbook.reading import Book, open_workbook, sheet_values

MAX_LISTED = 50
_EVIDENCE_SPLIT = re.compile(r"[,;\s]+")
# Answers columns a row may leave untold: an absent column, or a cell that became a
# formula, means "no change" for that field, never "empty".
KEPT_FIELDS = ("note", "evidence")
_EMPTY: dict[str, Any] = {"note": "", "evidence": []}
_HEADERS = {c.id: c.header for c in layout.ANSWERS_COLUMNS}


def field_name(name: str) -> str:
    """How a message names an Answers column: its header and its id, e.g. 备注 (note)."""
    return f"{_HEADERS.get(name, name)} ({name})"


@dataclass
class WorkbookInput:
    """What one workbook holds, validated against a checklist."""

    path: Path
    about: dict[str, Any]
    sites: list[Site]  # from Summary (empty when the sheet is absent)
    answers: list[Answer]  # the Answers rows
    # Every same-evaluator Conflicts row as written (the merge collapses identical ones).
    variants: list[Answer] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    # The KEPT_FIELDS a row does not tell, by the id() of its answer or variant: the
    # answer's note there is a placeholder ("") to be filled from what is known.
    untold: dict[int, frozenset[str]] = field(default_factory=dict)
    # What the reader saw and did about it: an absent column, a formula in a note.
    notices: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)  # from the Answers rows
    adjudications: list[Adjudication] = field(default_factory=list)

    def untold_fields(self, answer: Answer) -> frozenset[str]:
        return self.untold.get(id(answer), frozenset())


def keep_untold(answer: Answer, fields: frozenset[str], known: Answer | None) -> Answer:
    """`answer` with each of `fields` taken from `known` (the answer it changes), or empty
    when there is none."""
    if not fields:
        return answer
    return answer.replace(**{f: getattr(known, f) if known is not None else _EMPTY[f]
                             for f in fields})


def emptied_warning(path: Path, name: str, pairs: list[tuple[Answer, Answer]],
                    elsewhere: str) -> str | None:
    """A warning when `name` became empty in most rows at once: `pairs` are (the row's
    answer, the answer it is compared with) where the row tells that field."""
    had = [(new, old) for new, old in pairs if getattr(old, name)]
    emptied = sum(1 for new, _old in had if not getattr(new, name))
    if emptied < 2 or emptied * 2 <= len(had):
        return None
    return (f"{path}: {field_name(name)} is empty in {emptied} of the {len(had)} Answers rows "
            f"whose answer has one {elsewhere}")


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, sheet: str, row: int, message: str) -> None:
        self.items.append(_("{sheet} row {row}: {message}").format(sheet=sheet, row=row,
                                                                     message=message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        listed = self.items[:MAX_LISTED]
        if len(self.items) > MAX_LISTED:
            listed.append(_("… and {count} more").format(count=len(self.items) - MAX_LISTED))
        raise RowsError(str(self.path), listed, _("nothing was written"),
                        total=len(self.items))


def _plain(value: Any) -> Any:
    """Calamine's floats that hold whole numbers back to ints; empty strings to None."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == "":
        return None
    return value


def _text(value: Any) -> str:
    value = _plain(value)
    return "" if value is None else str(value)


def _table(path: Path, book: Book, sheet: str,
           columns: tuple[layout.Column, ...] | list[layout.Column],
           required: tuple[str, ...]) -> Table:
    """A sheet's rows, columns found by id (or Chinese header) in its first rows."""
    # a time column's header as workbooks before China time wrote it is still its header
    aliases = {c.id: tuple(dict.fromkeys((c.header, c.header.replace(f"（{ZONE}）", "（UTC）"))))
               for c in columns}
    return Table.find(path, sheet, sheet_values(path, book, sheet), aliases, required,
                      formulas=book.formulas(sheet))


def read_about(path: Path, book: Book) -> dict[str, Any]:
    if layout.ABOUT not in book.sheet_names:
        return {}
    table = _table(path, book, layout.ABOUT, layout.ABOUT_COLUMNS, ("key", "value"))
    about = {}
    for row in table.rows():
        key, value = _text(row.raw("key")).strip(), _plain(row.raw("value"))
        if key == "exported":  # as the canonical UTC text: its label says its zone
            china = says_china_time(_text(row.raw("label")))
            value = cell_time(china_cell(value) if china else value) or value
        about[key] = value
    return about


def _in_utc(record: Mapping[str, Any], table: Table,
            fields: tuple[str, ...] = ("time", "review_time")) -> Mapping[str, Any]:
    """A row's cells, its times in a column whose header says China time made to say so."""
    china = [f for f in fields if f in record and says_china_time(table.headings.get(f, ""))]
    return {**record, **{f: china_cell(record[f]) for f in china}} if china else record


def workbook_origin(path: Path) -> tuple[list[str], bool]:
    """The sheet names of an existing workbook, and whether its About sheet says govaudit
    wrote it; ([], False) for a file that is not a readable workbook."""
    try:
        book = open_workbook(path)
        about = read_about(path, book)
    except GovauditError:
        return [], False
    return list(book.sheet_names), about.get("generator") == GENERATOR


def check_checklist(path: Path, about: dict[str, Any], checklist: Checklist, force: bool) -> None:
    """Refuse a workbook made from another checklist or version, unless forced."""
    if force or not about:
        return
    theirs = (_text(about.get("checklist_id")), _text(about.get("checklist_version")))
    if theirs != (checklist.id, checklist.version):
        raise GovauditError(
            _(
                "{path}: made from checklist {value} version {value2}, but this workspace uses "
                "{id} version {version}").format(
                path=path, value=theirs[0] or '?', value2=theirs[1] or '?', id=checklist.id,
                version=checklist.version), hint="force")


def read_workbook(path: Path, checklist: Checklist, known_sites: dict[str, Site], *,
                  force: bool = False) -> WorkbookInput:
    """Read and validate one workbook; RowsError lists every bad row, GovauditError the rest."""
    path = Path(path)
    book = open_workbook(path)
    if layout.ANSWERS not in book.sheet_names:
        if read_about(path, book).get("kind") == layout.PRINT_KIND:
            raise GovauditError(_(
                "{path}: a copy to print, which holds no answers: import or merge the "
                "workbook it was written with").format(path=path))
        raise GovauditError(_(
            "{path}: no sheet named {sheet} (sheets: {listed}); is this a govaudit "
            "workbook?").format(path=path, sheet=layout.ANSWERS,
                                listed=", ".join(book.sheet_names)))
    about = read_about(path, book)
    check_checklist(path, about, checklist, force)
    problems = _Problems(path)
    sites = _read_sites(path, book, checklist, known_sites, problems)
    all_sites = {**known_sites, **{s.name: s for s in sites}}
    data = WorkbookInput(path, about, sites, [])
    answers_table = _table(path, book, layout.ANSWERS, layout.ANSWERS_COLUMNS,
                           layout.ANSWERS_REQUIRED)
    if layout.SUMMARY not in book.sheet_names:
        _check_sites_known(path, book.sheet_names, answers_table, all_sites)
    data.answers = _read_answers(layout.ANSWERS, answers_table, checklist, all_sites,
                                 problems, data)
    if layout.CONFLICTS in book.sheet_names:
        table = _table(path, book, layout.CONFLICTS, layout.CONFLICTS_COLUMNS,
                       ("kind", *layout.ANSWERS_REQUIRED))
        data.variants = _read_answers(layout.CONFLICTS, table, checklist, all_sites,
                                      problems, data, kind=layout.SAME_EVALUATOR)
    if layout.ADJUDICATIONS in book.sheet_names:
        table = _table(path, book, layout.ADJUDICATIONS, layout.ADJUDICATIONS_COLUMNS,
                       layout.ADJUDICATIONS_REQUIRED)
        data.adjudications = _read_adjudications(table, checklist, all_sites, problems)
    if layout.EVIDENCE in book.sheet_names:
        table = _table(path, book, layout.EVIDENCE, layout.EVIDENCE_COLUMNS,
                       ("evidence", "site"))
        for record in (_in_utc(row.cells, table) for row in table.rows()):
            row = {c.id: _plain(record.get(c.id)) for c in layout.EVIDENCE_COLUMNS}
            row["time"] = shown_time(cell_time(row["time"]) or "") or row["time"]
            data.evidence.append({k: ("" if v is None and k not in ("status", "bytes") else v)
                                  for k, v in row.items()})
    problems.raise_if_any()
    return data


def _check_sites_known(path: Path, sheets: list[str], answers: Table,
                       known: dict[str, Site]) -> None:
    """Without a Summary sheet, the sites of the Answers rows must all be known already:
    one message for the missing sheet, not one "unknown site" per row."""
    unknown = sorted({name for row in answers.rows()
                      if (name := _text(row.cells.get("site")).strip()) and name not in known})
    if not unknown:
        return
    shown = listed(unknown, 5)
    raise GovauditError(
        _(
            "{path}: no sheet named {SUMMARY} (sheets: {listed}), so the {count} site(s) its "
            "Answers rows name that are not known here ({shown}) cannot be read; rename the "
            "sheet that lists the sites back to {SUMMARY}. The file was refused, nothing was "
            "read from it").format(
            path=path, SUMMARY=layout.SUMMARY, listed=', '.join(sheets), count=len(unknown),
            shown=shown))


def _read_sites(path: Path, book: Book, checklist: Checklist, known: dict[str, Site],
                problems: _Problems) -> list[Site]:
    if layout.SUMMARY not in book.sheet_names:
        return []
    table = _table(path, book, layout.SUMMARY, [*layout.SUMMARY_HEAD, *layout.SUMMARY_TAIL],
                   ("site", "level"))
    sites: list[Site] = []
    seen: set[str] = set()
    for row in table.rows():
        number, record = row.number, row.cells
        name = _text(record.get("site"))
        ours = known.get(name)
        try:
            # a site already here keeps its URL: only the level must agree
            site = validate_site(checklist, name, ours.url if ours else _text(record.get("url")),
                                 _text(record.get("level")),
                                 _text(record.get("region")), _text(record.get("group")))
        except GovauditError as exc:
            problems.add(layout.SUMMARY, number, _("site {name}: {error}").format(
                name=name, error=exc) if name else str(exc))
            continue
        if name in seen:
            problems.add(layout.SUMMARY, number, _("site {name} is listed twice").format(
                name=name))
            continue
        seen.add(name)
        if ours is not None:
            if ours.level != site.level:
                problems.add(layout.SUMMARY, number, _(
                    "site {name} is {level} here but {ours} in the workspace").format(
                    name=name, level=site.level, ours=ours.level))
            else:
                sites.append(ours)
            continue
        sites.append(site)
    return sites


def _read_answers(sheet: str, table: Table, checklist: Checklist, sites: dict[str, Site],
                  problems: _Problems, data: WorkbookInput,
                  kind: str | None = None) -> list[Answer]:
    """Answers rows (one per key), or with `kind` every Conflicts row of that kind.

    Conflicts rows are kept whole: candidates that differ only in note or
    evidence are distinct, and the merge alone decides which are the same.
    A KEPT_FIELDS column that is absent, or a cell of it that holds a formula, leaves
    that field untold (data.untold), and data.notices says so.
    A row whose value a person changed is dated as a hand edit (`edit_time`).
    """
    answers: list[Answer] = []
    keys: dict[tuple[str, str, str], int] = {}
    exported = cell_time(data.about.get("exported"))
    absent = frozenset(f for f in KEPT_FIELDS if f not in table.columns)
    if absent:
        data.notices.append(_(
            "{path}: sheet {sheet} has no column {columns}: each answer keeps what it had, "
            "nothing is emptied").format(path=data.path, sheet=sheet,
                                         columns=", ".join(map(field_name, absent))))
    for row in table.rows():
        number, record = row.number, _in_utc(row.cells, table)
        shown = _text(record.get("kind")).strip()
        if kind is not None and layout.KIND_IDS.get(shown, shown) != kind:
            continue
        answer = _answer(sheet, number, record, checklist, sites, problems)
        if answer is None:
            continue
        if kind is None:
            review = _review(sheet, number, record, answer, exported, problems)
            if review is not None:
                data.reviews.append(review)
        if _hand_edited(checklist, answer, record.get("written")):
            answer = answer.replace(time=edit_time(answer.time, exported))
        key = (answer.site, answer.question, answer.evaluator)
        if kind is None:
            if key in keys:
                problems.add(sheet, number, _(
                    "{question} for {site} by {evaluator} is also in row {row}").format(
                    question=answer.question, site=answer.site, evaluator=answer.evaluator,
                    row=keys[key]))
                continue
            keys[key] = number
        computed = row.formulas.intersection(KEPT_FIELDS)
        for name in sorted(computed):
            data.notices.append(_(
                "{path}: {sheet} row {row} ({site} · {question} · {evaluator}): {field} is a "
                "formula, not text (a sort or a paste can turn text that starts with '=' "
                "into one), so it is not taken; the answer keeps the {header} it had").format(
                path=data.path, sheet=sheet, row=number, site=answer.site,
                question=answer.question, evaluator=answer.evaluator, field=field_name(name),
                header=_HEADERS[name]))
        if absent or computed:
            answer = answer.replace(**{f: _EMPTY[f] for f in absent | computed})
            data.untold[id(answer)] = absent | computed
        answers.append(answer)
    return answers


def _answer(sheet: str, number: int, record: Mapping[str, Any], checklist: Checklist,
            sites: dict[str, Site], problems: _Problems) -> Answer | None:
    name = _text(record.get("site"))
    site = sites.get(name) or sites.get(name.strip())
    qid = _text(record.get("question")).strip()
    question = checklist.question(qid)
    if site is None:
        problems.add(sheet, number, _(
            "unknown site {name!r} (not in this workspace or the workbook's Summary)").format(
            name=name))
        return None
    if question is None:
        problems.add(sheet, number, _unknown_question(qid, checklist))
        return None
    level = level_problem(checklist, site, question)
    if level:
        problems.add(sheet, number, level)
        return None
    raw = _plain(record.get("value"))
    try:
        value = question.parse_value("" if raw is None else raw)
    except ValueError as exc:
        problems.add(sheet, number, _("site {name}: {error}").format(name=site.name,
                                                                      error=exc))
        return None
    label = _text(record.get("value_label")).strip()
    if label and label != question.display(value):
        edited = _label_edit(question, value, label, _plain(record.get("written")))
        if edited is None:
            problems.add(sheet, number, _(
                "site {name}: {question}: 答案 {value!r} and 答案（中文） {label!r} disagree; "
                "change one to match the other, or clear 答案（中文）").format(
                name=site.name, question=qid, value=value, label=label))
            return None
        value = edited
    evaluator = _text(record.get("evaluator"))
    if not evaluator.strip():
        problems.add(sheet, number, _("no evaluator"))
        return None
    time = cell_time(record.get("time"))
    if time is None:
        problems.add(sheet, number, _(
            "time {time!r} is not a date and time between {start} and {end} (UTC)").format(
            time=record.get("time"), start=MIN_TIME.year, end=MAX_TIME.year))
        return None
    evidence = [e for e in _EVIDENCE_SPLIT.split(_text(record.get("evidence"))) if e]
    return Answer(site.name, qid, question.indicator_id, value, evaluator, time,
                  _text(record.get("note")), evidence)


def _review(sheet: str, number: int, record: Mapping[str, Any], answer: Answer,
            exported: str | None, problems: _Problems) -> Review | None:
    """The review an Answers row carries, of the answer as the row has it (before a hand
    edit re-dates it: an answer edited since it was reviewed is pending again). A state
    typed in by hand without its 复核时间 is dated when the workbook was exported."""
    text = _text(record.get("review")).strip()
    if not text:
        return None
    unit = f"{answer.site} · {answer.question} ({answer.evaluator})"
    state = review_state(text)
    if state is None:
        problems.add(sheet, number, _(
            "{unit}: 复核状态 (review) {text!r} is not one of {labels} ({ids})").format(
            unit=unit, text=text, labels=", ".join(REVIEW_STATES.values()),
            ids=", ".join(REVIEW_STATES)))
        return None
    reviewer = _text(record.get("reviewer")).strip()
    reason = _text(record.get("review_reason")).strip()
    if state == PENDING and not reviewer:
        return None  # what every unreviewed answer shows
    if not reviewer:
        problems.add(sheet, number, _("{unit}: 复核状态 {text} has no 复核人 (reviewer)").format(
            unit=unit, text=text))
        return None
    if state == RETURNED and not reason:
        problems.add(sheet, number, _(
            "{unit}: 退回 (returned) needs a reason in 复核意见 (review_reason)").format(
            unit=unit))
        return None
    raw_time = record.get("review_time")
    time = cell_time(raw_time) if _plain(raw_time) is not None else exported
    written = review_state(_text(record.get("review_written")))
    if time is not None and written is not None and written != state:
        time = edit_time(time, exported)  # typed over the review exported: a new one
    if time is None:
        problems.add(sheet, number, _(
            "{unit}: 复核时间 (review_time) {time!r} is not a date and time between {start} "
            "and {end} (UTC)").format(unit=unit, time=raw_time, start=MIN_TIME.year,
                                      end=MAX_TIME.year))
        return None
    version = _plain(record.get("review_version"))
    return Review(answer.site, answer.question, answer.evaluator, state, reviewer, time,
                  answer.time, reason, version if isinstance(version, int) and version > 0
                  else 1)


def _unknown_question(qid: str, checklist: Checklist) -> str:
    return _("unknown question {id!r} (not in checklist {checklist} version {version})").format(
        id=qid, checklist=checklist.id, version=checklist.version)


def _read_adjudications(table: Table, checklist: Checklist, sites: dict[str, Site],
                        problems: _Problems) -> list[Adjudication]:
    """The Adjudications rows, each checked as an answer is."""
    sheet = layout.ADJUDICATIONS
    out: list[Adjudication] = []
    for row in table.rows():
        number, record = row.number, _in_utc(row.cells, table)
        name = _text(record.get("site")).strip()
        qid = _text(record.get("question")).strip()
        question = checklist.question(qid)
        if name not in sites:
            problems.add(sheet, number, _("unknown site {name!r}").format(name=name))
            continue
        if question is None:
            problems.add(sheet, number, _unknown_question(qid, checklist))
            continue
        raw = _plain(record.get("value"))
        try:
            value = question.parse_value("" if raw is None else raw)
        except ValueError as exc:
            problems.add(sheet, number, _("site {name}: {error}").format(name=name, error=exc))
            continue
        who = _text(record.get("adjudicator")).strip()
        reason = _text(record.get("reason")).strip()
        time = cell_time(record.get("time"))
        if not who or not reason or time is None:
            missing = _("{site} · {question}: no 裁定人 (adjudicator)") if not who else \
                _("{site} · {question}: no 裁定理由 (reason)") if not reason else \
                _("{site} · {question}: no 裁定时间 (time) between {start} and {end} (UTC)")
            problems.add(sheet, number, missing.format(site=name, question=qid,
                                                       start=MIN_TIME.year, end=MAX_TIME.year))
            continue
        version = _plain(record.get("version"))
        out.append(Adjudication(name, qid, value, who, time, reason, (),
                                version if isinstance(version, int) and version > 0 else 1))
    return out


def _parse_label(question: Question, label: str) -> str | int | None:
    """The value an 答案（中文） cell names (是, 不适用, 好, 12个…), or None."""
    for text in (label, label.removesuffix(question.unit) if question.unit else label):
        try:
            return question.parse_value(text)
        except ValueError:
            continue
    return None


def _label_edit(question: Question, value: str | int, label: str,
                written: Any) -> str | int | None:
    """Which of a row's two answer columns a person changed, against the value exported
    (the hidden column): the changed one wins; None when that cannot be told."""
    named = _parse_label(question, label)
    if named is None or named == value:
        return named
    try:
        original = question.parse_value("" if written is None else written)
    except ValueError:
        return None
    if value == original:
        return named  # only the Chinese column was changed
    if named == original:
        return value  # only the value column was changed
    return None


def _hand_edited(checklist: Checklist, answer: Answer, written: Any) -> bool:
    """Whether a person changed the row's answer: it differs from the hidden column that
    holds the value as exported (a row without that value cannot tell)."""
    written = _plain(written)
    question = checklist.question(answer.question)
    if written is None or question is None:
        return False
    try:
        return bool(question.parse_value(written) != answer.value)
    except ValueError:
        return False


def edit_time(time: str, exported: str | None) -> str:
    """When a hand edit of an answer dated `time` was made, at the earliest: when its
    workbook was exported (the edit came after), else 1 ms after the answer it changed.
    Either way later than that answer, so merge and import both take the edit, whichever
    way it went, and re-merging picks it again."""
    if exported is not None and exported > time:
        return exported
    moment = dt.datetime.fromisoformat(time) + dt.timedelta(milliseconds=1)
    return moment.isoformat(timespec="milliseconds")


@dataclass
class ImportResult:
    path: Path
    rows: int
    new: int
    updated: int
    unchanged: int
    kept: int  # the workspace already held a newer answer
    sites_added: list[str]
    evaluators: list[str]
    # what the reader did about absent columns and formulas, and columns that became
    # empty for most rows at once
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reviews: int = 0  # reviews new here
    adjudications: int = 0  # adjudications new here
    withheld: int = 0  # other evaluators' answers left out (a blind import)


def _blinded(data: WorkbookInput, evaluator: str) -> int:
    """Leave out of `data` every answer by another evaluator than `evaluator` (probe
    suggestions stay), their reviews, and the adjudications; how many answers."""
    from govaudit.model import PROBE_EVALUATOR

    def seen(who: str) -> bool:
        return who in (evaluator, PROBE_EVALUATOR)

    kept = [a for a in data.answers if seen(a.evaluator)]
    withheld = len(data.answers) - len(kept)
    data.answers = kept
    data.variants = [a for a in data.variants if seen(a.evaluator)]
    data.reviews = [r for r in data.reviews if seen(r.evaluator)]
    data.adjudications = []
    return withheld


def _edits_dated(answers: list[Answer], stored: dict[tuple[str, str, str], Answer]
                 ) -> list[Answer]:
    """An answer edited in the workbook without changing its time is an edit all the same:
    it is dated now, so it replaces the stored one and keeps that in its history."""
    now = utc_now()
    out = []
    for answer in answers:
        old = stored.get((answer.site, answer.question, answer.evaluator))
        if (old is not None and old.time == answer.time
                and (old.value, old.note) != (answer.value, answer.note)):
            answer = answer.replace(time=now)
        out.append(answer)
    return out


def import_workbook(checklist: Checklist, store: Store, path: Path, force: bool = False,
                    add_sites: bool = False, blind: bool = False) -> ImportResult:
    """Bring a workbook's Answers, their reviews, its adjudications (and, with `add_sites`,
    its new sites) into the workspace. A blind workspace (or `blind`) takes none of the
    other evaluators' answers, their reviews or the adjudications.

    Sites the workbook has and this workspace has not are never added silently:
    without `add_sites` the import is refused and names them. An answer already
    stored for the same (site, question, evaluator) is replaced only by a newer
    one; the older value stays in the answer's history.
    """
    known = {s.name: s for s in store.sites()}
    data = read_workbook(path, checklist, known, force=force)
    withheld = _blinded(data, store.actor) if blind or store.blind else 0
    needed = {a.site for a in data.answers}
    new_sites = [s for s in data.sites if s.name not in known and s.name in needed]
    if new_sites and not add_sites:
        listed = ", ".join(f"{s.name} ({s.level}) {redact_url(s.url)}" for s in new_sites)
        raise GovauditError(_(
            "{path}: {count} site(s) not in this workspace: {listed}").format(
            path=path, count=len(new_sites), listed=listed), hint="add_sites")
    existing = {(a.site, a.question, a.evaluator): a for a in store.answers()
                if a.site in needed}
    incoming: list[Answer] = []
    # (row, stored answer) where the row tells the note and is not older than the answer
    replacing: list[tuple[Answer, Answer]] = []
    for answer in data.answers:
        old = existing.get((answer.site, answer.question, answer.evaluator))
        untold = data.untold_fields(answer)
        incoming.append(keep_untold(answer, untold, old))
        if old is not None and "note" not in untold and old.time <= answer.time:
            replacing.append((incoming[-1], old))
    # (only notes: an import adds evidence ids to an answer's, it never takes any away)
    warning = emptied_warning(path, "note", replacing, "in this workspace")
    warnings = [f"{warning}: the import empties them (each answer keeps its earlier note in "
                "its history)"] if warning else []
    new = updated = unchanged = kept = 0
    for answer in incoming:
        old = existing.get((answer.site, answer.question, answer.evaluator))
        if old is None:
            new += 1
        elif old.value == answer.value and old.note == answer.note:
            unchanged += 1
        elif old.time > answer.time:
            kept += 1
        else:
            updated += 1
    if new_sites:
        store_sites(store, new_sites)
    store.save_answers(_edits_dated(incoming, existing), keep_newer=True, action="import")
    reviews = store.save_reviews(data.reviews, action="import")
    adjudications = store.save_adjudications(data.adjudications, action="import")
    return ImportResult(Path(path), len(data.answers), new, updated, unchanged, kept,
                        [s.name for s in new_sites],
                        sorted({a.evaluator for a in data.answers}), data.notices, warnings,
                        len(reviews), len(adjudications), withheld)
