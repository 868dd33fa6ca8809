"""Agreement between evaluators who assessed the same sites: percent agreement, Krippendorff's α.

A unit is one (site, question) answered by two or more people (probe
suggestions are not people). `unknown` ("cannot tell") is missing data, not a
category; `text` questions are not compared. Values are nominal categories.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from govaudit.checklist import Checklist
from govaudit.model import PROBE_EVALUATOR, Answer


def alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data; each unit is the values its coders gave.

    Units with fewer than two values are not pairable and are ignored. None when
    alpha is undefined (fewer than two pairable values, or a single category).
    """
    coincidences: dict[tuple[Hashable, Hashable], float] = {}
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    coincidences[(c, k)] = coincidences.get((c, k), 0.0) + pairs / (m - 1)
    totals: dict[Hashable, float] = {}
    for (c, _k), count in coincidences.items():
        totals[c] = totals.get(c, 0.0) + count
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(count for (c, k), count in coincidences.items() if c != k)
    expected = (n * n - sum(v * v for v in totals.values())) / (n - 1)
    if expected <= 1e-12:
        return None
    return 1.0 - observed / expected


@dataclass
class AgreementRow:
    scope: str  # "overall" or the leaf indicator id
    name: str
    sites: int
    units: int
    agreed: int
    percent: float | None
    alpha: float | None
    disagreements: int


@dataclass
class Disagreement:
    site: str
    question: str
    values: list[tuple[str, str | int]]  # (evaluator, value), by evaluator


@dataclass
class AgreementReport:
    rows: list[AgreementRow]
    disagreements: list[Disagreement]

    @property
    def overall(self) -> AgreementRow | None:
        return self.rows[0] if self.rows else None


def _row(scope: str, name: str, units: list[tuple[str, list[str | int]]]) -> AgreementRow:
    agreed = sum(1 for _site, values in units if len(set(values)) == 1)
    count = len(units)
    return AgreementRow(scope, name, len({site for site, _ in units}), count, agreed,
                        agreed / count if count else None,
                        alpha_nominal([values for _site, values in units]),
                        count - agreed)


def agreement_report(checklist: Checklist, answers: Iterable[Answer]) -> AgreementReport:
    """Agreement overall and per leaf indicator, over doubly assessed (site, question)s."""
    by_unit: dict[tuple[str, str], dict[str, str | int]] = defaultdict(dict)
    for answer in answers:
        question = checklist.question(answer.question)
        if (question is None or not question.scored or answer.evaluator == PROBE_EVALUATOR
                or answer.value == "unknown"):
            continue
        by_unit[(answer.site, answer.question)][answer.evaluator] = answer.value
    order = {q.id: i for i, q in enumerate(checklist.questions)}
    keys = sorted((k for k, v in by_unit.items() if len(v) >= 2),
                  key=lambda k: (k[0], order[k[1]]))
    per_indicator: dict[str, list[tuple[str, list[str | int]]]] = defaultdict(list)
    everything: list[tuple[str, list[str | int]]] = []
    disagreements: list[Disagreement] = []
    for site, qid in keys:
        given = sorted(by_unit[(site, qid)].items())
        values = [value for _who, value in given]
        unit = (site, values)
        everything.append(unit)
        per_indicator[checklist.question(qid).indicator_id].append(unit)  # type: ignore[union-attr]
        if len(set(values)) > 1:
            disagreements.append(Disagreement(site, qid, given))
    if not everything:
        return AgreementReport([], [])
    rows = [_row("overall", "全部", everything)]
    for indicator in checklist.indicators:
        if indicator.id in per_indicator:
            rows.append(_row(indicator.id, " > ".join(indicator.path),
                             per_indicator[indicator.id]))
    return AgreementReport(rows, disagreements)
