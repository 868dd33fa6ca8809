"""Suggested answers from stored probe results, for questions whose `auto:` names a probe.

A suggestion is a lead the evaluator confirms, never a silent override:
`apply_suggestions` saves them as answers by the evaluator "probe", which
never replace (and always rank below) an answer a person gave.

Only yes/no, count and text questions get suggestions. A yes/no suggestion
is "yes" when the probe found what the question asks for. Absence is only
suggested where the probe can see it: a feature hint that is not in the HTML
(menus built by scripts) and a page without dates give no suggestion at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from govaudit.checklist import Checklist, Question
from govaudit.model import (
    FEATURE_LABELS,
    MARK_LABELS,
    AvailabilityResult,
    FeaturesResult,
    FreshnessResult,
    Ipv6Result,
    LinksResult,
    MarksResult,
    ProbeResult,
)
from govaudit.probes.names import AUTO_NAMES, probe_of
from govaudit.scoring import PROBE_EVALUATOR
from govaudit.store import Answer, Site, Store, utc_now

FRESH_DAYS = 14  # home-page columns must not go two weeks without an update


@dataclass
class Suggestion:
    question: str  # full question id
    value: str     # "yes"/"no" for yes/no questions, digits for counts, the text for text
    probe: str     # the question's auto: name, e.g. "marks.icp"
    detail: str    # the evidence, e.g. "京ICP备05070218号 found in the footer"


@dataclass
class _Finding:
    good: bool | None  # None: the probe cannot tell
    detail: str
    count: int | None = None


def suggestions_for(checklist: Checklist, site: Site,
                    probe_results: Mapping[str, ProbeResult]) -> dict[str, Suggestion]:
    """{question id: Suggestion} for the site's questions that name a probe with a result."""
    out: dict[str, Suggestion] = {}
    for question in checklist.questions_at(site.level):
        auto = question.auto.strip()
        if auto not in AUTO_NAMES or question.finds_problems:
            continue
        result = probe_results.get(probe_of(auto))
        if result is None or result.failed:
            continue
        finding = _finding(auto, result)
        if finding is None:
            continue
        value = _value(question, finding)
        if value is not None:
            out[question.id] = Suggestion(question.id, value, auto, finding.detail)
    return out


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
        # a veto or deduction question asks whether a problem is found (yes: found), the
        # reverse of what the probes and the monitor suggest: none is saved for it yet
        if question is None or qid in by_person or question.finds_problems:
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


def _value(question: Question, finding: _Finding) -> str | None:
    if question.type == "yes_no":
        return None if finding.good is None else ("yes" if finding.good else "no")
    if question.type == "count":
        return None if finding.count is None else str(finding.count)
    if question.type == "text":
        return finding.detail
    return None  # graded scales differ too much to guess a grade


def _finding(auto: str, result: ProbeResult) -> _Finding | None:
    key = auto.partition(".")[2]
    if isinstance(result, MarksResult):
        return _mark(key, result)
    if isinstance(result, FeaturesResult):
        return _feature(key, result)
    if isinstance(result, Ipv6Result):
        return _ipv6(result)
    if isinstance(result, LinksResult):
        return _links(result)
    if isinstance(result, AvailabilityResult):
        return _availability(result)
    if isinstance(result, FreshnessResult):
        return _freshness(result)
    return None


def _where(result: MarksResult, key: str) -> str:
    where = result.where.get(key) or ""
    return {"footer": " in the footer", "page": " on the home page"}.get(where, "")


def _home(result: MarksResult) -> str:
    return result.page.get("final_url") or result.page.get("url") or "the home page"


def _mark(key: str, result: MarksResult) -> _Finding:
    label = MARK_LABELS[key]
    finding = result.details.get(key)
    hidden = " (inside <noscript>: shown only without scripts)" \
        if finding and finding.noscript else ""
    if finding and finding.by_script:
        hidden += " (written by script: only the rendered page shows it)"
    if key == "conac":
        if result.conac:
            if finding and finding.found_as == "script":
                return _Finding(True, f"{label}: written by the script "
                                      f"{result.conac_url}{hidden}")
            return _Finding(True, f"{label}: badge linking to {result.conac_url}{hidden}")
        return _Finding(False, f"no {label} (no link to conac.cn) on {_home(result)}")
    value = result.value(key)
    if value and finding and finding.valid is False:
        return _Finding(False, f"{label} {value} found{_where(result, key)}, but malformed: "
                               f"{finding.problem}")
    if value:
        return _Finding(True, f"{label} {value} found{_where(result, key)}{hidden}")
    return _Finding(False, f"no {label} found on {_home(result)}")


def _feature(key: str, result: FeaturesResult) -> _Finding | None:
    found = result.hint(key)
    if not found.found:
        return None  # not in the HTML is not proof of absence
    return _Finding(True, f"{FEATURE_LABELS[key]}: {found.match}")


def _ipv6(result: Ipv6Result) -> _Finding:
    addresses = ", ".join(result.aaaa)
    if result.reachable:
        return _Finding(True, f"{result.host} has AAAA {addresses}; HTTP {result.status} "
                              "over IPv6")
    if result.has_aaaa:
        return _Finding(False, f"{result.host} has AAAA {addresses} but no answer over IPv6 "
                               f"({result.error or 'no response'})")
    return _Finding(False, f"{result.host}: {result.error or 'no AAAA record'}")


def _links(result: LinksResult) -> _Finding:
    """Broken links among those checked; links whose host was not reached are only counted."""
    checked, broken, unchecked = result.checked, result.broken, result.unchecked
    answered = result.answered
    reasons = Counter(u.error.split(" (")[0] for u in unchecked)
    not_reached = (f"; {len(unchecked)} more could not be checked from this machine ("
                   + ", ".join(f"{why} {n}" for why, n in reasons.most_common()) + ")"
                   ) if unchecked else ""
    if not broken:
        if answered <= 0 < len(unchecked):
            return _Finding(None, f"none of the {checked} links could be checked{not_reached}")
        if not unchecked:
            return _Finding(True, f"all {checked} links work", 0)
        return _Finding(True, f"all {answered} links checked work{not_reached}", 0)
    shown = "; ".join(f"{b.url} ({b.status or b.error})" for b in broken[:3])
    more = f"; and {len(broken) - 3} more" if len(broken) > 3 else ""
    return _Finding(False, f"{len(broken)} of {answered} links broken: {shown}{more}"
                           f"{not_reached}", len(broken))


def _availability(result: AvailabilityResult) -> _Finding:
    samples, failures = result.samples, result.failures
    errors = "; ".join(result.errors)
    if failures:
        return _Finding(False, f"{failures} of {samples} requests failed ({errors})", failures)
    if result.refused:  # where the site led was not requested: neither up nor down
        return _Finding(None, f"could not judge: {result.refused} of {samples} requests were "
                              f"not followed ({errors})")
    return _Finding(True, f"{samples}/{samples} requests answered HTTP {result.status}, "
                          f"median {result.latency_median_ms} ms", 0)


def _freshness(result: FreshnessResult) -> _Finding | None:
    days = result.days
    if days is None:
        return None  # no date found: dates may be drawn by scripts
    detail = (f"newest date {result.latest} on {result.source}, "
              f"{days} day(s) before {result.today}")
    return _Finding(days <= FRESH_DAYS, detail, days)
