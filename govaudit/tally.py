"""What both scoring schemes share: whether a question is asked (the one skip logic), an
indicator's points, and totals as they are shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govaudit.checklist import Question


def asked(question: Question, level: str, values: Mapping[str, object]) -> bool | None:
    """The one skip logic: whether a question is asked at a site of `level`, given the
    site's answers. False when its level or its `relevant` condition rules it out, None
    while the answer the condition waits on is open (unanswered or unknown)."""
    if not question.applies_to(level):
        return False
    waiting = False
    for condition in question.unless:  # a scaled part: units without this function
        holds = condition.holds(values.get(condition.question))
        if holds:
            return False
        waiting = waiting or holds is None
    if question.relevant is None:
        return None if waiting else True
    state = question.relevant.holds(values.get(question.relevant.question))
    return None if state and waiting else state

@dataclass
class Tally:
    """One indicator's points: earned, possible, and what its open questions may add."""

    earned: float = 0.0
    possible: float = 0.0
    open: float = 0.0  # points of asked questions not yet answered (counted as 0 meanwhile)
    pending: float = 0.0  # points of questions whose condition waits on an open answer

    @property
    def fraction(self) -> float | None:
        return self.earned / self.possible if self.possible else None

    @property
    def best_fraction(self) -> float | None:
        """The fraction if every open question earned full marks."""
        base = self.possible + self.pending
        return (self.earned + self.open + self.pending) / base if base else None

# Totals are shown (score, workbook, report), ranked and graded at this many decimals.
SHOWN_DECIMALS = 2


def shown_total(total: float) -> float:
    """A total as score, the workbook and the report show it, and as it ranks and grades."""
    return round(total, SHOWN_DECIMALS)
