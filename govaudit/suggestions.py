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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from govaudit.checklist import Checklist, Question
from govaudit.probes.names import AUTO_NAMES, probe_of
from govaudit.scoring import PROBE_EVALUATOR
from govaudit.store import Answer, Site, Store, utc_now

FRESH_DAYS = 14  # home-page columns must not go two weeks without an update
MARK_LABELS = {"sponsor": "主办单位", "conac": "党政机关网站标识", "site_code": "网站标识码",
               "icp": "ICP备案号", "police": "公安机关备案号", "sitemap": "网站地图"}
FEATURE_LABELS = {"search": "站内搜索", "login": "注册/登录", "disclosure_request": "依申请公开",
                  "gov_info": "政府信息公开", "interpretation": "政策解读",
                  "interaction": "互动交流", "accessibility": "无障碍/长者模式"}


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
                    probe_results: dict[str, dict]) -> dict[str, Suggestion]:
    """{question id: Suggestion} for the site's questions that name a probe with a result."""
    out: dict[str, Suggestion] = {}
    for question in checklist.questions_at(site.level):
        auto = question.auto.strip()
        if auto not in AUTO_NAMES:
            continue
        result = probe_results.get(probe_of(auto))
        if not result or result.get("failed"):
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

    A question that a person has answered for a site is left alone.
    """
    saved = 0
    for entry in sites:
        site = entry if isinstance(entry, Site) else store.site(entry)
        answers = store.answers(site.name)
        by_person = {a.question for a in answers if a.evaluator != PROBE_EVALUATOR}
        by_probe = {a.question: a for a in answers if a.evaluator == PROBE_EVALUATOR}
        batch: list[Answer] = []
        now = utc_now()
        for qid, suggestion in suggestions_for(checklist, site,
                                               store.probe_results(site.name)).items():
            question = checklist.question(qid)
            if question is None or qid in by_person:
                continue
            value = question.parse_value(suggestion.value)
            note = f"{suggestion.probe}: {suggestion.detail}"
            old = by_probe.get(qid)
            if old is not None and old.value == value and old.note == note:
                continue
            batch.append(Answer(site.name, qid, question.indicator_id, value,
                                PROBE_EVALUATOR, now, note))
        if batch:
            store.save_answers(batch)
            saved += len(batch)
    return saved


def _value(question: Question, finding: _Finding) -> str | None:
    if question.type == "yes_no":
        return None if finding.good is None else ("yes" if finding.good else "no")
    if question.type == "count":
        return None if finding.count is None else str(finding.count)
    if question.type == "text":
        return finding.detail
    return None  # graded scales differ too much to guess a grade


def _finding(auto: str, result: dict[str, Any]) -> _Finding | None:
    probe, _, key = auto.partition(".")
    if probe == "marks":
        return _mark(key, result)
    if probe == "features":
        return _feature(key, result)
    return {"ipv6": _ipv6, "links": _links, "availability": _availability,
            "freshness": _freshness}[probe](result)


def _where(result: dict[str, Any], key: str) -> str:
    where = str((result.get("where") or {}).get(key) or "")
    return {"footer": " in the footer", "page": " on the home page"}.get(where, "")


def _home(result: dict[str, Any]) -> str:
    page = result.get("page") or {}
    return page.get("final_url") or page.get("url") or "the home page"


def _mark(key: str, result: dict[str, Any]) -> _Finding:
    label = MARK_LABELS[key]
    if key == "conac":
        if result.get("conac"):
            return _Finding(True, f"{label}: badge linking to {result.get('conac_url')}")
        return _Finding(False, f"no {label} (no link to conac.cn) on {_home(result)}")
    value = result.get(key)
    if value:
        return _Finding(True, f"{label} {value} found{_where(result, key)}")
    return _Finding(False, f"no {label} found on {_home(result)}")


def _feature(key: str, result: dict[str, Any]) -> _Finding | None:
    found = result.get(key) or {}
    if not found.get("found"):
        return None  # not in the HTML is not proof of absence
    return _Finding(True, f"{FEATURE_LABELS[key]}: {found.get('match')}")


def _ipv6(result: dict[str, Any]) -> _Finding:
    host = result.get("host", "")
    addresses = ", ".join(result.get("aaaa") or [])
    if result.get("reachable"):
        return _Finding(True, f"{host} has AAAA {addresses}; HTTP {result.get('status')} "
                              "over IPv6")
    if result.get("has_aaaa"):
        return _Finding(False, f"{host} has AAAA {addresses} but no answer over IPv6 "
                               f"({result.get('error') or 'no response'})")
    return _Finding(False, f"{host}: {result.get('error') or 'no AAAA record'}")


def _links(result: dict[str, Any]) -> _Finding:
    checked = result.get("checked") or 0
    broken = result.get("broken") or []
    if not broken:
        return _Finding(True, f"all {checked} links work", 0)
    shown = "; ".join(f"{b['url']} ({b['status'] or b['error']})" for b in broken[:3])
    more = f"; and {len(broken) - 3} more" if len(broken) > 3 else ""
    return _Finding(False, f"{len(broken)} of {checked} links broken: {shown}{more}",
                    len(broken))


def _availability(result: dict[str, Any]) -> _Finding:
    samples = result.get("samples") or 0
    failures = result.get("failures") or 0
    if failures:
        errors = "; ".join(result.get("errors") or [])
        return _Finding(False, f"{failures} of {samples} requests failed ({errors})", failures)
    return _Finding(True, f"{samples}/{samples} requests answered HTTP {result.get('status')}, "
                          f"median {result.get('latency_median_ms')} ms", 0)


def _freshness(result: dict[str, Any]) -> _Finding | None:
    days = result.get("days")
    if days is None:
        return None  # no date found: dates may be drawn by scripts
    detail = (f"newest date {result.get('latest')} on {result.get('source')}, "
              f"{days} day(s) before {result.get('today')}")
    return _Finding(days <= FRESH_DAYS, detail, days)
