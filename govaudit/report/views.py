"""What the report pages show: plain records the templates read, built by report.build."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govaudit.problems import ProblemRow
from govaudit.report.monitoring import MonitoringView


@dataclass
class FileLink:
    kind: str
    label: str
    href: str


@dataclass
class EvidenceView:
    id: str
    url: str
    url_href: str | None
    title: str
    status: int | None
    time: str
    device: str
    sha256: str
    image_href: str
    thumb_src: str
    files: list[FileLink]
    problems: list[str]
    error: str
    capped_height: int | None
    failed: bool = False  # no page kept (an HTTP error page shown is a capture)
    blocked: list[str] = field(default_factory=list)  # what govaudit refused to load


@dataclass
class QuestionView:
    id: str
    text: str
    type: str
    value: str          # the stored value ("" when unanswered)
    mark: str           # what the page shows: ✓ ✗ — ? or the choice / count / text
    state: str          # css class: yes no na unknown choice count text pending skipped
    note: str
    evaluator: str
    time: str
    others: list[str]
    suggestion: str
    suggestion_detail: str
    evidence: list[EvidenceView]


@dataclass
class IndicatorView:
    id: str
    code: str
    path: str
    description: str
    bonus: bool
    weight: float | None
    score: float | None
    questions: list[QuestionView]
    evidence: list[EvidenceView]
    part: str = "main"  # see govaudit.checklist.model.PARTS
    unpublished: bool = False  # its points are not published (set by the team)


@dataclass
class TopView:
    id: str
    name: str
    weight: float
    score: float
    bonus: bool

    @property
    def percent(self) -> float:
        return 0.0 if not self.weight else max(0.0, min(100.0, 100 * self.score / self.weight))


@dataclass
class ChecksView:
    time: str
    failed: list[tuple[str, str]] = field(default_factory=list)
    marks: list[tuple[str, str | None]] = field(default_factory=list)
    broken: list[dict[str, Any]] = field(default_factory=list)
    links_checked: int | None = None
    links_unchecked: int = 0  # links whose host could not be reached (DNS, refused, timeout)
    facts: list[tuple[str, str, bool]] = field(default_factory=list)  # (label, text, problem)
    # 合规检测: probe, check, result, detail, url, href, path, context, entry, list_file,
    # list_validity, screenshot (a file), shot_href (its link from the site page)
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def missing_marks(self) -> list[str]:
        return [label for label, value in self.marks if value is None]


@dataclass
class SiteView:
    name: str
    url: str
    url_href: str | None
    level: str
    total: float | None
    bonus: float | None
    grade: str
    grade_class: str
    rank: int | None
    answered: int
    questions: int
    page: str                    # file name inside sites/
    tops: list[TopView]
    indicators: list[IndicatorView] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    checks: ChecksView | None = None
    evidence_count: int = 0
    problem_count: int = 0
    group: str = ""  # the ranking group the rank is taken in
    open_points: float | None = None  # while provisional: what open questions may still add
    monitoring: MonitoringView | None = None  # the monitor's figures over its window
    ranks: dict[str, int] = field(default_factory=dict)  # every ranking group's rank
    verdict: str = ""  # deduction scheme: 合格 / 不合格
    reason: str = ""
    part2: float | None = None  # 扣分指标得分
    scaled: str = ""  # the scaled part applied
    vetoed: bool = False
    problems: list[ProblemRow] = field(default_factory=list)  # the 问题清单
    region: str = ""

    @property
    def provisional(self) -> bool:
        return self.answered < self.questions and not self.vetoed

    @property
    def rank_text(self) -> str:
        """'2（副省级城市）；1（省会城市）' for a site ranked in several groups."""
        return "；".join(f"{rank}（{group}）" for group, rank in self.ranks.items())

    @property
    def top_scores(self) -> dict[str, float]:
        return {t.id: t.score for t in self.tops}
