"""The domain records: pure, frozen dataclasses that import nothing else from govaudit.

Every module and the CLI pass these around; `store` turns them into rows and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

PROBE_EVALUATOR = "probe"  # the evaluator name of answers saved from probe suggestions


def utc_now() -> str:
    """The time format of every stored record: '2026-11-22T08:15:00.123+00:00'."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Site:
    """A site to assess: its name, home page and level (province, city, county, ministry…)."""

    name: str
    url: str
    level: str
    region: str = ""
    group: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Site:
        return cls(**{k: str(v or "") for k, v in _known(cls, data).items()})


@dataclass(frozen=True)
class Answer:
    """One evaluator's answer to one question for one site, with the values it replaced."""

    site: str
    question: str
    indicator: str
    value: str | int
    evaluator: str
    time: str
    note: str = ""
    evidence: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    __hash__ = None  # type: ignore[assignment]  # lists inside: compared, never hashed

    def __post_init__(self) -> None:
        # own copies: a caller's list never changes a record
        object.__setattr__(self, "evidence", list(self.evidence))
        object.__setattr__(self, "history", [dict(h) for h in self.history])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        return cls(**_known(cls, data))

    def replace(self, **changes: Any) -> Answer:
        return replace(self, **changes)


@dataclass(frozen=True)
class PageRef:
    """A page of a site to open or capture, for an indicator or question when it documents one."""

    site: str
    url: str
    indicator: str = ""
    question: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class SiteScore:
    """One site's score: total (main + capped bonus), grade, dense rank within its level."""

    site: str
    level: str
    total: float | None
    bonus: float | None
    grade: str
    rank: int | None
    answered: int
    questions: int
    indicators: Mapping[str, float | None] = field(default_factory=dict)
    fractions: Mapping[str, float | None] = field(default_factory=dict)
    tops: Mapping[str, float] = field(default_factory=dict)
    disagreements: int = 0  # questions whose evaluators disagree (see ScoreReport.settlement)

    @property
    def complete(self) -> bool:
        return self.answered == self.questions

    def to_dict(self) -> dict[str, Any]:
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


__all__ = ["PROBE_EVALUATOR", "Answer", "PageRef", "Site", "SiteScore", "utc_now"]
