"""A site's 问题清单 as 通报 write it: what was found, where (the URL), the evidence, and the
points deducted. One list for the report and the workbook."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from govaudit.checklist import Checklist
from govaudit.model import Problem, Site
from govaudit.urls import redact_url

_URL = re.compile(r"https?://[^\s，。；;,）)】]+")


@dataclass(frozen=True)
class ProblemRow:
    """A problem with where it was found and what shows it."""

    problem: Problem
    urls: tuple[str, ...]  # the pages it was found on; else the site's home page
    evidence: tuple[str, ...]  # evidence ids: those of the answer, and captures for the question
    shown: str = ""  # a count as the question shows it: 6个

    @property
    def kind(self) -> str:
        return "单项否决" if self.problem.part == "veto" else "扣分"

    @property
    def points(self) -> str:
        """What it cost, as a 通报 says it: 单项否决, -3（3处，每处扣1分）, 未公布."""
        return points_text(self.problem)

    @property
    def what(self) -> str:
        """The problem as a 通报 names it, with how many where it counts: 空白栏目数量：6个."""
        p = self.problem
        return f"{p.text}：{self.shown}" if isinstance(p.value, int) else p.text


def points_text(problem: Problem) -> str:
    if problem.part == "veto":
        return "单项否决"
    if problem.per is None:
        return "扣分未公布（由团队设定）"
    details = []
    if problem.occurrences > 1:
        details.append(f"{problem.occurrences}处，每处扣{problem.per:g}分")
    if problem.capped:
        details.append("本项已扣满")
    return f"-{problem.deducted or 0:g}" + (f"（{'，'.join(details)}）" if details else "")


def problem_rows(checklist: Checklist, site: Site, problems: Iterable[Problem],
                 records: Iterable[Mapping[str, Any]]) -> list[ProblemRow]:
    """The site's problems with their URLs: the pages of the evidence its answer cites or that
    was captured for its question; else the question's pages; else URLs in the note; else the
    site's home page."""
    captured = [r for r in records if r.get("site") == site.name and not r.get("error")]
    by_id = {str(r.get("id")): r for r in captured}
    rows = []
    for problem in problems:
        ids = list(dict.fromkeys([*problem.evidence, *(
            str(r.get("id")) for r in captured if r.get("question") == problem.question)]))
        urls = [redact_url(str(by_id[i].get("final_url") or by_id[i].get("requested_url")))
                for i in ids if i in by_id]
        question = checklist.question(problem.question)
        if not urls and question is not None and question.pages:
            urls = [urljoin(site.url, page) for page in question.pages]
        if not urls:
            urls = _URL.findall(problem.note)
        if not urls:
            urls = [redact_url(site.url)]
        shown = question.display(problem.value) if question is not None else str(problem.value)
        rows.append(ProblemRow(problem, tuple(dict.fromkeys(urls)), tuple(ids), shown))
    return rows
