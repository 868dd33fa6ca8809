"""The domain records: pure, frozen dataclasses that import nothing else from govaudit.

Every module and the CLI pass these around; `store` turns them into rows and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

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
class SiteChange:
    """A stored site and what a list or an edit makes of it."""

    old: Site
    new: Site

    @property
    def fields(self) -> list[str]:
        """The names of the fields that differ (url, level, region, group)."""
        return [f.name for f in fields(Site)
                if getattr(self.old, f.name) != getattr(self.new, f.name)]


@dataclass(frozen=True)
class SitesPlan:
    """What importing a site list does: the diff against the workspace, applied or not."""

    path: str
    added: tuple[Site, ...] = ()
    changed: tuple[SiteChange, ...] = ()
    unchanged: tuple[Site, ...] = ()
    missing: tuple[Site, ...] = ()  # stored sites the file does not name (left as they are)
    notes: tuple[str, ...] = ()  # what was read differently from how it was typed
    applied: bool = False
    warnings: tuple[str, ...] = ()  # ranking groups the checklist does not know

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed)


@dataclass(frozen=True)
class RemovedSite:
    """A site taken off the list; its answers are kept in `archive` (None: it had none)."""

    site: Site
    answers: int
    archive: str | None = None


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
class Problem:
    """One row of a site's 问题清单, as a 通报 writes it: what was found (the item and the
    question), how often, the points it cost, and the note and evidence behind it."""

    site: str
    part: str  # veto | deduction
    indicator: str  # indicator id
    item: str  # the indicator's names, 一级 > 二级
    question: str  # question id
    text: str  # the question as asked
    value: str | int  # the answer: yes, or how many
    occurrences: int
    deducted: float | None  # points taken off here (None: a veto; or not published)
    per: float | None = None  # points per occurrence; None where not published
    capped: bool = False  # the item's own points ran out
    note: str = ""
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["evidence"] = list(self.evidence)
        return out


@dataclass(frozen=True)
class SiteScore:
    """One site's score: total (main + bonus), grade, dense rank within its ranking group.

    A site with unanswered or `unknown` questions is provisional: those questions count
    as 0 in `total`, and `open_points` is what they could still add (full marks).
    A checklist of the deduction scheme also gives a verdict (合格/不合格) with its reason,
    the part-2 score (扣分指标得分) and the 问题清单; a vetoed site has no total.
    """

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
    group: str = ""  # the ranking group (分组): whom the site ranks against
    open_points: float | None = None  # points the unanswered questions could still add
    groups: tuple[str, ...] = ()  # every ranking group of the site; `group` is the first
    ranks: Mapping[str, int] = field(default_factory=dict)  # dense rank within each group
    region: str = ""  # the site list's 地区 (a 行政区划代码 orders bands)
    verdict: str = ""  # deduction scheme: 合格 / 不合格
    reason: str = ""  # why 不合格: the veto items, or the part-2 score below the pass line
    part2: float | None = None  # deduction scheme: 扣分指标得分 (after any scaling)
    deducted: float | None = None  # deduction scheme: the points deducted
    vetoes: tuple[str, ...] = ()  # the veto items found
    problems: tuple[Problem, ...] = ()  # the 问题清单
    scaled: str = ""  # the scaled part applied ("办事服务 skipped: × 4/3")
    rescaled: tuple[str, ...] = ()  # indicators all 不适用, shown at the site's rate elsewhere

    @property
    def complete(self) -> bool:
        return self.answered == self.questions

    @property
    def provisional(self) -> bool:
        """True while questions are unanswered or `unknown`: the total may still rise. A site
        with a veto item found is settled: nothing else is scored."""
        return not self.complete and not self.vetoes

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site, "level": self.level, "group": self.group,
            "total": _round(self.total), "bonus": _round(self.bonus),
            "grade": self.grade, "rank": self.rank,
            "answered": self.answered, "questions": self.questions,
            "complete": self.complete, "provisional": self.provisional,
            "open_points": _round(self.open_points),
            "indicators": {k: _round(v) for k, v in self.indicators.items()},
            **({"groups": list(self.groups), "ranks": dict(self.ranks)}
               if len(self.groups) > 1 else {}),
            **({"verdict": self.verdict, "reason": self.reason, "part2": _round(self.part2),
                "deducted": _round(self.deducted), "vetoes": list(self.vetoes),
                "scaled": self.scaled, "problems": [p.to_dict() for p in self.problems]}
               if self.verdict else {}),
            **({"rescaled": list(self.rescaled)} if self.rescaled else {}),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# -- probe results ---------------------------------------------------------------------

MARK_KEYS = ("sponsor", "conac", "site_code", "icp", "police", "sitemap")
FEATURE_KEYS = ("search", "login", "disclosure_request", "gov_info", "interpretation",
                "interaction", "accessibility")
MARK_LABELS = {"sponsor": "主办单位", "conac": "党政机关网站标识", "site_code": "网站标识码",
               "icp": "ICP备案号", "police": "公安机关备案号", "sitemap": "网站地图"}
FEATURE_LABELS = {"search": "站内搜索", "login": "注册/登录", "disclosure_request": "依申请公开",
                  "gov_info": "政府信息公开", "interpretation": "政策解读",
                  "interaction": "互动交流", "accessibility": "无障碍/长者模式"}
SOURCES = ("static", "rendered")  # the HTML a finding was read from: as fetched, as rendered

Fact = tuple[str, str, bool]  # (label, text, is a problem) as the report lists a probe


def _plain(value: Any) -> Any:
    """A JSON-friendly copy: tuples become lists, mappings dicts, dataclasses their dict."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _items(cls: Any, rows: Any) -> tuple[Any, ...]:
    return tuple(r if isinstance(r, cls) else cls.from_dict(r)
                 for r in (rows or ()) if isinstance(r, cls | Mapping))


def _int(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, int | float) else default


@dataclass(frozen=True)
class ProbeResult:
    """What one probe found for one site; `site` and `time` say whose result and when."""

    probe: ClassVar[str] = ""
    site: str = ""
    time: str = ""

    @property
    def failed(self) -> bool:
        return False

    def summary(self) -> str:
        """The one line the CLI shows for this result."""
        raise NotImplementedError

    def facts(self) -> list[Fact]:
        """(label, text, is a problem) lines the report lists; none by default."""
        return []

    def to_dict(self) -> dict[str, Any]:
        """The stored row: {"probe": name, …fields}; lists and dicts only, for JSON."""
        return {"probe": self.probe, **{f.name: _plain(getattr(self, f.name))
                                        for f in fields(self)}}

    @classmethod
    def _fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        known = _known(cls, data)
        return {k: v for k, v in known.items() if v is not None or k in _NULLABLE}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        return cls(**cls._fields(data))


# fields whose stored None means "none found" (not "missing from an old row")
_NULLABLE = {"status", "final_url", "latency_median_ms", "latency_p95_ms", "broken_ratio",
             "site_code", "icp", "police", "conac_url", "sponsor", "organizer", "sitemap",
             "latest", "days", "source", "match", "valid", "format"}


@dataclass(frozen=True)
class FailedProbe(ProbeResult):
    """A probe that could not run, with the reason."""

    name: str = ""
    error: str = ""

    @property
    def failed(self) -> bool:
        return True

    def summary(self) -> str:
        return f"failed: {self.error}"

    def to_dict(self) -> dict[str, Any]:
        return {"probe": self.name, "failed": True, "error": self.error,
                "site": self.site, "time": self.time}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FailedProbe:
        return cls(site=str(data.get("site") or ""), time=str(data.get("time") or ""),
                   name=str(data.get("probe") or ""), error=str(data.get("error") or ""))


@dataclass(frozen=True)
class AvailabilityResult(ProbeResult):
    """Several GETs of the home page: failures, status, latency, HTTPS."""

    probe: ClassVar[str] = "availability"
    samples: int = 0
    failures: int = 0
    refused: int = 0  # samples not sent where they led (netpolicy): not judged
    failure_rate: float = 0.0
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    https: bool = False
    tls_error: str = ""
    latency_median_ms: float | None = None
    latency_p95_ms: float | None = None
    errors: tuple[str, ...] = ()
    results: tuple[Mapping[str, Any], ...] = ()  # each sample: status, latency_ms, error…

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AvailabilityResult:
        known = cls._fields(data)
        known["redirects"] = tuple(known.get("redirects") or ())
        known["errors"] = tuple(known.get("errors") or ())
        known["results"] = tuple(dict(r) for r in known.get("results") or ())
        return cls(**known)

    def summary(self) -> str:
        text = f"{self.samples - self.failures - self.refused}/{self.samples} OK"
        if self.refused:
            text += f", {self.refused} not judged"
        if self.status is not None:
            text += (f", HTTP {self.status}, median {self.latency_median_ms} ms, "
                     f"p95 {self.latency_p95_ms} ms, {'HTTPS' if self.https else 'no HTTPS'}")
        if self.redirects and self.final_url:
            text += f", redirected to {self.final_url}"
        if self.errors:
            text += f"; errors: {'; '.join(self.errors)}"
        if self.tls_error:
            text += f"; {self.tls_error}"
        return text

    def facts(self) -> list[Fact]:
        text = (f"{self.samples} 次访问，失败 {self.failures} 次"
                + (f"，{self.refused} 次无法判断" if self.refused else "")
                + f"；状态 {self.status}；"
                f"{'HTTPS' if self.https else '未使用 HTTPS'}")
        if self.latency_median_ms is not None:
            text += f"；响应中位数 {self.latency_median_ms} ms"
        errors = "；".join(self.errors)
        return [("可用性", text + (f"（{errors}）" if errors else ""),
                 self.failure_rate > 0 or self.refused > 0)]


@dataclass(frozen=True)
class LinkRow:
    """A link that is broken or could not be checked, and the page it was found on."""

    url: str = ""
    status: int | None = None
    error: str = ""
    found_on: str = ""
    text: str = ""
    tag: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkRow:
        text = {k: str(v or "") for k, v in _known(cls, data).items() if k != "status"}
        return cls(status=data.get("status"), **text)

    @property
    def problem(self) -> str:
        """The HTTP status and the error, as one text."""
        return " ".join(str(v) for v in (self.status, self.error) if v)


@dataclass(frozen=True)
class LinksResult(ProbeResult):
    """The links of the home page (and same-host pages to `depth`): broken, not checkable."""

    probe: ClassVar[str] = "links"
    checked: int = 0
    broken_count: int = 0
    broken_ratio: float | None = None
    broken: tuple[LinkRow, ...] = ()
    unchecked_count: int = 0
    unchecked: tuple[LinkRow, ...] = ()  # host not resolved, connection refused from here
    pages: tuple[str, ...] = ()
    depth: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinksResult:
        known = cls._fields(data)
        broken = _items(LinkRow, known.get("broken"))
        unchecked = _items(LinkRow, known.get("unchecked"))
        known.update(broken=broken, unchecked=unchecked,
                     broken_count=_int(known.get("broken_count"), len(broken)),
                     unchecked_count=_int(known.get("unchecked_count"), len(unchecked)),
                     pages=tuple(known.get("pages") or ()),
                     skipped=dict(known.get("skipped") or {}))
        return cls(**known)

    @property
    def answered(self) -> int:
        """Links checked whose host answered (or that were malformed)."""
        return self.checked - len(self.unchecked)

    def summary(self) -> str:
        unchecked = self.unchecked_count
        return (f"{self.checked} checked, {self.broken_count} broken "
                f"({(self.broken_ratio or 0):.1%})"
                + (f", {unchecked} could not be checked from here" if unchecked else "")
                + f", {len(self.pages)} page(s) scanned")


@dataclass(frozen=True)
class Ipv6Result(ProbeResult):
    """Does the host have an AAAA record, and does it answer HTTP over IPv6?"""

    probe: ClassVar[str] = "ipv6"
    host: str = ""
    aaaa: tuple[str, ...] = ()
    has_aaaa: bool = False
    reachable: bool = False
    status: int | None = None
    error: str = ""
    tls_error: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ipv6Result:
        known = cls._fields(data)
        known["aaaa"] = tuple(known.get("aaaa") or ())
        return cls(**known)

    def summary(self) -> str:
        if self.reachable:
            return f"AAAA {', '.join(self.aaaa)}; HTTP {self.status} over IPv6"
        return self.error or "no answer over IPv6"

    def facts(self) -> list[Fact]:
        text = "可通过 IPv6 访问" if self.reachable else \
            f"不支持 IPv6（{self.error or '无法访问'}）"
        return [("IPv6", text, not self.reachable)]


@dataclass(frozen=True)
class MarkFinding:
    """Where and how one mark was found: footer or page, static or rendered HTML."""

    value: str = ""
    where: str = ""       # "footer" or "page"
    found_as: str = ""    # text, meta, link, image, image link, script, iframe
    noscript: bool = False
    source: str = "static"
    valid: bool | None = None   # 网站标识码 only: well-formed or not
    format: str | None = None   # 网站标识码 only: "local" or "ministry"
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("valid", "format", "problem"):  # only the 网站标识码 carries them
            if out[key] in (None, ""):
                del out[key]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MarkFinding:
        return cls(**_known(cls, data))

    @property
    def by_script(self) -> bool:
        """Only the page as rendered shows it: a script wrote it."""
        return self.source == "rendered"


@dataclass(frozen=True)
class MarksResult(ProbeResult):
    """标识规范: the marks a government site must show, with the values found."""

    probe: ClassVar[str] = "marks"
    site_code: str | None = None
    icp: str | None = None
    police: str | None = None
    conac: bool = False
    conac_url: str | None = None
    sponsor: str | None = None
    organizer: str | None = None
    sitemap: str | None = None
    where: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, MarkFinding] = field(default_factory=dict)
    source: str = "static"   # the HTML read: "static", or "static+rendered" when both were
    page: Mapping[str, Any] = field(default_factory=dict)  # the fetched page's facts

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MarksResult:
        known = cls._fields(data)
        known["where"] = dict(known.get("where") or {})
        known["details"] = {k: v if isinstance(v, MarkFinding) else MarkFinding.from_dict(v)
                            for k, v in (known.get("details") or {}).items()
                            if isinstance(v, MarkFinding | Mapping)}
        known["page"] = dict(known.get("page") or {})
        return cls(**known)

    def value(self, key: str) -> str | None:
        """The value shown for a mark: the badge's URL for conac."""
        if key == "conac":
            return (self.conac_url or "") if self.conac else None
        found = getattr(self, key)
        return found if isinstance(found, str) else None

    def summary(self) -> str:
        parts = []
        for key in MARK_KEYS:
            value = self.conac_url if key == "conac" else self.value(key)
            finding = self.details.get(key)
            script = " (written by script)" if value and finding and finding.by_script else ""
            parts.append(f"{MARK_LABELS[key]}: {value or '—'}{script}")
        return "; ".join(parts)


@dataclass(frozen=True)
class PageDates:
    """The newest date on one page, or why the page could not be read."""

    url: str = ""
    latest: str | None = None
    days: int | None = None
    dates: int = 0
    ignored: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.error:  # a page that could not be read has no date counts
            return {"url": self.url, "latest": None, "days": None, "error": self.error}
        out = asdict(self)
        del out["error"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageDates:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class FreshnessResult(ProbeResult):
    """栏目更新: the newest date on the home page and on the recorded column pages."""

    probe: ClassVar[str] = "freshness"
    latest: str | None = None
    days: int | None = None
    source: str | None = None  # the page that shows the newest date
    today: str = ""
    pages: tuple[PageDates, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FreshnessResult:
        known = cls._fields(data)
        known["pages"] = _items(PageDates, known.get("pages"))
        return cls(**known)

    def summary(self) -> str:
        if not self.latest:
            return "no date found"
        return (f"newest {self.latest} ({self.days} day(s) ago, counted in China time, "
                f"UTC+8) on {self.source}")

    def facts(self, fresh_days: int = 14) -> list[Fact]:
        if not self.latest:
            return [("栏目更新", "页面上未找到日期", True)]
        text = f"最新日期 {self.latest}（按北京时间，{self.days} 天前）"
        if self.source:
            text += f"，见 {self.source}"
        return [("栏目更新", text, self.days is not None and self.days > fresh_days)]


@dataclass(frozen=True)
class FeatureHint:
    """A feature found on the page, with the element or link that matched."""

    found: bool = False
    match: str | None = None
    source: str = "static"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureHint:
        return cls(**_known(cls, data))


@dataclass(frozen=True)
class FeaturesResult(ProbeResult):
    """Presence hints for site features (search, login, 依申请公开…), by feature key."""

    probe: ClassVar[str] = "features"
    hints: Mapping[str, FeatureHint] = field(default_factory=dict)
    page: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # stored flat, as {feature: {found, match}, "page": …}
        return {"probe": self.probe, **{k: v.to_dict() for k, v in self.hints.items()},
                "page": dict(self.page), "site": self.site, "time": self.time}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeaturesResult:
        hints = {k: v if isinstance(v, FeatureHint) else FeatureHint.from_dict(v)
                 for k, v in data.items()
                 if k not in ("probe", "page", "site", "time") and
                 isinstance(v, FeatureHint | Mapping)}
        return cls(site=str(data.get("site") or ""), time=str(data.get("time") or ""),
                   hints=hints, page=dict(data.get("page") or {}))

    def hint(self, key: str) -> FeatureHint:
        return self.hints.get(key) or FeatureHint()

    def summary(self) -> str:
        return "; ".join(f"{label} {'✓' if self.hint(key).found else '—'}"
                         for key, label in FEATURE_LABELS.items())


PROBE_RESULTS: dict[str, type[ProbeResult]] = {
    cls.probe: cls for cls in (AvailabilityResult, LinksResult, Ipv6Result, MarksResult,
                               FreshnessResult, FeaturesResult)}


def probe_result(data: Mapping[str, Any] | ProbeResult, name: str = "") -> ProbeResult:
    """The typed result of a stored row or a probe's dict (`name` when it has no "probe")."""
    if isinstance(data, ProbeResult):
        return data
    probe = str(data.get("probe") or name)
    if data.get("failed") or probe not in PROBE_RESULTS:
        row = {**data, "probe": probe}
        if not data.get("failed"):
            row["error"] = f"unknown probe {probe!r}"
        return FailedProbe.from_dict(row)
    return PROBE_RESULTS[probe].from_dict(data)


__all__ = ["FEATURE_KEYS", "FEATURE_LABELS", "MARK_KEYS", "MARK_LABELS", "PROBE_EVALUATOR",
           "PROBE_RESULTS", "SOURCES", "Answer", "AvailabilityResult", "FailedProbe",
           "FeatureHint", "FeaturesResult", "FreshnessResult", "Ipv6Result", "LinkRow",
           "LinksResult", "MarkFinding", "MarksResult", "PageDates", "PageRef", "ProbeResult",
           "Site", "SiteScore", "probe_result", "utc_now"]


# -- evidence ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class EvidenceFile:
    """One file of an evidence record: what it is, where under the workspace, its SHA-256.

    A tall page's screenshot comes in segments: `segment` (from 1), `offset` and
    `height` in CSS pixels say where each sits. `inert` marks an HTML copy that
    runs nothing.
    """

    kind: str
    path: str
    sha256: str = ""
    bytes: int = 0
    segment: int | None = None
    offset: int | None = None
    height: int | None = None
    inert: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "path": self.path, "sha256": self.sha256,
                               "bytes": self.bytes}
        if self.segment is not None:
            out.update(segment=self.segment, offset=self.offset, height=self.height)
        if self.inert:
            out["inert"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvidenceFile:
        """The file of a stored entry; a missing or odd field reads as empty."""
        return cls(_text(data.get("kind")), _text(data.get("path")),
                   _text(data.get("sha256")).lower(), _int(data.get("bytes")),
                   _opt_int(data.get("segment")), _opt_int(data.get("offset")),
                   _opt_int(data.get("height")), data.get("inert") is True)


@dataclass(frozen=True)
class Evidence:
    """An evidence record: one capture (or attached file) of a page, for a site.

    `failure` says what kept the page from loading: "" (it loaded), http, timeout,
    network, tls, download or refused (its addresses); the files then show what
    the browser showed. `headers` and `timing` are the main document's response
    headers as received and its timing (ms).
    """

    id: str
    run: str
    site: str
    indicator: str = ""
    question: str = ""
    requested_url: str = ""
    final_url: str = ""
    status: int | None = None
    ip: str = ""
    title: str = ""
    time: str = ""
    viewport: str = ""
    device: str = ""
    user_agent: str = ""
    browser: str = ""
    govaudit: str = ""
    duration_ms: int = 0
    capped_height: int | None = None
    files: tuple[EvidenceFile, ...] = ()
    error: str = ""
    selector: str = ""
    box: Mapping[str, int] | None = None
    endpoint: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    timing: Mapping[str, float] = field(default_factory=dict)
    failure: str = ""

    _TEXT: ClassVar[tuple[str, ...]] = (
        "id", "run", "site", "indicator", "question", "requested_url", "final_url", "ip",
        "title", "time", "viewport", "device", "user_agent", "browser", "govaudit", "error",
        "selector", "endpoint", "failure")

    @property
    def url(self) -> str:
        """The address the page ended at, else the one asked for."""
        return self.final_url or self.requested_url

    def to_dict(self) -> dict[str, Any]:
        """The stored form: every field present, files and headers as lists."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(files=[f.to_dict() for f in self.files],
                   headers=[list(h) for h in self.headers],
                   box=None if self.box is None else dict(self.box), timing=dict(self.timing))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """The record of a stored dict; a missing or odd field reads as empty."""
        values: dict[str, Any] = {k: _text(data.get(k)) for k in cls._TEXT}
        files = data.get("files")
        headers = data.get("headers")
        box = data.get("box")
        timing = data.get("timing")
        return cls(
            **values, status=_opt_int(data.get("status")),
            duration_ms=_int(data.get("duration_ms")),
            capped_height=_opt_int(data.get("capped_height")),
            files=tuple(EvidenceFile.from_dict(f) for f in
                        (files if isinstance(files, list) else []) if isinstance(f, Mapping)),
            box=dict(box) if isinstance(box, Mapping) else None,
            headers=tuple((str(h[0]), str(h[1])) for h in
                          (headers if isinstance(headers, list) else [])
                          if isinstance(h, list | tuple) and len(h) == 2),
            timing=dict(timing) if isinstance(timing, Mapping) else {})
