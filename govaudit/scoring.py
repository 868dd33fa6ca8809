"""Scores: item scoring, the benchmark method for counts, bonus cap, grades, dense ranks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from govaudit.checklist import Checklist, Question
from govaudit.store import Answer, Site

PROBE_EVALUATOR = "probe"


def consolidate(answers: Iterable[Answer], own_evaluator: str | None = None
                ) -> dict[tuple[str, str], Answer]:
    """One answer per (site, question).

    A person's answer always beats a probe's suggestion; this workspace's
    evaluator beats teammates; otherwise the latest answer wins.
    """
    chosen: dict[tuple[str, str], Answer] = {}

    def rank(a: Answer) -> tuple[int, int, str]:
        return (a.evaluator != PROBE_EVALUATOR, a.evaluator == own_evaluator, a.time)

    for answer in answers:
        key = (answer.site, answer.question)
        if key not in chosen or rank(answer) > rank(chosen[key]):
            chosen[key] = answer
    return chosen


@dataclass
class SiteScore:
    site: str
    level: str
    total: float | None
    bonus: float | None
    grade: str
    rank: int | None
    answered: int
    questions: int
    indicators: dict[str, float | None] = field(default_factory=dict)
    fractions: dict[str, float | None] = field(default_factory=dict)
    tops: dict[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.answered == self.questions

    def to_dict(self) -> dict:
        return {
            "site": self.site, "level": self.level,
            "total": _round(self.total), "bonus": _round(self.bonus),
            "grade": self.grade, "rank": self.rank,
            "answered": self.answered, "questions": self.questions,
            "complete": self.complete,
            "indicators": {k: _round(v) for k, v in self.indicators.items()},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class ScoreReport:
    checklist: Checklist
    sites: list[SiteScore]

    @property
    def weighted(self) -> bool:
        return not self.checklist.unweighted

    def to_dict(self) -> dict:
        out: dict = {"checklist": self.checklist.id, "sites": [s.to_dict() for s in self.sites]}
        if not self.weighted:
            out["note"] = ("this checklist publishes no weights: indicators show the fraction "
                           "earned (0–1); totals, grades and ranks need weights")
            for entry, site in zip(out["sites"], self.sites, strict=True):
                entry["indicators"] = {k: _round(v) for k, v in site.fractions.items()}
        return out


def asked(question: Question, level: str, values: dict[str, object]) -> bool | None:
    """Whether a question is asked at a site: False if skip logic hides it, None if pending."""
    if not question.applies_to(level) or not question.scored:
        return False
    if question.relevant is None:
        return True
    return question.relevant.holds(values.get(question.relevant.question))


def benchmarks(checklist: Checklist, sites: list[Site],
               by_site: dict[str, dict[str, object]]) -> dict[tuple[str, str], float]:
    """The best value of each count question among the assessed sites of each level."""
    best: dict[tuple[str, str], float] = {}
    for question in checklist.questions:
        if question.type != "count":
            continue
        for site in sites:
            indicator = checklist.indicator(question.indicator_id)
            if indicator is None or not indicator.assessed_at(site.level, checklist.unweighted):
                continue
            site_values = by_site.get(site.name, {})
            if asked(question, site.level, site_values) is not True:
                continue
            value = site_values.get(question.id)
            if isinstance(value, int):
                key = (site.level, question.id)
                best[key] = max(best.get(key, 0.0), float(value))
    return best


def score_sites(checklist: Checklist, sites: list[Site], answers: Iterable[Answer],
                own_evaluator: str | None = None) -> ScoreReport:
    chosen = consolidate(answers, own_evaluator)
    values: dict[tuple[str, str], object] = {k: a.value for k, a in chosen.items()}
    by_site: dict[str, dict[str, object]] = {}
    for (site, question), value in values.items():
        by_site.setdefault(site, {})[question] = value
    best = benchmarks(checklist, sites, by_site)
    scores = [_score_site(checklist, site, by_site.get(site.name, {}), best) for site in sites]
    if not checklist.unweighted:
        _rank(scores)
    return ScoreReport(checklist, scores)


def _score_site(checklist: Checklist, site: Site, values: dict[str, object],
                best: dict[tuple[str, str], float]) -> SiteScore:
    answered = questions = 0
    main = bonus = 0.0
    indicators: dict[str, float | None] = {}
    fractions: dict[str, float | None] = {}
    tops: dict[str, float] = {t.id: 0.0 for t in checklist.tops}
    for indicator in checklist.indicators_at(site.level):
        earned = possible = 0.0
        for question in indicator.questions:
            state = asked(question, site.level, values)
            if state is False:
                continue
            questions += 1
            value = values.get(question.id)
            if state is None or value is None or value == "unknown":
                possible += question.points if state else 0.0
                continue
            answered += 1
            if value == "na":
                continue
            possible += question.points
            earned += question.points * question.fraction(
                value, best.get((site.level, question.id)))  # type: ignore[arg-type]
        fraction = earned / possible if possible else None
        fractions[indicator.id] = fraction
        weight = indicator.weight(site.level)
        if weight is None:
            indicators[indicator.id] = None
            continue
        score = weight * fraction if fraction is not None else 0.0
        indicators[indicator.id] = score
        tops[indicator.top] = tops.get(indicator.top, 0.0) + score
        if indicator.bonus:
            bonus += score
        else:
            main += score
    if checklist.unweighted:
        return SiteScore(site.name, site.level, None, None, "", None, answered, questions,
                         indicators, fractions, {})
    if checklist.bonus_cap is not None:
        bonus = min(bonus, checklist.bonus_cap)
    total = main + bonus
    return SiteScore(site.name, site.level, total, bonus, checklist.grade_for(total), None,
                     answered, questions, indicators, fractions, tops)


def dense_ranks(totals: list[float]) -> list[int]:
    """Dense ranks, highest first; ties share a place: 1, 2, 2, 3."""
    distinct = sorted({round(t, 4) for t in totals}, reverse=True)
    place = {value: index for index, value in enumerate(distinct, 1)}
    return [place[round(t, 4)] for t in totals]


def _rank(scores: list[SiteScore]) -> None:
    """Ranks within each level."""
    for level in {s.level for s in scores}:
        group = [s for s in scores if s.level == level]
        for site_score, rank in zip(group, dense_ranks([s.total or 0.0 for s in group]),
                                    strict=True):
            site_score.rank = rank
