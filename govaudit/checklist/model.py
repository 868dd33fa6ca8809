"""The checklist model: indicators, questions, answer values, grade bands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govaudit.errors import OptionError

YES_NO_TYPES = ("yes_no",)
QUESTION_TYPES = ("yes_no", "graded", "count", "text")
SPECIAL_VALUES = ("na", "unknown")

# Every spelling an evaluator might type, mapped to the stored value.
_YES_NO_SPELLINGS = {
    "yes": "yes", "y": "yes", "1": "yes", "true": "yes", "是": "yes", "√": "yes", "✓": "yes",
    "✔": "yes", "有": "yes",
    "no": "no", "n": "no", "0": "no", "false": "no", "否": "no", "×": "no", "✗": "no",
    "✘": "no", "x": "no", "无": "no",
}
_SPECIAL_SPELLINGS = {
    "na": "na", "n/a": "na", "不适用": "na", "—": "na", "-": "na",
    "unknown": "unknown", "?": "unknown", "？": "unknown", "无法判断": "unknown",
}
VALUE_LABELS = {"yes": "是", "no": "否", "na": "不适用", "unknown": "无法判断"}
MAX_COUNT = 10**9  # far above any count the methodology asks for; bounds what scoring takes

DEFAULT_GRADES: tuple[tuple[str, float, float], ...] = (
    ("卓越", 95, 100),
    ("优秀", 85, 95),
    ("良好", 75, 85),
    ("发展", 60, 75),
    ("起步", 0, 60),
)


@dataclass(frozen=True)
class Choice:
    label: str
    fraction: float


@dataclass(frozen=True)
class Condition:
    """Skip logic: the question is asked only when `question`'s answer is in `values`."""

    question: str  # full question id
    values: frozenset[str]
    negate: bool = False
    source: str = ""

    def holds(self, value: object) -> bool | None:
        """True/False for an answered question; None when it is unanswered."""
        if value is None or value == "unknown":
            return None
        inside = str(value) in self.values
        return not inside if self.negate else inside


@dataclass
class Question:
    id: str  # full id: indicator.local
    local_id: str
    indicator_id: str
    type: str
    text: str
    points: float = 1.0
    choices: tuple[Choice, ...] = ()
    relevant: Condition | None = None
    hint: str = ""
    pages: tuple[str, ...] = ()
    auto: str = ""
    levels: tuple[str, ...] = ()
    unit: str = ""

    @property
    def scored(self) -> bool:
        return self.type != "text"

    def applies_to(self, level: str) -> bool:
        return not self.levels or level in self.levels

    def parse_value(self, raw: object) -> str | int:
        """Normalise a typed or imported value; ValueError names what fits."""
        whole = f"a whole number from 0 to {MAX_COUNT} (or na, unknown)"
        too_large = f"larger than {MAX_COUNT}, the largest count accepted"
        if self.type == "count" and isinstance(raw, int | float) and not isinstance(raw, bool):
            # a number cell: checked as a number (a huge int cannot even become text)
            if raw == raw and raw > MAX_COUNT:
                raise ValueError(f"{self.id}: the number is {too_large}")
            if raw != raw or raw < 0 or raw != int(raw):
                shown = repr(raw) if isinstance(raw, float) or raw > -MAX_COUNT else "a number"
                raise ValueError(f"{self.id}: {shown} is not {whole}")
            return int(raw)
        text = str(raw).strip() if raw is not None else ""
        if self.type == "text":
            return text
        if text == "":
            raise ValueError(f"{self.id}: empty value")
        special = _SPECIAL_SPELLINGS.get(text.lower())
        if special:
            return special
        if self.type == "yes_no":
            value = _YES_NO_SPELLINGS.get(text.lower())
            if value is None:
                raise ValueError(
                    f"{self.id}: {text!r} is not a yes/no answer "
                    "(yes/no/na/unknown, 是/否/不适用/无法判断, y/n, 1/0, √/×)"
                )
            return value
        if self.type == "graded":
            for choice in self.choices:
                if text == choice.label:
                    return choice.label
            if re.fullmatch(r"\d+", text) and 1 <= int(text) <= len(self.choices):
                return self.choices[int(text) - 1].label
            labels = "/".join(c.label for c in self.choices)
            raise ValueError(
                f"{self.id}: {text!r} is not one of {labels} "
                f"(or 1–{len(self.choices)}, na, unknown)"
            )
        # count
        shown = repr(text) if len(text) <= 30 else f"{text[:10]!r}… ({len(text)} characters)"
        if not re.fullmatch(r"\d+", text):
            raise ValueError(f"{self.id}: {shown} is not {whole}")
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            raise ValueError(f"{self.id}: {shown} is {too_large}")
        return int(digits)

    def fraction(self, value: str | int, best: float | None = None) -> float:
        """The share of the question's points a value earns (not for na/unknown)."""
        if self.type == "yes_no":
            return 1.0 if value == "yes" else 0.0
        if self.type == "graded":
            for choice in self.choices:
                if choice.label == value:
                    return choice.fraction
            return 0.0
        if self.type == "count":
            return float(value) / best if best else 0.0
        return 0.0

    def display(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, str) and value in VALUE_LABELS:
            return VALUE_LABELS[value]
        return f"{value}{self.unit}" if self.type == "count" else str(value)


@dataclass
class Indicator:
    """A leaf indicator (三级, or 二级 where 三级 is absent)."""

    id: str
    code: str
    name: str
    path: tuple[str, ...]  # names from the first level down to this one
    path_ids: tuple[str, ...]
    description: str = ""
    weights: dict[str, float | None] = field(default_factory=dict)
    bonus: bool = False
    questions: list[Question] = field(default_factory=list)

    def weight(self, level: str) -> float | None:
        return self.weights.get(level)

    def assessed_at(self, level: str, unweighted: bool = False) -> bool:
        return unweighted or self.weights.get(level) is not None

    @property
    def top(self) -> str:
        return self.path_ids[0]


@dataclass(frozen=True)
class Grade:
    """A grade band [min, max); the top band is open-ended (≥ min)."""

    name: str
    min: float
    max: float

    def label(self, top: bool) -> str:
        """The band as the legend shows it: '≥ 95' for the top band, '[85, 95)' below."""
        return f"≥ {self.min:g}" if top else f"[{self.min:g}, {self.max:g})"


@dataclass(frozen=True)
class RankGroup:
    """A ranking group (分组): the sites ranked against one another, in display order."""

    name: str
    levels: tuple[str, ...]


# The ranking group of a site whose list names none, by level (the seeds' groupings).
LEVEL_GROUPS = {"province": "省级", "city": "地市", "county": "区县", "ministry": "国务院部门",
                "wechat": "政务微信", "app": "政务App", "weibo": "政务微博"}
# How groups sort where a checklist declares none: the order the seeds publish them in.
GROUP_ORDER = ("省级", "副省级城市", "省会城市", "计划单列市", "重点城市", "地市", "区县",
               "国务院部门", "国务院组成部门", "国务院其他部门", "政务微信", "政务App", "政务微博")
BONUS_RULES = ("sum_capped", "best_case")
NA_INDICATOR_RULES = ("rescale", "zero")
ABOVE_100_RULES = ("as_is", "cap")


@dataclass(frozen=True)
class TopIndicator:
    id: str
    code: str
    name: str
    bonus: bool


@dataclass
class Checklist:
    id: str
    name: str
    version: str
    levels: tuple[str, ...]
    indicators: list[Indicator]
    tops: list[TopIndicator]
    grades: tuple[Grade, ...]
    bonus_cap: float | None = None
    source: str = ""
    description: str = ""
    unweighted: bool = False
    path: str = ""
    grades_source: str = ""  # where the bands are published
    groups: tuple[RankGroup, ...] = ()  # declared ranking groups, in display order
    bonus_rule: str = "sum_capped"  # sum_capped | best_case
    na_indicator: str = "rescale"  # rescale | zero
    above_100: str = "as_is"  # as_is | cap
    _questions: dict[str, Question] = field(default_factory=dict, repr=False)
    _indicators: dict[str, Indicator] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._indicators = {i.id: i for i in self.indicators}
        self._questions = {q.id: q for i in self.indicators for q in i.questions}

    @property
    def questions(self) -> list[Question]:
        return list(self._questions.values())

    def question(self, qid: str) -> Question | None:
        return self._questions.get(qid)

    def indicator(self, iid: str) -> Indicator | None:
        return self._indicators.get(iid)

    def indicators_at(self, level: str | None) -> list[Indicator]:
        """The indicators assessed at `level` (every indicator when None)."""
        if level is None:
            return list(self.indicators)
        return [i for i in self.indicators if i.assessed_at(level, self.unweighted)]

    def check_level(self, level: str | None) -> None:
        """Refuse a level this checklist does not weight, naming the levels it has."""
        if level is not None and level not in self.levels:
            raise OptionError("level", f"{level!r} is not a level of {self.id} "
                              f"(levels: {', '.join(self.levels)})")

    def questions_at(self, level: str) -> list[Question]:
        return [
            q for i in self.indicators_at(level) for q in i.questions if q.applies_to(level)
        ]

    def grade_for(self, total: float) -> str:
        """The band of a total; the top band has no upper bound (main plus bonus may pass 100)."""
        top = max(self.grades, key=lambda g: g.min, default=None)
        for grade in self.grades:
            if grade.min <= total < grade.max or (grade is top and total >= grade.min):
                return grade.name
        return ""

    def grade_labels(self) -> list[tuple[Grade, str]]:
        """Every band, highest first, with its legend text ('≥ 95', '[85, 95)', …)."""
        ordered = sorted(self.grades, key=lambda g: -g.min)
        return [(g, g.label(i == 0)) for i, g in enumerate(ordered)]

    def group_for(self, level: str, group: str = "") -> str:
        """A site's ranking group: its own (分组); else the seeds' group of its level (省级,
        地市, 区县…) unless the checklist declares groups without it; then the first declared
        group of the level; else the level itself."""
        if group:
            return group
        seed = LEVEL_GROUPS.get(level, "")
        names = [g.name for g in self.groups]
        if seed and (not names or seed in names):
            return seed
        declared = next((g.name for g in self.groups if level in g.levels), "")
        return declared or seed or level

    def group_order(self, group: str) -> tuple[int, str]:
        """Sort key of a group: declared groups in their order, then the rest by name."""
        names = [g.name for g in self.groups]
        if group in names:
            return (names.index(group), "")
        known = len(GROUP_ORDER)
        return (len(names) + (GROUP_ORDER.index(group) if group in GROUP_ORDER else known),
                group)

    def to_dict(self, level: str | None = None) -> dict:
        """The public JSON form (`checklist show --json`), or only what `level` assesses."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "levels": list(self.levels),
            "bonus_cap": self.bonus_cap,
            "bonus_rule": self.bonus_rule,
            "na_indicator": self.na_indicator,
            "above_100": self.above_100,
            "unweighted": self.unweighted,
            "grades": [{"name": g.name, "min": g.min,
                        "max": None if g.max == float("inf") else g.max} for g in self.grades],
            "grades_source": self.grades_source,
            "groups": [{"name": g.name, "levels": list(g.levels)} for g in self.groups],
            "indicators": [
                {
                    "id": i.id,
                    "code": i.code,
                    "path": list(i.path),
                    "name": i.name,
                    "bonus": i.bonus,
                    "weights": {lv: i.weights.get(lv) for lv in self.levels},
                    "questions": [_question_dict(q) for q in i.questions],
                }
                for i in self.indicators_at(level)
            ],
        }


def _question_dict(q: Question) -> dict:
    out: dict = {"id": q.id, "type": q.type, "text": q.text, "points": q.points}
    if q.choices:
        out["choices"] = [{"label": c.label, "fraction": c.fraction} for c in q.choices]
    if q.relevant:
        out["relevant"] = q.relevant.source
    if q.levels:
        out["levels"] = list(q.levels)
    if q.auto:
        out["auto"] = q.auto
    return out
