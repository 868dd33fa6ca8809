"""The deduction scheme: the State Council's 2019 inspection and the provincial schemes on it.

Part 1, veto items: any one found makes the site 不合格 and nothing else is scored. Part 2,
deduction items: from full marks (totals.main), each question deducts per occurrence, an item
never more than its own points; below the pass line: 不合格. Part 3, bonus items: scored only
when part 2 is above `bonus_above` ("高于80分": 80 itself earns none). A unit without a
function skips that part and the rest is scaled (75 × 4/3). A review part (专业评价) may be
weighed against the inspection.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from govaudit.checklist import Checklist, Question
from govaudit.checklist.model import (
    BONUS,
    DEDUCTION,
    FAIL,
    PASS,
    REVIEW,
    VETO,
    Indicator,
    ScaledPart,
)
from govaudit.model import Answer, Problem, Site, SiteScore
from govaudit.tally import Tally, asked, shown_total


def score_deduction_site(checklist: Checklist, site: Site, values: Mapping[str, object],
                         answers: Mapping[str, Answer]) -> SiteScore:
    """One site by the deduction scheme: verdict, part-2 score, bonus, total, 问题清单."""
    level = site.level
    groups = checklist.groups_for(level, site.group)
    active = [p for p in checklist.scaled if p.when.holds(values.get(p.when.question))]
    skipped = {node for part in active for node in part.skip}
    counts = _Counts()
    indicators: dict[str, float | None] = {}
    fractions: dict[str, float | None] = {}
    # first-level columns: what the deduction part cost, the bonus and review earned
    tops: dict[str, float] = {t.id: 0.0 for t in checklist.tops
                              if t.part in (DEDUCTION, BONUS, REVIEW)}
    problems: list[Problem] = []
    vetoes: list[str] = []
    deducted = skipped_points = review = review_best = 0.0
    bonus_now: list[float] = []
    bonus_best: list[float] = []
    for indicator in checklist.indicators_at(level):
        if skipped & set(indicator.path_ids):
            indicators[indicator.id] = None
            skipped_points += indicator.weight(level) or 0.0
            continue
        taken = counts.take(indicator, level, values)
        if indicator.part == VETO:
            for question, value in taken:
                if value != "na" and question.vetoes(value):
                    if indicator.name not in vetoes:  # as 通报 say it: 单项否决：栏目不更新
                        vetoes.append(indicator.name)
                    problems.append(_problem(site, indicator, question, value, answers, None))
        elif indicator.part == DEDUCTION:
            cap = indicator.weight(level)  # None: its points are not published
            lost = 0.0
            for question, value in taken:
                if value == "na" or not question.occurrences(value):
                    continue
                wanted = question.deduction(value)
                got = wanted if cap is None else max(0.0, min(wanted, cap - lost))
                lost += got
                # cut by the question's own cap or the item's points ("扣完为止")
                raw = question.occurrences(value) * (question.deduct or 0.0)
                problems.append(_problem(site, indicator, question, value, answers, got,
                                         capped=got < raw))
            deducted += lost
            indicators[indicator.id] = 0.0 - lost  # shown as what it cost: -5
        elif indicator.part in (BONUS, REVIEW):
            now, best, fraction = _earned(indicator, level, taken, counts.open_points(indicator))
            indicators[indicator.id], fractions[indicator.id] = now, fraction
            if indicator.part == BONUS:
                bonus_now.append(now)
                bonus_best.append(best)
            else:
                review, review_best = review + now, review_best + best
        if indicators.get(indicator.id) is not None and indicator.top in tops:
            tops[indicator.top] += indicators[indicator.id] or 0.0
    if vetoes:  # nothing else is scored: the 问题清单 holds the veto items found
        problems = [p for p in problems if p.part == VETO]
    full = checklist.full_marks or 0.0
    factor = _factor(active, full, skipped_points)
    part2 = max(0.0, (full - skipped_points - deducted) * factor)
    verdict, reason = PASS, ""
    if vetoes:
        verdict, reason = FAIL, "单项否决：" + "、".join(vetoes)
    elif checklist.pass_line is not None and shown_total(part2) < checklist.pass_line:
        verdict, reason = FAIL, (f"扣分指标得分 {part2:.2f} 低于 {checklist.pass_line:g} 分")
    earns_bonus = not vetoes and (checklist.bonus_above is None
                                  or shown_total(part2) > checklist.bonus_above)
    bonus = checklist.bonus(bonus_now) if earns_bonus else 0.0
    best_bonus = checklist.bonus(bonus_best) if earns_bonus else 0.0
    total: float | None = _final(checklist, part2 + bonus, review)
    reachable = _final(checklist, part2 + best_bonus, review_best)
    if vetoes:
        total = checklist.veto_score
    grade = checklist.grade_for(shown_total(total)) if total is not None else ""
    scaled_note = ""
    if active and not vetoes:
        names = "、".join(n.name for n in checklist.indicators if skipped & set(n.path_ids)
                         and n.part == DEDUCTION)
        scaled_note = (f"{names or '、'.join(skipped)} 不检查：其余 {full - skipped_points:g} "
                       f"分按 × {fraction_text(factor)} 折算为 {full:g} 分")
    return SiteScore(
        site.name, level, total, None if vetoes else bonus, grade, None, counts.answered,
        counts.questions, indicators, fractions, tops, group=groups[0], groups=groups,
        open_points=0.0 if vetoes or total is None else max(reachable - total, 0.0),
        verdict=verdict, reason=reason, part2=None if vetoes else part2,
        deducted=None if vetoes else deducted, vetoes=tuple(vetoes),
        problems=tuple(problems), scaled=scaled_note)


class _Counts:
    """Which questions of an indicator are asked and answered, counted for `provisional`."""

    def __init__(self) -> None:
        self.answered = self.questions = 0
        self._open: dict[str, float] = {}

    def take(self, indicator: Indicator, level: str, values: Mapping[str, object]
             ) -> list[tuple[Question, object]]:
        """The answered questions of an indicator that are asked, with their values."""
        out: list[tuple[Question, object]] = []
        open_points = 0.0
        for question in indicator.questions:
            state = asked(question, level, values)
            if state is False or not question.scored:
                continue
            self.questions += 1
            value = values.get(question.id)
            if state is None or value is None or value == "unknown":
                open_points += question.points
                continue
            self.answered += 1
            out.append((question, value))
        self._open[indicator.id] = open_points
        return out

    def open_points(self, indicator: Indicator) -> float:
        return self._open.get(indicator.id, 0.0)


def _earned(indicator: Indicator, level: str, taken: list[tuple[Question, object]],
            open_points: float) -> tuple[float, float, float | None]:
    """A bonus or review item's points now and at best: added per occurrence (`add`, up to its
    points) or its weight × the fraction earned; and the fraction."""
    weight = indicator.weight(level) or 0.0
    if any(q.add is not None for q in indicator.questions):
        added = sum((q.add or 0.0) * q.occurrences(v) for q, v in taken if v != "na")
        now = min(added, weight)
        best = weight if open_points else now
        return now, best, (now / weight if weight else None)
    tally = Tally()
    for question, value in taken:
        if value == "na":
            continue
        tally.possible += question.points
        tally.earned += question.points * question.fraction(value)  # type: ignore[arg-type]
    tally.possible += open_points
    tally.open += open_points
    return (weight * (tally.fraction or 0.0), weight * (tally.best_fraction or 0.0),
            tally.fraction)


def _factor(active: list[ScaledPart], full: float, skipped: float) -> float:
    """The published factor of the one scaled part applied (4/3); several: full ÷ what is left."""
    if not active:
        return 1.0
    if len(active) == 1:
        return active[0].factor
    return full / (full - skipped) if full > skipped else 1.0


def fraction_text(factor: float) -> str:
    """A factor as published: 4/3 rather than 1.333."""
    fraction = Fraction(factor).limit_denominator(100)
    if abs(float(fraction) - factor) > 1e-9:
        return f"{factor:.4g}"
    return str(fraction)


def _final(checklist: Checklist, inspection: float, review: float) -> float:
    """The inspection (part 2 + part 3), weighed against the expert review where there is one."""
    weight = checklist.review_weight
    if weight is None:
        return inspection
    return (1 - weight) * inspection + weight * review


def _problem(site: Site, indicator: Indicator, question: Question, value: object,
             answers: Mapping[str, Answer], deducted: float | None,
             capped: bool = False) -> Problem:
    answer = answers.get(question.id)
    shown: str | int = value if isinstance(value, int) else str(value)
    return Problem(site.name, indicator.part, indicator.id, " > ".join(indicator.path),
                   question.id, question.text, shown, question.occurrences(value),
                   deducted, question.deduct, capped, answer.note if answer else "",
                   tuple(answer.evidence) if answer else ())
