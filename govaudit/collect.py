"""The guided assessment: which questions a site gets, in what order, where to resume.

`CollectSession` is the core of `govaudit collect`. It holds no terminal I/O:
the command asks it what to show (the plan, the current answer, a probe's
suggestion, the progress) and hands it what the evaluator chose. Every answer
goes to the store, durable on disk, before `answer` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from govaudit.answers import build_answer
from govaudit.checklist import Checklist, Indicator, Question
from govaudit.errors import GovauditError, UnknownName, checklist_where
from govaudit.i18n import _
from govaudit.model import PROBE_EVALUATOR, Answer, Evidence, PageRef, Site, SiteScore
from govaudit.scoring import Scorer, consolidate
from govaudit.store import Store
from govaudit.tally import asked

if TYPE_CHECKING:
    from govaudit.capture import LiveBrowser
    from govaudit.evidence import EvidenceFolder


@dataclass(frozen=True)
class PlanItem:
    """One question of a site's plan, with its leaf indicator."""

    indicator: Indicator
    question: Question


@dataclass(frozen=True)
class Hint:
    """What the automated probes suggest for a question."""

    value: str | int
    probe: str
    detail: str


@dataclass(frozen=True)
class Saved:
    """The outcome of one answer: the stored record and what it replaced."""

    answer: Answer
    previous: str | int | None  # this evaluator's earlier value, if any
    changed: bool  # an earlier value of this evaluator was replaced by a different one


@dataclass
class SessionSummary:
    site: str
    answered: int = 0
    changed: int = 0
    skipped: int = 0
    unknown: int = 0
    notes: int = 0
    evidence: int = 0
    remaining: int = 0
    questions: int = 0
    score: SiteScore | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site, "answered": self.answered, "changed": self.changed,
            "skipped": self.skipped, "unknown": self.unknown, "notes": self.notes,
            "evidence": self.evidence, "remaining": self.remaining,
            "questions": self.questions,
            "score": self.score.to_dict() if self.score else None,
        }


def select_indicators(checklist: Checklist, wanted: Sequence[str] | None) -> list[Indicator]:
    """Leaf indicators named by id; a branch id (一级/二级) selects every leaf below it."""
    if not wanted:
        return list(checklist.indicators)
    chosen: list[Indicator] = []
    for name in wanted:
        found = [i for i in checklist.indicators if name in i.path_ids]
        if not found:
            known = list(dict.fromkeys(n for i in checklist.indicators for n in i.path_ids))
            raise UnknownName("indicator", name, known, checklist_where(checklist),
                              hint="checklist_show")
        chosen.extend(i for i in found if i not in chosen)
    return [i for i in checklist.indicators if i in chosen]


def plan_for(checklist: Checklist, site: Site,
             indicators: Sequence[Indicator] | None = None) -> list[PlanItem]:
    """Every question a site at its level can be asked, in checklist order (before skip logic)."""
    allowed = {i.id for i in indicators} if indicators is not None else None
    return [
        PlanItem(indicator, question)
        for indicator in checklist.indicators_at(site.level)
        if allowed is None or indicator.id in allowed
        for question in indicator.questions
        if question.applies_to(site.level)
    ]


def page_urls(site: Site, indicator: Indicator, recorded: Sequence[PageRef] = (),
              question: Question | None = None) -> list[str]:
    """The URLs to open for an indicator (or one of its questions) of a site.

    Checklist `pages` are resolved against the site's address; patterns with
    wildcards cannot be opened and are left out. URLs recorded for the site and
    this indicator follow.
    """
    urls: list[str] = []
    questions = [question] if question is not None else indicator.questions
    for q in questions:
        for page in q.pages:
            if any(mark in page for mark in "*{}"):
                continue
            url = urljoin(site.url if site.url.endswith("/") else site.url + "/", page)
            if urlsplit(url).scheme in ("http", "https"):
                urls.append(url)
    qids = {q.id for q in questions}
    for record in recorded:
        if record.site == site.name and (record.question in qids or (
                record.indicator == indicator.id and not record.question)):
            urls.append(record.url)
    return list(dict.fromkeys(urls))


class CollectSession:
    """The guided assessment of one site: plan, skip logic, resume point, saves."""

    def __init__(self, checklist: Checklist, folder: EvidenceFolder, store: Store,
                 score: Scorer, site: Site, *,
                 indicators: Sequence[Indicator] | None = None, redo: bool = False,
                 evaluator: str | None = None) -> None:
        self.folder = folder  # where captures go
        self.store = store
        self.score = score
        self.site = site
        self.checklist = checklist
        self.redo = redo
        self.evaluator = evaluator or store.actor
        self.items = plan_for(self.checklist, site, indicators)
        self._answers: dict[tuple[str, str], Answer] = {}
        self._load_answers()
        self._hints: dict[str, Hint] | None = None
        self._pending_evidence: dict[str, list[str]] = {}
        self._skipped: set[str] = set()
        self._answered: set[str] = set()
        self._changed: set[str] = set()
        self._unknown: set[str] = set()
        self._notes: set[str] = set()
        self._evidence = 0

    # -- what there is to ask --------------------------------------------------

    def _load_answers(self) -> None:
        self._answers = {(a.question, a.evaluator): a for a in self.store.answers(self.site.name)}
        self._values = self._consolidated()

    def _consolidated(self) -> dict[str, object]:
        chosen = consolidate(self._answers.values(), self.evaluator)
        return {question: answer.value for (_, question), answer in chosen.items()}

    def state(self, index: int) -> bool | None:
        return asked(self.items[index].question, self.site.level, self._values)

    def shown(self, index: int) -> bool:
        return self.state(index) is True

    def current(self, index: int) -> Answer | None:
        """The person's answer shown as current: this evaluator's, else a teammate's."""
        qid = self.items[index].question.id
        own = self._answers.get((qid, self.evaluator))
        if own is not None:
            return own
        others = [a for (q, who), a in self._answers.items()
                  if q == qid and who not in (self.evaluator, PROBE_EVALUATOR)]
        return max(others, key=lambda a: a.time) if others else None

    def answered(self, index: int) -> bool:
        return self.current(index) is not None

    def hint(self, index: int) -> Hint | None:
        """What the probes suggest (a stored probe answer, or a fresh suggestion)."""
        if self._hints is None:
            self._hints = self._load_hints()
        return self._hints.get(self.items[index].question.id)

    def _load_hints(self) -> dict[str, Hint]:
        hints: dict[str, Hint] = {}
        results = self.store.probe_results(self.site.name)
        if results:
            from govaudit.suggestions import suggestions_for

            hints = {qid: Hint(s.value, s.probe, s.detail) for qid, s in
                     suggestions_for(self.checklist, self.site, results).items()}
        for (qid, who), answer in self._answers.items():
            if who == PROBE_EVALUATOR and qid not in hints:
                hints[qid] = Hint(answer.value, PROBE_EVALUATOR, answer.note)
        return hints

    def default(self, index: int) -> str | int | None:
        """The value to preselect: the current answer, else the probes' suggestion."""
        current = self.current(index)
        if current is not None:
            return current.value
        hint = self.hint(index)
        return hint.value if hint is not None else None

    # -- moving through the plan -----------------------------------------------

    def _wanted(self, index: int) -> bool:
        return self.shown(index) and (self.redo or not self.answered(index))

    def start(self) -> int | None:
        """Where to begin: the first question shown (--redo) or the first unanswered one."""
        return next((i for i in range(len(self.items)) if self._wanted(i)), None)

    def answered_count(self) -> int:
        """How many of the questions shown already have an answer (before or after the
        resume point: an evaluator may have answered out of order)."""
        return sum(1 for i in range(len(self.items)) if self.shown(i) and self.answered(i))

    def next_index(self, index: int) -> int | None:
        """The next question to ask after `index` (skip logic re-evaluated now)."""
        return next((i for i in range(index + 1, len(self.items)) if self._wanted(i)), None)

    def skipped_by_logic(self, index: int, following: int | None) -> list[int]:
        """The questions after `index` and before `following` that skip logic (a
        `relevant` condition that does not hold) leaves out now."""
        end = len(self.items) if following is None else following
        return [i for i in range(index + 1, end)
                if self.items[i].question.relevant is not None and self.state(i) is False
                and self.items[i].question.applies_to(self.site.level)]

    def previous_index(self, index: int) -> int | None:
        """The question shown before `index`, answered or not."""
        return next((i for i in range(index - 1, -1, -1) if self.shown(i)), None)

    def open_items(self) -> list[int]:
        """The questions the site is asked or may still be asked (skip logic undecided)."""
        return [i for i in range(len(self.items)) if self.state(i) is not False]

    def progress(self, index: int) -> tuple[int, int]:
        """(number, total) among the questions the site can still be asked."""
        open_items = self.open_items()
        return sum(1 for i in open_items if i <= index), len(open_items)

    # -- saving ------------------------------------------------------------------

    def answer(self, index: int, raw: object, note: str = "") -> Saved:
        """Validate and save an answer; it is on disk when this returns."""
        item = self.items[index]
        record = build_answer(self.checklist, self.site, item.question.id, raw, self.evaluator,
                              note)
        previous = self._answers.get((item.question.id, self.evaluator))
        evidence = self._pending_evidence.pop(item.question.id, [])
        saved = self.store.save_answer(self.site.name, record.question, record.indicator,
                                       record.value, self.evaluator, record.note, evidence,
                                       time=record.time)
        self._remember(saved)
        qid = item.question.id
        self._answered.add(qid)
        self._skipped.discard(qid)
        changed = previous is not None and previous.value != saved.value
        if changed:
            self._changed.add(qid)
        for marks, holds in ((self._unknown, saved.value == "unknown"),
                             (self._notes, bool(saved.note))):
            if holds:
                marks.add(qid)
            else:
                marks.discard(qid)
        return Saved(saved, previous.value if previous else None, changed)

    def skip(self, index: int) -> None:
        """Leave a question as it is; an unanswered one counts as skipped."""
        if not self.answered(index):
            self._skipped.add(self.items[index].question.id)

    def _remember(self, answer: Answer) -> None:
        self._answers[(answer.question, answer.evaluator)] = answer
        self._values = self._consolidated()

    def capture(self, live: LiveBrowser, index: int, url: str | None = None) -> Evidence:
        """Capture the live browser's page as evidence for the question at `index`.

        A capture that saved files is stored, linked to the answer (see
        add_evidence) and added to the browser run's manifest; one that saved
        nothing is returned with its error and kept nowhere.
        """
        item = self.items[index]
        record = live.capture(self.folder, site=self.site.name,
                              indicator=item.indicator.id, question=item.question.id, url=url)
        if record.files:
            self.add_evidence(index, record)
            live.add_to_manifest(self.folder, record)
        return record

    def add_evidence(self, index: int, record: Evidence) -> None:
        """Store a capture for the question at `index`, record its URL, link it to the answer.

        The record is linked to the question's answers at once; when this
        evaluator has not answered yet, it is linked to the answer given next.
        """
        from govaudit.evidence import store_records

        item = self.items[index]
        store_records(self.store, [record])
        self._evidence += 1
        url = record.url
        if url:
            self.store.record_page(PageRef(self.site.name, url, item.indicator.id,
                                              item.question.id))
        self._load_answers()
        if (item.question.id, self.evaluator) not in self._answers:
            self._pending_evidence.setdefault(item.question.id, []).append(record.id)

    def evidence_ids(self, index: int) -> list[str]:
        """Evidence recorded for the question at `index` (by any capture)."""
        qid = self.items[index].question.id
        return [r.id for r in self.store.evidence_records(self.site.name) if r.question == qid]

    def urls(self, index: int) -> list[str]:
        """The pages of the indicator at `index`, then the site's home page."""
        item = self.items[index]
        urls = page_urls(self.site, item.indicator, self.store.pages(self.site.name))
        return list(dict.fromkeys([*urls, self.site.url]))

    # -- the end -------------------------------------------------------------------

    def summary(self) -> SessionSummary:
        """Counts of this session and the site's provisional score."""
        open_items = self.open_items()
        remaining = sum(1 for i in open_items if not self.answered(i))
        report = self.score(self.store.sites(), self.store.answers())
        score = next((s for s in report.sites if s.site == self.site.name), None)
        return SessionSummary(
            site=self.site.name, answered=len(self._answered), changed=len(self._changed),
            skipped=len(self._skipped), unknown=len(self._unknown), notes=len(self._notes),
            evidence=self._evidence, remaining=remaining, questions=len(open_items), score=score,
        )


@dataclass
class CollectPlan:
    """The sites of one `collect` run, each with its session."""

    sessions: list[CollectSession] = field(default_factory=list)
    not_assessed: list[Site] = field(default_factory=list)


def plan_sessions(checklist: Checklist, folder: EvidenceFolder, store: Store, score: Scorer,
                  targets: list[Site], indicators: Sequence[str] | None = None, *,
                  redo: bool = False) -> CollectPlan:
    """Sessions for the sites `targets`, limited to some indicators; captures go to `folder`."""
    chosen = select_indicators(checklist, indicators) if indicators else None
    if not targets:
        raise GovauditError(_("no sites in this workspace yet"), hint="add_site")
    plan = CollectPlan()
    for site in targets:
        session = CollectSession(checklist, folder, store, score, site, indicators=chosen,
                                 redo=redo)
        if session.items:
            plan.sessions.append(session)
        else:
            plan.not_assessed.append(site)
    return plan
