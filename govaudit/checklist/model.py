"""The checklist model: indicators, questions, answer values, grade bands."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from govaudit.errors import OptionError
from govaudit.i18n import _

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

# The parts of a scoring scheme. `weighted` has main and bonus; `deduction` has veto items (any
# one found: 不合格), deduction items (from totals.main, per occurrence, capped per item),
# bonus items (scored only above bonus_above), scope questions (not scored: they say which
# parts apply) and review items (an expert review weighed against the inspection).
MAIN, BONUS, VETO, DEDUCTION = "main", "bonus", "veto", "deduction"
SCOPE, REVIEW = "scope", "review"
PARTS = (MAIN, BONUS, VETO, DEDUCTION, SCOPE, REVIEW)
SCHEMES = ("weighted", "deduction")
PUBLISH = ("ranks", "bands")
PASS, FAIL = "合格", "不合格"

DEFAULT_GRADES: tuple[tuple[str, float, float], ...] = (
    ("卓越", 95, 100),
    ("优秀", 85, 95),
    ("良好", 75, 85),
    ("发展", 60, 75),
    ("起步", 0, 60),
)
_CSTC_2023_BANDS: tuple[tuple[str, float, float], ...] = (
    ("卓越", 95, 100), ("优秀", 85, 95), ("良好", 75, 85), ("发展", 60, 75), ("准备", 0, 60))
# Grade bands as CSTC published them: `grades: {preset: NAME}` in a checklist.
GRADE_PRESETS: dict[str, tuple[str, tuple[tuple[str, float, float], ...]]] = {
    "cstc-2019": ("2019数字政府服务能力评估结果（中国软件评测中心）：卓越 [95,100)、优秀 [85,95)、"
                  "良好 [75,85)、发展 [60,75)、起步 [0,60)", DEFAULT_GRADES),
    "cstc-2023": ("2023年数字政府服务能力评估结果（中国软件评测中心，满分110分）："
                  "“卓越级（95分以上，含95分）、优秀级（85分以上，含85分）、良好级（75分以上，"
                  "含75分）、发展级（60分以上，含60分）和准备级（60分以下）”，"
                  "同档内按照行政区划序列排序；"
                  "http://www.ccidegov.cn/fbh2023/info/1032/1123.htm", _CSTC_2023_BANDS),
    "cstc-2024": ("2024年数字政府服务能力和政府网站绩效评估结果（中国软件评测中心，"
                  "满分110分）：卓越级（95分以上，含95分）、优秀级、良好级、发展级（60分以上，"
                  "含60分）和准备级（60分以下），同档内按照行政区划序列排序；"
                  "https://terton.com.cn/xxzx/hydt/202412/t20241220_1591.htm", _CSTC_2023_BANDS),
}


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


# What a count may be, worded when a value is refused (parse_value runs for every imported
# answer: the words are not made for the values that fit).
def _whole() -> str:
    return _("a whole number from 0 to {max_count} (or na, unknown)").format(
        max_count=MAX_COUNT)


def _too_large() -> str:
    return _("larger than {max_count}, the largest count accepted").format(max_count=MAX_COUNT)


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
    auto: str = ""  # the `auto:` key of a probe, or several joined by ", "
    levels: tuple[str, ...] = ()
    unit: str = ""
    part: str = MAIN  # the part of the scheme its indicator belongs to (see PARTS)
    # deduction parts: points taken off per occurrence (a yes is one, a count n), at most
    # `cap`; None where the published text gives no figure (set by the team)
    deduct: float | None = None
    cap: float | None = None
    # veto parts: a count at or above this is a veto (a yes/no: its yes)
    veto_at: float | None = None
    # bonus parts of a deduction scheme: points added per occurrence (else weight × fraction)
    add: float | None = None
    # skipped while any of these holds (a scaled part: units without a function)
    unless: tuple[Condition, ...] = ()

    @property
    def scored(self) -> bool:
        return self.type != "text"

    @property
    def autos(self) -> tuple[str, ...]:
        """The `auto:` keys of the probes that suggest its answer (none, one, or several)."""
        return tuple(key for part in self.auto.split(",") if (key := part.strip()))

    @property
    def finds_problems(self) -> bool:
        """A veto or deduction question: its yes (or a count above 0) is a problem found, so
        the scales of the other questions (yes is good) do not apply to it."""
        return self.part in (VETO, DEDUCTION)

    def vetoes(self, value: object) -> bool:
        """Whether an answer of a veto question is the veto situation."""
        if self.type == "count":
            return isinstance(value, int) and value >= (self.veto_at or 1)
        return value == "yes"

    def occurrences(self, value: object) -> int:
        """How many times a deduction question's problem was found (a yes is once)."""
        if self.type == "count":
            return value if isinstance(value, int) else 0
        return 1 if value == "yes" else 0

    def deduction(self, value: object) -> float:
        """The points this answer takes off (before the item's own cap); 0 where unpublished."""
        taken = self.occurrences(value) * (self.deduct or 0.0)
        return min(taken, self.cap) if self.cap is not None else taken

    def applies_to(self, level: str) -> bool:
        return not self.levels or level in self.levels

    def parse_value(self, raw: object) -> str | int:
        """Normalise a typed or imported value; ValueError names what fits."""
        if self.type == "count" and isinstance(raw, int | float) and not isinstance(raw, bool):
            # a number cell: checked as a number (a huge int cannot even become text)
            if raw == raw and raw > MAX_COUNT:
                raise ValueError(_("{id}: the number is {too_large}").format(
                    id=self.id, too_large=_too_large()))
            if raw != raw or raw < 0 or raw != int(raw):
                shown = repr(raw) if isinstance(raw, float) or raw > -MAX_COUNT else _("a number")
                raise ValueError(_("{id}: {shown} is not {whole}").format(
                    id=self.id, shown=shown, whole=_whole()))
            return int(raw)
        text = str(raw).strip() if raw is not None else ""
        if self.type == "text":
            return text
        if text == "":
            raise ValueError(_("{id}: empty value").format(id=self.id))
        special = _SPECIAL_SPELLINGS.get(text.lower())
        if special:
            return special
        if self.type == "yes_no":
            value = _YES_NO_SPELLINGS.get(text.lower())
            if value is None:
                raise ValueError(_(
                    "{id}: {text!r} is not a yes/no answer "
                    "(yes/no/na/unknown, 是/否/不适用/无法判断, y/n, 1/0, √/×)").format(
                    id=self.id, text=text))
            return value
        if self.type == "graded":
            for choice in self.choices:
                if text == choice.label:
                    return choice.label
            if re.fullmatch(r"\d+", text) and 1 <= int(text) <= len(self.choices):
                return self.choices[int(text) - 1].label
            labels = "/".join(c.label for c in self.choices)
            raise ValueError(_(
                "{id}: {text!r} is not one of {labels} (or 1–{count}, na, unknown)").format(
                id=self.id, text=text, labels=labels, count=len(self.choices)))
        # count
        shown = repr(text) if len(text) <= 30 else _("{start!r}… ({count} characters)").format(
            start=text[:10], count=len(text))
        if not re.fullmatch(r"\d+", text):
            raise ValueError(_("{id}: {shown} is not {whole}").format(
                id=self.id, shown=shown, whole=_whole()))
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            raise ValueError(_("{id}: {shown} is {too_large}").format(
                id=self.id, shown=shown, too_large=_too_large()))
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
    part: str = MAIN  # see PARTS
    # levels assessed whose points the published text does not give (set by the team)
    unpublished: frozenset[str] = frozenset()

    def weight(self, level: str) -> float | None:
        return self.weights.get(level)

    def assessed_at(self, level: str, unweighted: bool = False) -> bool:
        return (unweighted or self.weights.get(level) is not None or level in self.unpublished
                or self.part in (VETO, SCOPE))

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
                "wechat": "政务微信", "app": "政务App", "weibo": "政务微博",
                "portal": "门户网站", "department": "部门网站", "other": "其他政务新媒体"}
# Other spellings of a group, as site lists write them: one group, one name.
GROUP_ALIASES = {
    "副省级": "副省级城市", "副省级市": "副省级城市", "省会": "省会城市", "省会市": "省会城市",
    "计划单列": "计划单列市", "计划单列城市": "计划单列市", "重点城市组": "重点城市",
    "省": "省级", "省级政府": "省级", "省份": "省级", "地级市": "地市", "地市级": "地市",
    "地级": "地市", "县区": "区县", "区(县)": "区县", "区（县）": "区县", "县(市、区)": "区县",
    "县（市、区）": "区县", "县级": "区县", "国务院组成部门网站": "国务院组成部门",
    "国务院其他部门网站": "国务院其他部门", "部委": "国务院部门",
}
# Separators between the groups of one site ("副省级城市、省会城市").
GROUP_SEPARATORS = re.compile(r"\s*[、,，;；|]\s*")


def canonical_group(name: str) -> str:
    """A group name in its one spelling ('副省级' → '副省级城市')."""
    text = name.strip()
    return GROUP_ALIASES.get(text, text)
# How groups sort where a checklist declares none: the order the seeds publish them in.
GROUP_ORDER = ("省级", "副省级城市", "省会城市", "计划单列市", "重点城市", "地市", "区县",
               "国务院部门", "国务院组成部门", "国务院其他部门", "门户网站", "部门网站",
               "政务微信", "政务App", "政务微博", "其他政务新媒体")
BONUS_RULES = ("sum_capped", "best_case")


def bonus_reached(rule: str, cap: float | None, scores: Iterable[float]) -> float:
    """The bonus of a site's bonus categories' scores: their sum (sum_capped) or the best
    one (best_case), at most `cap`. Scoring and the checklist's declared totals both use it."""
    scores = list(scores)
    raw = max(scores, default=0.0) if rule == "best_case" else float(sum(scores))
    return min(raw, cap) if cap is not None else raw
NA_INDICATOR_RULES = ("rescale", "zero")
ABOVE_100_RULES = ("as_is", "cap")


@dataclass(frozen=True)
class ScaledPart:
    """Units without a function skip its part: scored out of what is left, scaled back
    (the 2019 inspection: no public services, "75分 … 乘以4/3")."""

    when: Condition  # the answer that says the unit has no such function
    skip: tuple[str, ...]  # node ids of the part skipped
    factor: float  # full marks ÷ (full marks − the points skipped), as published


@dataclass(frozen=True)
class TopIndicator:
    id: str
    code: str
    name: str
    bonus: bool
    part: str = MAIN


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
    scheme: str = "weighted"  # weighted | deduction
    full_marks: float | None = None  # deduction: the part-2 score before any deduction
    pass_line: float | None = None  # deduction: a part-2 score below it is 不合格
    bonus_above: float | None = None  # deduction: the bonus counts only above this
    scaled: tuple[ScaledPart, ...] = ()  # deduction: parts skipped for units without them
    veto_score: float | None = None  # the total a vetoed site shows (None: no score)
    review_weight: float | None = None  # the expert review's share of the final score
    publish: str = "ranks"  # ranks | bands (each band's sites in 行政区划 order)
    unpublished: tuple[str, ...] = ()  # figures the published text does not give, and where
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
            raise OptionError("level", _(
                "{level!r} is not a level of {id} (levels: {listed})").format(
                level=level, id=self.id, listed=', '.join(self.levels)))

    def questions_at(self, level: str) -> list[Question]:
        return [
            q for i in self.indicators_at(level) for q in i.questions if q.applies_to(level)
        ]

    def bonus(self, scores: Iterable[float]) -> float:
        """The bonus these bonus categories' scores make, by bonus_rule and bonus_cap."""
        return bonus_reached(self.bonus_rule, self.bonus_cap, scores)

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

    @property
    def deduction(self) -> bool:
        return self.scheme == "deduction"

    def group_for(self, level: str, group: str = "") -> str:
        """A site's first ranking group (see groups_for)."""
        return self.groups_for(level, group)[0]

    def groups_for(self, level: str, group: str = "") -> tuple[str, ...]:
        """A site's ranking groups: those its list names (分组, several separated by 、 or ,),
        each in its one spelling; else the seeds' group of its level (省级, 地市, 区县…) unless
        the checklist declares groups without it; then the first declared group of the level;
        else the level itself."""
        named = tuple(dict.fromkeys(self.normalise_group(g)
                                    for g in GROUP_SEPARATORS.split(group or "") if g.strip()))
        if named:
            return named
        seed = LEVEL_GROUPS.get(level, "")
        names = [g.name for g in self.groups]
        if seed and (not names or seed in names):
            return (seed,)
        declared = next((g.name for g in self.groups if level in g.levels), "")
        return (declared or seed or level,)

    def normalise_group(self, name: str) -> str:
        """A group as this checklist spells it: a declared group under another spelling
        ('副省级' for 副省级城市) takes the declared name."""
        canonical = canonical_group(name)
        for declared in self.groups:
            if canonical_group(declared.name) == canonical:
                return declared.name
        return canonical

    def unknown_groups(self, group: str) -> list[str]:
        """The groups a site list names that this checklist does not know: not declared (when
        it declares groups), nor one the seeds publish (when it declares none)."""
        known = ({g.name for g in self.groups} if self.groups
                 else set(GROUP_ORDER) | set(LEVEL_GROUPS.values()))
        return [g for g in self.groups_for("", group) if group.strip() and g not in known]

    def group_order(self, group: str) -> tuple[int, str]:
        """Sort key of a group: declared groups in their order, then the rest by name."""
        names = [g.name for g in self.groups]
        if group in names:
            return (names.index(group), "")
        known = len(GROUP_ORDER)
        return (len(names) + (GROUP_ORDER.index(group) if group in GROUP_ORDER else known),
                group)

    def to_dict(self, level: str | None = None) -> dict[str, Any]:
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
            "scheme": self.scheme,
            **({"full_marks": self.full_marks, "pass_line": self.pass_line,
                "bonus_above": self.bonus_above,
                "scaled": [{"when": s.when.source, "skip": list(s.skip), "factor": s.factor}
                           for s in self.scaled],
                "veto_score": self.veto_score, "review_weight": self.review_weight,
                "unpublished": list(self.unpublished)} if self.deduction else {}),
            "publish": self.publish,
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
                    "part": i.part,
                    "weights": {lv: i.weights.get(lv) for lv in self.levels},
                    "questions": [_question_dict(q) for q in i.questions
                                  if level is None or q.applies_to(level)],
                }
                for i in self.indicators_at(level)
            ],
        }


def _question_dict(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "points": q.points}
    if q.choices:
        out["choices"] = [{"label": c.label, "fraction": c.fraction} for c in q.choices]
    if q.relevant:
        out["relevant"] = q.relevant.source
    if q.levels:
        out["levels"] = list(q.levels)
    if q.auto:
        out["auto"] = q.auto
    for key in ("deduct", "cap", "veto_at", "add"):
        if getattr(q, key) is not None:
            out[key] = getattr(q, key)
    return out
