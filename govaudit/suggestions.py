"""Suggested answers from stored probe results, for questions whose `auto:` names a probe.

A suggestion is a lead the evaluator confirms, never a silent override:
`apply_suggestions` saves them as answers by the evaluator "probe", which
never replace (and always rank below) an answer a person gave.

Only yes/no, count and text questions get suggestions. A yes/no suggestion
is "yes" when the probe found what the question asks for. Absence is only
suggested where the probe can see it: a feature hint that is not in the HTML
(menus built by scripts) and a page without dates give no suggestion at all.

A veto or deduction question (`finds_problems`) asks the reverse: whether a problem was
found. Its yes/no suggestion is "yes" when the probe's finding is not good (the problem is
there) and "no" when it is good; its count is how many times the probe found the problem
(`ProbeFinding.problems`), and a probe that counts something else suggests no count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from govaudit.checklist import Checklist, Question
from govaudit.model import (
    PROBE_EVALUATOR,
    Answer,
    Monitored,
    ProbeFinding,
    ProbeResult,
    Site,
    utc_now,
)
from govaudit.probes import registry
from govaudit.store import Store


@dataclass
class Suggestion:
    question: str  # full question id
    value: str     # "yes"/"no" for yes/no questions, digits for counts, the text for text
    probe: str     # the question's auto: name, e.g. "marks.icp"
    detail: str    # the evidence, e.g. "京ICP备05070218号 found in the footer"
    urls: tuple[str, ...] = ()  # the pages the evidence cites


def suggestions_for(checklist: Checklist, site: Site,
                    probe_results: Mapping[str, ProbeResult],
                    monitored: Mapping[str, Monitored] | None = None
                    ) -> dict[str, Suggestion]:
    """{question id: Suggestion} for the site's questions whose `auto:` names a probe with
    a result, each by that probe's registered suggestion rule.

    `monitored` holds, by probe, how the monitoring answers (results made of its figures):
    the rule set's levels then decide yes or no, the probe's rule gives the rest.
    """
    out: dict[str, Suggestion] = {}
    for question in checklist.questions_at(site.level):
        # the monitoring's verdicts are by probe and in the has-feature sense: its veto lines
        # answer the problem questions through govaudit.monitor.views.problem_answers
        if monitored is not None and question.finds_problems:
            continue
        said: list[tuple[str, ProbeFinding | None]] = []
        for auto in question.autos:
            probe = registry.answering(auto)
            result = probe_results.get(probe.name) if probe is not None else None
            if probe is None or result is None or result.failed:
                continue  # a key whose probe has no result here says nothing
            finding = probe.suggest(auto, result)
            verdict = (monitored or {}).get(probe.name)
            if verdict is not None:
                finding = _monitored(verdict, finding)
            said.append((auto, finding))
        auto, finding = _together(said)
        if finding is None:
            continue
        value = _value(question, finding)
        if value is not None:
            out[question.id] = Suggestion(question.id, value, auto, finding.detail,
                                          finding.urls)
    return out


def _together(said: list[tuple[str, ProbeFinding | None]]) -> tuple[str, ProbeFinding | None]:
    """What the keys of one question say together: (the keys that decide, the finding). One
    key says what it says; of several, any not good makes it not good (the problems
    summed), all good make it good, and else they say nothing."""
    if len(said) <= 1:
        return said[0] if said else ("", None)
    found = [(k, f) for k, f in said if f is not None]
    bad = [(k, f) for k, f in found if f.good is False]
    chosen = bad or (found if len(found) == len(said) and all(f.good for _, f in found)
                     else [])
    if not chosen:
        return "", None

    def total(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(v or 0 for v in values)

    urls = tuple(dict.fromkeys(u for _, f in chosen for u in f.urls))
    return ", ".join(k for k, _ in chosen), ProbeFinding(
        not bad, "; ".join(f.detail for _, f in chosen),
        total([f.count for _, f in chosen]), urls, total([f.problems for _, f in chosen]))


def _monitored(verdict: Monitored, finding: ProbeFinding | None) -> ProbeFinding | None:
    """The probe's finding over monitored figures, answered by the rule set's levels."""
    if verdict.answer is None:
        return None  # not enough monitoring yet for the rule set's lines
    if finding is None:
        return ProbeFinding(verdict.answer, verdict.note)
    return ProbeFinding(verdict.answer, f"{verdict.note} — {finding.detail}", finding.count,
                        finding.urls)


def apply_suggestions(store: Store, checklist: Checklist, sites: Iterable[Site | str]) -> int:
    """Save suggestions as answers by "probe"; returns how many answers were new or changed.

    A question that a person has answered for a site is left alone, and so is one
    answered from the monitoring (weeks of samples outweigh one check).
    """
    saved = 0
    for entry in sites:
        site = entry if isinstance(entry, Site) else store.site(entry)
        suggested = {qid: (s.value, f"{s.probe}: {s.detail}") for qid, s in
                     suggestions_for(checklist, site, store.probe_results(site.name)).items()}
        saved += save_probe_answers(store, checklist, site, suggested,
                                    keep=lambda old: old.note.startswith(MONITORING_NOTE))
    return saved


MONITORING_NOTE = "monitoring:"  # how the notes of answers from the monitoring begin


def save_probe_answers(store: Store, checklist: Checklist, site: Site,
                       suggested: Mapping[str, tuple[str, str]],
                       keep: Callable[[Answer], bool] | None = None) -> int:
    """Save {question id: (value, note)} as answers by "probe" for one site.

    Never over a person's answer; an unchanged answer is not saved again, nor one that
    `keep(old answer by probe)` holds on to. Returns how many answers were saved.
    """
    answers = store.answers(site.name)
    by_person = {a.question for a in answers if a.evaluator != PROBE_EVALUATOR}
    by_probe = {a.question: a for a in answers if a.evaluator == PROBE_EVALUATOR}
    batch: list[Answer] = []
    now = utc_now()
    for qid, (text, note) in suggested.items():
        question = checklist.question(qid)
        if question is None or qid in by_person:
            continue
        value = question.parse_value(text)
        old = by_probe.get(qid)
        if old is not None and ((old.value == value and old.note == note)
                                or (keep is not None and keep(old))):
            continue
        batch.append(Answer(site.name, qid, question.indicator_id, value, PROBE_EVALUATOR,
                            now, note))
    if batch:
        store.save_answers(batch)
    return len(batch)


def _value(question: Question, finding: ProbeFinding) -> str | None:
    if question.finds_problems:  # yes: the problem is found
        if question.type == "yes_no":
            return None if finding.good is None else ("no" if finding.good else "yes")
        if question.type == "count":
            return None if finding.problems is None else str(finding.problems)
        return None
    if question.type == "yes_no":
        return None if finding.good is None else ("yes" if finding.good else "no")
    if question.type == "count":
        return None if finding.count is None else str(finding.count)
    if question.type == "text":
        return finding.detail
    return None  # graded scales differ too much to guess a grade
