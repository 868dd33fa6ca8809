"""Scores: item scoring, the benchmark method for counts, bonus cap, grades, dense ranks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from govaudit.checklist import Checklist, Question
from govaudit.checklist.model import FAIL, PASS, SPECIAL_VALUES
from govaudit.errors import GovauditError
from govaudit.i18n import N_, _
from govaudit.model import PROBE_EVALUATOR, Adjudication, Answer, Problem, Site, SiteScore, _round
from govaudit.review import current_adjudications
from govaudit.tally import SHOWN_DECIMALS as SHOWN_DECIMALS  # re-exported
from govaudit.tally import Tally, asked, shown_total

# shown translated: _(PROVISIONAL_NOTE)
PROVISIONAL_NOTE = N_("Provisional totals count unanswered and 'unknown' questions as 0; "
                      "'open' is the most those questions could still add.")
SETTLED_BY = "合议"  # the evaluator of an answer that stands for an unsettled disagreement


@dataclass(frozen=True)
class Settlement:
    """How one value per (site, question) is chosen from everyone's answers.

    People's answers beat probe suggestions. When every person gave the same value,
    that value counts. When they disagree, the answer of `prefer` counts if that
    evaluator answered; otherwise the question counts as `unknown` (the site stays
    incomplete) until someone settles it. An adjudication of a question settles it: its
    value counts while the evaluators disagree. Text questions take the latest answer.
    """

    prefer: str = ""  # an evaluator's name, or "" for no one
    adjudications: tuple[Adjudication, ...] = ()  # every one kept; the newest of each holds

    @classmethod
    def parse(cls, text: str | None) -> Settlement:
        """'evaluator:NAME', or 'review' / '' for no preferred evaluator."""
        text = (text or "").strip()
        if text in ("", "review"):
            return cls()
        if text.startswith("evaluator:") and text.removeprefix("evaluator:").strip():
            return cls(text.removeprefix("evaluator:").strip())
        raise GovauditError(_("settlement {text!r}: use 'review' or 'evaluator:NAME'").format(
            text=text))

    def __str__(self) -> str:
        return f"evaluator:{self.prefer}" if self.prefer else "review"

    def describe(self) -> str:
        if self.prefer:
            return (f"where evaluators disagree, {self.prefer}'s answer counts "
                    "(otherwise the question counts as unknown)")
        return "where evaluators disagree, the question counts as unknown until settled"


@dataclass(frozen=True)
class Disagreement:
    """A (site, question) whose evaluators gave different values, and what counted."""

    site: str
    question: str
    values: Mapping[str, str | int]  # evaluator -> value
    counted: str | int
    settled: bool  # False: counted as unknown
    adjudicated: bool = False  # settled by an adjudication (its value counted)


def _latest(answers: Iterable[Answer]) -> Answer:
    return max(answers, key=lambda a: (a.time, a.evaluator))


def settle(answers: Iterable[Answer], settlement: Settlement | str | None = None,
           checklist: Checklist | None = None
           ) -> tuple[dict[tuple[str, str], Answer], list[Disagreement]]:
    """One answer per (site, question) by the settlement's rule, and the disagreements."""
    policy = settlement if isinstance(settlement, Settlement) else Settlement(settlement or "")
    groups: dict[tuple[str, str], list[Answer]] = {}
    for answer in answers:
        groups.setdefault((answer.site, answer.question), []).append(answer)
    adjudged = current_adjudications(policy.adjudications)
    chosen: dict[tuple[str, str], Answer] = {}
    disagreements: list[Disagreement] = []
    for key, group in groups.items():
        people = [a for a in group if a.evaluator != PROBE_EVALUATOR]
        pool = people or group
        question = checklist.question(key[1]) if checklist is not None else None
        if len({value_key(a.value) for a in pool}) == 1 or (question and not question.scored):
            chosen[key] = _latest(pool)
            continue
        named = [a for a in pool if policy.prefer and a.evaluator == policy.prefer]
        latest = _latest(pool)
        adjudication = adjudged.get(key)
        if adjudication is not None:
            backing = [a for a in pool if value_key(a.value) == value_key(adjudication.value)]
            result = Answer(key[0], key[1], latest.indicator, adjudication.value,
                            adjudication.adjudicator, adjudication.time, adjudication.reason,
                            list(dict.fromkeys(e for a in backing for e in a.evidence)))
        else:
            result = named[0] if named else Answer(key[0], key[1], latest.indicator,
                                                   "unknown", SETTLED_BY, latest.time)
        chosen[key] = result
        by_evaluator = {a.evaluator: a.value for a in sorted(pool, key=lambda a: a.time)}
        disagreements.append(Disagreement(key[0], key[1], by_evaluator, result.value,
                                          bool(named) or adjudication is not None,
                                          adjudication is not None))
    return chosen, disagreements


def consolidate(answers: Iterable[Answer], prefer: Settlement | str | None = None
                ) -> dict[tuple[str, str], Answer]:
    """One answer per (site, question) (see Settlement); `prefer` names an evaluator."""
    return settle(answers, prefer)[0]


def value_key(value: str | int) -> tuple[int, str]:
    """Values in one order: numbers before text, each compared as written."""
    return (0, f"{value:020d}") if isinstance(value, int) else (1, str(value))


@dataclass(frozen=True)
class GroupSample:
    """A ranking group of a sampling round: how many sites, how many 合格."""

    name: str
    sites: int
    passed: int
    failed: int
    provisional: int  # verdicts that open questions may still change

    @property
    def rate(self) -> float | None:
        """合格率: the share of the group's sites that are 合格."""
        return self.passed / self.sites if self.sites else None

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.name, "sites": self.sites, "passed": self.passed,
                "failed": self.failed, "provisional": self.provisional,
                "rate": None if self.rate is None else round(self.rate, 4)}


@dataclass(frozen=True)
class FrequentProblem:
    """A problem and the sites it was found on."""

    part: str
    item: str
    question: str
    text: str
    sites: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "item": self.item, "question": self.question,
                "text": self.text, "sites": list(self.sites)}


@dataclass(frozen=True)
class Sampling:
    groups: list[GroupSample]
    total: GroupSample
    problems: list[FrequentProblem]


def _sample(name: str, scores: list[SiteScore]) -> GroupSample:
    return GroupSample(name, len(scores), sum(1 for s in scores if s.verdict == PASS),
                       sum(1 for s in scores if s.verdict == FAIL),
                       sum(1 for s in scores if s.provisional))


def deduction_note(checklist: Checklist) -> str:
    """How a deduction scheme makes its verdicts and totals, in one paragraph."""
    parts = ["Any veto item (单项否决) found makes the site 不合格 and nothing else is scored"]
    full = checklist.full_marks or 0
    parts.append(f"deduction items deduct per occurrence from {full:g}, an item never more "
                 "than its own points")
    if checklist.pass_line is not None:
        parts.append(f"a part-2 score below {checklist.pass_line:g} is 不合格")
    if checklist.bonus_above is not None:
        parts.append(f"the bonus counts only when part 2 is above {checklist.bonus_above:g} "
                     f"({checklist.bonus_above:g} itself earns none)")
    for scaled in checklist.scaled:
        from govaudit.deduction import fraction_text

        parts.append(f"when {scaled.when.source}, {', '.join(scaled.skip)} is not scored and "
                     f"the rest is multiplied by {fraction_text(scaled.factor)}")
    if checklist.review_weight is not None:
        parts.append(f"the final score weighs the inspection {1 - checklist.review_weight:.0%} "
                     f"and the review {checklist.review_weight:.0%}")
    return "; ".join(parts) + "."


@dataclass
class ScoreReport:
    """Every site's score, and how disagreeing answers were settled."""

    checklist: Checklist
    sites: list[SiteScore]
    settlement: Settlement = field(default_factory=Settlement)
    disagreements: list[Disagreement] = field(default_factory=list)
    # groups the site list names that the checklist does not know (ranked on their own)
    unknown_groups: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[SiteScore]:
        return iter(self.sites)

    def __len__(self) -> int:
        return len(self.sites)

    def site(self, name: str) -> SiteScore | None:
        return next((s for s in self.sites if s.site == name), None)

    @property
    def weighted(self) -> bool:
        return not self.checklist.unweighted

    @property
    def unsettled(self) -> list[Disagreement]:
        return [d for d in self.disagreements if not d.settled]

    def settlement_note(self) -> str:
        """One line for every place a total is shown; '' when no evaluators disagree."""
        if not self.disagreements:
            return ""
        sites = len({d.site for d in self.disagreements})
        open_sites = len({d.site for d in self.unsettled})
        text = _("{count} question(s) on {sites} site(s) where evaluators disagree: "
                 "{rule}").format(count=len(self.disagreements), sites=sites,
                                  rule=self.settlement.describe())
        adjudicated = sum(1 for d in self.disagreements if d.adjudicated)
        if adjudicated:
            text += _("; {count} of them adjudicated (the adjudicated value counts)").format(
                count=adjudicated)
        if open_sites:
            text += _("; {count} site(s) have unsettled disagreements (set [scoring] prefer = "
                      "\"evaluator:NAME\" in govaudit.toml)").format(count=open_sites)
        return text

    def notes(self) -> list[str]:
        """How the totals were made: provisional totals, ranking groups, bands, above 100."""
        checklist = self.checklist
        lines = [_(PROVISIONAL_NOTE)] if any(s.provisional for s in self.sites) else []
        if checklist.deduction:
            lines.append(deduction_note(checklist))
        lines.append(_("Ranks are dense within each ranking group (ties share a place); "
                       "counts are scored against the best value in the same group."))
        lines += [_("Ranking group {group!r} is not one of {checklist}'s; its sites are ranked "
                    "on their own").format(group=name, checklist=checklist.id)
                  for name in self.unknown_groups]
        if not checklist.grades:
            return lines
        bands = ", ".join(f"{g.name} {label}" for g, label in checklist.grade_labels())
        source = _(" (source: {source})").format(source=checklist.grades_source) \
            if checklist.grades_source else ""
        above = _("shown as it is") if checklist.above_100 == "as_is" else _("capped at 100")
        lines.append(_("Grades: {bands}{source}. A total above 100 (main plus bonus) is "
                       "{above}.").format(bands=bands, source=source, above=above))
        return lines

    def by_band(self) -> list[tuple[str, str, list[SiteScore]]]:
        """Each grade band (highest first, with its legend) and its sites in 行政区划 order:
        by the 6-digit 行政区划代码 in the site list's 地区 where there is one, then in the
        order of the site list — as CSTC publishes bands ("同档内按照行政区划序列排序")."""
        order = {s.site: i for i, s in enumerate(self.sites)}

        def key(score: SiteScore) -> tuple[int, str, int]:
            code = score.region.strip()
            coded = code.isdigit() and len(code) == 6
            return (0 if coded else 1, code if coded else "", order[score.site])

        return [(grade.name, label, sorted((s for s in self.sites if s.grade == grade.name),
                                           key=key))
                for grade, label in self.checklist.grade_labels()]

    def sampling(self, top: int = 10) -> Sampling:
        """The pass rate (合格率) of each ranking group and of all, and the problems found on
        the most sites: the summary of a sampling round (deduction scheme)."""
        names = list(dict.fromkeys(g for s in self.sites for g in (s.groups or (s.group,))))
        names.sort(key=self.checklist.group_order)
        groups = [_sample(name, [s for s in self.sites if name in (s.groups or (s.group,))])
                  for name in names]
        found: dict[tuple[str, str], list[Problem]] = {}
        for score in self.sites:
            for problem in score.problems:
                kept = found.setdefault((problem.indicator, problem.question), [])
                if all(p.site != score.site for p in kept):
                    kept.append(problem)
        frequent = sorted(found.values(), key=lambda ps: (-len(ps), ps[0].part != "veto",
                                                          ps[0].question))
        return Sampling(groups, _sample("全部", self.sites),
                        [FrequentProblem(ps[0].part, ps[0].item, ps[0].question, ps[0].text,
                                         tuple(p.site for p in ps)) for ps in frequent[:top]])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"checklist": self.checklist.id,
                               "settlement": str(self.settlement),
                               "sites": [s.to_dict() for s in self.sites],
                               "disagreements": [
                                   {"site": d.site, "question": d.question,
                                    "values": dict(d.values), "counted": d.counted,
                                    "settled": d.settled, "adjudicated": d.adjudicated}
                                   for d in self.disagreements]}
        if self.checklist.deduction:
            sampling = self.sampling()
            out["sampling"] = {
                "groups": [g.to_dict() for g in [*sampling.groups, sampling.total]],
                "problems": [p.to_dict() for p in sampling.problems]}
        if not self.weighted:
            out["note"] = ("this checklist publishes no weights: indicators show the fraction "
                           "earned (0–1); totals, grades and ranks need weights")
            for entry, site in zip(out["sites"], self.sites, strict=True):
                entry["indicators"] = {k: _round(v) for k, v in site.fractions.items()}
        return out


def skip_reason(checklist: Checklist, question: Question, values: Mapping[str, object]) -> str:
    """Why skip logic leaves a question out: its condition and the answer it depends on."""
    for unless in question.unless:
        if unless.holds(values.get(unless.question)):
            target = checklist.question(unless.question)
            return (_(
                "it is not asked when {source} ({question} {value}): the unit has no such "
                "function and the rest is scaled").format(
                source=unless.source, question=unless.question,
                value=target.text if target else ''))
    condition = question.relevant
    if condition is None:
        return ""
    target = checklist.question(condition.question)
    shown = target.display(values.get(condition.question)) if target else ""
    return (_(
        "it is asked only when {source} ({question} {value}), and {question} is answered "
        "{shown!r}").format(
        source=condition.source, question=condition.question,
        value=target.text if target else '', shown=shown))


def benchmarks(checklist: Checklist, sites: list[Site],
               by_site: dict[str, dict[str, object]]) -> dict[tuple[str, str], float]:
    """The best value of each count question among the assessed sites of each ranking group."""
    best: dict[tuple[str, str], float] = {}
    group_of = {site.name: checklist.group_for(site.level, site.group) for site in sites}
    for question in checklist.questions:
        if question.type != "count":
            continue
        for site in sites:
            indicator = checklist.indicator(question.indicator_id)
            if indicator is None or not indicator.assessed_at(site.level, checklist.unweighted):
                continue
            site_values = by_site.get(site.name, {})
            if not question.scored or asked(question, site.level, site_values) is not True:
                continue
            value = site_values.get(question.id)
            if isinstance(value, int):
                key = (group_of[site.name], question.id)
                best[key] = max(best.get(key, 0.0), float(value))
    return best


# A workspace's scoring of its sites and answers: its checklist and settlement (`scorer`).
Scorer = Callable[[list[Site], list[Answer]], "ScoreReport"]


def scorer(checklist: Checklist, settlement: Settlement | str | None = None) -> Scorer:
    """How a workspace scores: `score_sites` with its checklist and its settlement."""
    return lambda sites, answers: score_sites(checklist, sites, answers, settlement)


def score_sites(checklist: Checklist, sites: list[Site], answers: Iterable[Answer],
                settlement: Settlement | str | None = None) -> ScoreReport:
    """Score every site: the one scoring path of score, status, export, merge and report."""
    policy = settlement if isinstance(settlement, Settlement) else Settlement(settlement or "")
    chosen, disagreements = settle(answers, policy, checklist)
    for answer in chosen.values():
        _check_count(checklist, answer)
    values: dict[tuple[str, str], object] = {k: a.value for k, a in chosen.items()}
    by_site: dict[str, dict[str, object]] = {}
    for (site, question), value in values.items():
        by_site.setdefault(site, {})[question] = value
    best = benchmarks(checklist, sites, by_site)
    per_site: dict[str, int] = {}
    for d in disagreements:
        per_site[d.site] = per_site.get(d.site, 0) + 1
    if checklist.deduction:
        from govaudit.deduction import score_deduction_site

        by_answer: dict[str, dict[str, Answer]] = {}
        for (site_name, question), answer in chosen.items():
            by_answer.setdefault(site_name, {})[question] = answer
        scores = [score_deduction_site(checklist, site, by_site.get(site.name, {}),
                                       by_answer.get(site.name, {})) for site in sites]
    else:
        scores = [_score_site(checklist, site, by_site.get(site.name, {}), best)
                  for site in sites]
    scores = [replace(score, disagreements=per_site.get(score.site, 0), region=site.region)
              for score, site in zip(scores, sites, strict=True)]
    if not checklist.unweighted:
        scores = _rank(scores)
    unknown = list(dict.fromkeys(g for site in sites for g in checklist.unknown_groups(site.group)))
    return ScoreReport(checklist, scores, policy, disagreements, unknown)


def _check_count(checklist: Checklist, answer: Answer) -> None:
    """A stored count that cannot be scored (older versions took any size) is named, not used."""
    question = checklist.question(answer.question)
    if question is None or question.type != "count" or answer.value in SPECIAL_VALUES:
        return
    try:
        question.parse_value(answer.value)
    except ValueError as exc:
        raise GovauditError(_("site {site}: the stored answer to {error}").format(
            site=answer.site, error=exc), hint="answer_again",
            hint_args={"site": answer.site, "question": answer.question}) from None


def _score_site(checklist: Checklist, site: Site, values: dict[str, object],
                best: dict[tuple[str, str], float]) -> SiteScore:
    answered = questions = 0
    groups = checklist.groups_for(site.level, site.group)
    group = groups[0]
    indicators: dict[str, float | None] = {}
    all_na: list[tuple[str, str, float]] = []  # (indicator, top, weight) answered all 不适用
    fractions: dict[str, float | None] = {}
    tops: dict[str, float] = {t.id: 0.0 for t in checklist.tops}
    main = main_best = base = assessed = 0.0
    bonus_now: list[float] = []
    bonus_best: list[float] = []
    for indicator in checklist.indicators_at(site.level):
        tally = Tally()
        for question in indicator.questions:
            state = asked(question, site.level, values)
            if state is False or not question.scored:
                continue
            questions += 1
            value = values.get(question.id)
            if state is None:
                tally.pending += question.points
                continue
            if value is None or value == "unknown":
                tally.possible += question.points
                tally.open += question.points
                continue
            answered += 1
            if value == "na":
                continue
            tally.possible += question.points
            tally.earned += question.points * question.fraction(
                value, best.get((group, question.id)))  # type: ignore[arg-type]
        fractions[indicator.id] = tally.fraction
        weight = indicator.weight(site.level)
        if weight is None:
            indicators[indicator.id] = None
            continue
        score = weight * (tally.fraction or 0.0)
        reachable = weight * (tally.best_fraction or 0.0)
        indicators[indicator.id] = score
        tops[indicator.top] = tops.get(indicator.top, 0.0) + score
        if indicator.bonus:
            bonus_now.append(score)
            bonus_best.append(reachable)
            continue
        base += weight
        # an indicator whose every question is `na` leaves the base (na_indicator: rescale)
        if tally.best_fraction is not None or checklist.na_indicator == "zero":
            assessed += weight
        else:
            all_na.append((indicator.id, indicator.top, weight))
        main += score
        main_best += reachable
    if checklist.unweighted:
        return SiteScore(site.name, site.level, None, None, "", None, answered, questions,
                         indicators, fractions, {}, group=group, groups=groups)
    # Rescaling credits an all-不适用 indicator with the site's rate on the rest: shown so, it
    # stays within its weight, and the leaves (and first-level indicators) add up to the total.
    rate = main / assessed if assessed else 0.0
    for indicator_id, top_id, weight in all_na:
        indicators[indicator_id] = weight * rate
        tops[top_id] = tops.get(top_id, 0.0) + weight * rate
    scale = base / assessed if assessed else 1.0
    main, main_best = main * scale, main_best * scale
    bonus = checklist.bonus(bonus_now)
    bonus_tops = [t.id for t in checklist.tops if t.bonus]
    if len(bonus_tops) == 1:  # one bonus group: it shows the bonus as the rule settled it
        tops[bonus_tops[0]] = bonus
    total = main + bonus
    reachable_total = main_best + checklist.bonus(bonus_best)
    if checklist.above_100 == "cap":
        total, reachable_total = min(total, 100.0), min(reachable_total, 100.0)
    grade = checklist.grade_for(shown_total(total))
    return SiteScore(site.name, site.level, total, bonus, grade, None, answered, questions,
                     indicators, fractions, tops, group=group, groups=groups,
                     open_points=max(reachable_total - total, 0.0),
                     rescaled=tuple(i for i, _, _ in all_na))


def dense_ranks(totals: list[float]) -> list[int]:
    """Dense ranks, highest first, on the shown totals; ties share a place: 1, 2, 2, 3."""
    distinct = sorted({shown_total(t) for t in totals}, reverse=True)
    place = {value: index for index, value in enumerate(distinct, 1)}
    return [place[shown_total(t)] for t in totals]


def _rank(scores: list[SiteScore]) -> list[SiteScore]:
    """Dense ranks within each ranking group a site belongs to; a site without a total (a
    veto found) is not ranked. `rank` is the rank in the site's first group."""
    ranks: dict[int, dict[str, int]] = {}
    names = {g for s in scores for g in (s.groups or (s.group,))}
    for name in names:
        members = [(i, s) for i, s in enumerate(scores)
                   if name in (s.groups or (s.group,)) and s.total is not None]
        for (index, _s), rank in zip(members, dense_ranks([s.total or 0.0 for _i, s in members]),
                                    strict=True):
            ranks.setdefault(index, {})[name] = rank
    return [replace(s, ranks=ranks.get(i, {}), rank=ranks.get(i, {}).get(s.group))
            for i, s in enumerate(scores)]
