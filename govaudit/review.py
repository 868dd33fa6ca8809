"""Which review holds for an answer, and which adjudication for a question: one rule each,
for the workspace, import, merge and the workbook.

A review holds for the version of the answer it reviewed (its `answer_time`); of several,
the newest (then by state, reviewer, reason, so every merge picks the same one). An
answer changed since it was reviewed is pending again. Of a question's adjudications the
newest holds, ties broken the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govaudit.model import Adjudication, Answer, Review

Key = tuple[str, str, str]  # (site, question, evaluator)


def _review_rank(review: Review) -> tuple[Any, ...]:
    return (review.time, review.state, review.reviewer, review.reason, review.version)


def _adjudication_rank(item: Adjudication) -> tuple[Any, ...]:
    value = (0, f"{item.value:020d}") if isinstance(item.value, int) else (1, str(item.value))
    return (item.time, value, item.adjudicator, item.reason, item.version)


def current_reviews(answers: Iterable[Answer], reviews: Iterable[Review]) -> dict[Key, Review]:
    """The review that holds for each answer that has one: the newest of its version."""
    times = {(a.site, a.question, a.evaluator): a.time for a in answers}
    out: dict[Key, Review] = {}
    for review in reviews:
        key = (review.site, review.question, review.evaluator)
        if times.get(key) != review.answer_time:
            continue
        held = out.get(key)
        if held is None or _review_rank(review) > _review_rank(held):
            out[key] = review
    return out


def newest_reviews(reviews: Iterable[Review]) -> list[Review]:
    """One review per (site, question, evaluator, answer version): the newest. What a
    workbook carries (merge, import)."""
    out: dict[tuple[str, str, str, str], Review] = {}
    for review in reviews:
        key = (review.site, review.question, review.evaluator, review.answer_time)
        held = out.get(key)
        if held is None or _review_rank(review) > _review_rank(held):
            out[key] = review
    return list(out.values())


def current_adjudications(items: Iterable[Adjudication]
                          ) -> dict[tuple[str, str], Adjudication]:
    """The adjudication that holds for each (site, question): the newest."""
    out: dict[tuple[str, str], Adjudication] = {}
    for item in items:
        key = (item.site, item.question)
        held = out.get(key)
        if held is None or _adjudication_rank(item) > _adjudication_rank(held):
            out[key] = item
    return out


def next_version(records: Iterable[Review | Adjudication], key: Mapping[str, str]) -> int:
    """The version of the next record of `key` (its site, question and, for a review, its
    evaluator): one more than the highest kept."""
    versions = [r.version for r in records
                if all(getattr(r, name) == value for name, value in key.items())]
    return max(versions, default=0) + 1
