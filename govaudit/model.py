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


def known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The items of `data` that are fields of the dataclass `cls`."""
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
        return cls(**{k: str(v or "") for k, v in known_fields(cls, data).items()})


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
        return cls(**known_fields(cls, data))

    def replace(self, **changes: Any) -> Answer:
        return replace(self, **changes)


# Review states of an answer: the stored id and the label people read (either is accepted).
REVIEW_STATES = {"pending": "待复核", "flagged": "有问题", "approved": "通过", "returned": "退回"}
PENDING = "pending"
RETURNED = "returned"  # needs a reason


def review_state(text: str) -> str | None:
    """The state id that `text` names (an id or its Chinese label, any case), or None."""
    text = text.strip()
    if text.lower() in REVIEW_STATES:
        return text.lower()
    return next((k for k, label in REVIEW_STATES.items() if label == text), None)


@dataclass(frozen=True)
class Review:
    """A reviewer's verdict on one evaluator's answer, as it stood at `answer_time`.

    A review holds for that version of the answer only: once the answer changes (its
    time differs), the answer is pending again. `version` counts the reviews of the
    answer in the workspace that made it; (site, question, evaluator, version) is its key.
    """

    site: str
    question: str
    evaluator: str  # whose answer
    state: str  # one of REVIEW_STATES
    reviewer: str
    time: str  # UTC, when reviewed
    answer_time: str  # the time of the answer reviewed
    reason: str = ""
    version: int = 1

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.site, self.question, self.evaluator, self.version)

    @property
    def label(self) -> str:
        return REVIEW_STATES.get(self.state, self.state)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Review:
        values = {k: ("" if v is None else str(v)) for k, v in known_fields(cls, data).items()
                  if k != "version"}
        return cls(**values, version=int_or(data.get("version"), 1))


@dataclass(frozen=True)
class AnswerReview:
    """An answer and the review that holds for it (None: never reviewed, or changed since)."""

    answer: Answer
    review: Review | None = None

    __hash__ = None  # type: ignore[assignment]  # the answer holds lists

    @property
    def state(self) -> str:
        return self.review.state if self.review is not None else PENDING

    @property
    def label(self) -> str:
        return REVIEW_STATES[PENDING] if self.review is None else self.review.label


@dataclass(frozen=True)
class Adjudication:
    """The value that counts for a (site, question) where evaluators disagree, who chose it
    and why; the newest adjudication of a question holds. Its key is (site, question,
    adjudicator, version)."""

    site: str
    question: str
    value: str | int
    adjudicator: str
    time: str  # UTC
    reason: str
    # what each evaluator had answered when it was adjudicated: ((evaluator, value), …)
    values: tuple[tuple[str, str | int], ...] = ()
    version: int = 1

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.site, self.question, self.adjudicator, self.version)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["values"] = [list(v) for v in self.values]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Adjudication:
        raw = data.get("values")
        values = tuple((str(v[0]), v[1]) for v in (raw if isinstance(raw, list) else [])
                       if isinstance(v, list | tuple) and len(v) == 2)
        value = data.get("value")
        return cls(str(data.get("site") or ""), str(data.get("question") or ""),
                   value if isinstance(value, int) and not isinstance(value, bool)
                   else str(value or ""), str(data.get("adjudicator") or ""),
                   str(data.get("time") or ""), str(data.get("reason") or ""), values,
                   int_or(data.get("version"), 1))


@dataclass(frozen=True)
class LogEntry:
    """One entry of the workspace's append-only audit log: a change to an answer, a review,
    an adjudication or evidence; who made it, when (UTC), what it was and what it became.

    `prev` is the SHA-256 of the entry before (GENESIS for the first) and `hash` this
    entry's own (govaudit.auditlog), so a removed or edited entry breaks the chain.
    Its key is (site, question, evaluator, seq).
    """

    seq: int
    time: str
    actor: str  # who made the change
    kind: str  # answer | review | adjudication | evidence
    action: str  # save, import, delete, link, capture, attach…
    site: str
    question: str = ""
    evaluator: str = ""  # whose answer (answers and reviews)
    old: Any = None  # JSON values; None: there was none
    new: Any = None
    prev: str = ""
    hash: str = ""

    __hash__ = None  # type: ignore[assignment]  # JSON values inside: compared, never hashed

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.site, self.question, self.evaluator, self.seq)

    def to_dict(self) -> dict[str, Any]:
        """The entry as written (its values as they are: JSON values, never changed)."""
        return {name: getattr(self, name) for name in LOG_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogEntry:
        return cls(**known_fields(cls, data))


LOG_FIELDS = tuple(f.name for f in fields(LogEntry))


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
# Each probe's own result type lives in its module (govaudit.probes.checks.<name>); what
# every probe shares is here.

SOURCES = ("static", "rendered")  # the HTML a finding was read from: as fetched, as rendered

Fact = tuple[str, str, bool]  # (label, text, is a problem) as the report lists a probe


def plain(value: Any) -> Any:
    """A JSON-friendly copy: tuples become lists, mappings dicts, dataclasses their dict."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def typed_records(cls: Any, rows: Any) -> tuple[Any, ...]:
    """`cls` records of stored rows (dicts) or records already typed; anything else is left out."""
    return tuple(r if isinstance(r, cls) else cls.from_dict(r)
                 for r in (rows or ()) if isinstance(r, cls | Mapping))


def int_or(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, int | float) else default


@dataclass(frozen=True)
class ProbeResult:
    """What one probe found for one site; `site` and `time` say whose result and when.

    `nullable` names the fields whose stored None means "none found"; any other field
    stored as None reads as its default (a row older than the field).
    """

    probe: ClassVar[str] = ""
    nullable: ClassVar[frozenset[str]] = frozenset()
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
        return {"probe": self.probe, **{f.name: plain(getattr(self, f.name))
                                        for f in fields(self)}}

    @classmethod
    def _fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        known = known_fields(cls, data)
        return {k: v for k, v in known.items() if v is not None or k in cls.nullable}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        return cls(**cls._fields(data))


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
class LinkRow:
    """A link that is broken or could not be checked, and the page it was found on."""

    url: str = ""
    status: int | None = None
    error: str = ""
    found_on: str = ""
    text: str = ""
    tag: str = ""
    verdict: str = ""  # govaudit.page.verdicts.LinkVerdict ("" in rows stored before it)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.verdict:  # a row stored before verdicts is written back as it was
            del out["verdict"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkRow:
        text = {k: str(v or "") for k, v in known_fields(cls, data).items() if k != "status"}
        return cls(status=data.get("status"), **text)

    @property
    def problem(self) -> str:
        """The HTTP status and the error, as one text."""
        return " ".join(str(v) for v in (self.status, self.error) if v)


@dataclass(frozen=True)
class ProbeFinding:
    """What a probe's result says about one `auto:` key: a suggested answer and its evidence.

    `good` answers a yes/no question (None: the result cannot tell), `count` a count
    question, `detail` a text question and the note of every answer; `urls` are the
    pages it cites.
    """

    good: bool | None
    detail: str
    count: int | None = None
    urls: tuple[str, ...] = ()
    # how many times the problem was found, for a count question that asks it (a veto or
    # deduction item: 不可用的链接 n 个); None: the result does not count problems
    problems: int | None = None


CHECK_RESULTS = ("problem", "pass", "not checked", "could not judge")


@dataclass(frozen=True)
class CheckRow:
    """One content or conformance check's result on one spot of a site, with its evidence.

    `result` is one of CHECK_RESULTS: a problem found; passed; not checked (no list, no
    browser, nothing of the kind on the pages read), with the reason in `detail`; could not
    judge (the input was unusable: a damaged attachment, a list in the wrong encoding).
    """

    check: str  # "names", "words", "personal", "metadata", "https.certificate", …
    result: str
    detail: str = ""
    url: str = ""  # the page (or attachment) it is on
    path: str = ""  # the DOM path of the element (or the place in an attachment)
    context: str = ""  # the text around the spot
    entry: str = ""  # the list entry it matched
    list_file: str = ""  # that list's file
    list_validity: str = ""  # that list's dates of validity: 2026-01-01..2026-12-31
    screenshot: str = ""  # an element screenshot with the spot marked (a file of the run)
    shot_note: str = ""  # what the screenshot shows, or why there is none

    @property
    def is_problem(self) -> bool:
        return self.result == "problem"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v or k in ("check", "result")}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckRow:
        return cls(**{k: str(v or "") for k, v in known_fields(cls, data).items()})


@dataclass(frozen=True)
class Monitored:
    """How the monitoring answers for a probe: the rule set's levels over its window
    decide yes or no (None: not enough data yet), and `note` says which levels."""

    answer: bool | None
    note: str


__all__ = ["CHECK_RESULTS", "PENDING", "PROBE_EVALUATOR", "RETURNED", "REVIEW_STATES", "SOURCES",
           "Adjudication", "Answer", "AnswerReview", "CheckRow", "Evidence", "LogEntry", "Review",
           "review_state",
           "EvidenceFile", "Fact", "FailedProbe", "LinkRow", "Monitored", "PageRef",
           "ProbeFinding", "ProbeResult",
           "RemovedSite", "Site", "SiteChange", "SiteScore", "SitesPlan", "int_or",
           "known_fields", "plain", "typed_records", "utc_now"]


# -- evidence ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _mappings(value: Any) -> tuple[dict[str, Any], ...]:
    """The mappings of a stored list; anything else in it is left out."""
    return tuple(dict(v) for v in (value if isinstance(value, list) else [])
                 if isinstance(v, Mapping))


def _opt_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class EvidenceFile:
    """One file of an evidence record: what it is, where under the workspace, its SHA-256.

    A tall page's screenshot comes in segments: `segment` (from 1), `offset` and
    `height` in CSS pixels say where each sits. `inert` marks an HTML copy that
    runs nothing. `taken` is "deadline" for a screenshot taken when the page's time
    ran out (what the browser showed then, not a loaded page).
    """

    kind: str
    path: str
    sha256: str = ""
    bytes: int = 0
    segment: int | None = None
    offset: int | None = None
    height: int | None = None
    inert: bool = False
    taken: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "path": self.path, "sha256": self.sha256,
                               "bytes": self.bytes}
        if self.segment is not None:
            out.update(segment=self.segment, offset=self.offset, height=self.height)
        if self.inert:
            out["inert"] = True
        if self.taken:
            out["taken"] = self.taken
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvidenceFile:
        """The file of a stored entry; a missing or odd field reads as empty."""
        return cls(_text(data.get("kind")), _text(data.get("path")),
                   _text(data.get("sha256")).lower(), int_or(data.get("bytes")),
                   _opt_int(data.get("segment")), _opt_int(data.get("offset")),
                   _opt_int(data.get("height")), data.get("inert") is True,
                   _text(data.get("taken")))


@dataclass(frozen=True)
class Evidence:
    """An evidence record: one capture (or attached file) of a page, for a site.

    `failure` says what kept the page from loading: "" (it loaded), http, timeout,
    network, tls, download, refused (its addresses) or memory (over the capture's
    memory limit); the files then show what the browser showed. `headers` and
    `timing` are the main document's response headers as received and its timing
    (ms). `navigation` is the way from the requested URL to the final one, one hop
    each ({url, status, via}: via "" for the request, "redirect" for an HTTP
    redirect, "meta refresh", "refresh header" or "script" for the page's own);
    `blocked` what govaudit refused to load for the page ({url, what, reason}:
    what a frame, popup, page, or a resource type such as image).
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
    navigation: tuple[Mapping[str, Any], ...] = ()
    blocked: tuple[Mapping[str, str], ...] = ()

    _TEXT: ClassVar[tuple[str, ...]] = (
        "id", "run", "site", "indicator", "question", "requested_url", "final_url", "ip",
        "title", "time", "viewport", "device", "user_agent", "browser", "govaudit", "error",
        "selector", "endpoint", "failure")

    @property
    def url(self) -> str:
        """The address the page ended at, else the one asked for."""
        return self.final_url or self.requested_url

    @property
    def failed(self) -> bool:
        """Whether the capture failed: no page was shown to keep.

        A page that answered with an HTTP error status and was shown (its
        screenshot is kept) is captured: evidence of the site's failure. A page
        that did not load (timeout, network, TLS, a download, refused addresses,
        the memory limit) failed, whatever the browser showed instead.
        """
        if self.failure not in ("", "http"):
            return True
        return bool(self.error) and not any(f.kind == "png" for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: every field present, files and headers as lists."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(files=[f.to_dict() for f in self.files],
                   headers=[list(h) for h in self.headers],
                   box=None if self.box is None else dict(self.box), timing=dict(self.timing),
                   navigation=[dict(h) for h in self.navigation],
                   blocked=[dict(b) for b in self.blocked])
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
            duration_ms=int_or(data.get("duration_ms")),
            capped_height=_opt_int(data.get("capped_height")),
            files=tuple(EvidenceFile.from_dict(f) for f in
                        (files if isinstance(files, list) else []) if isinstance(f, Mapping)),
            box=dict(box) if isinstance(box, Mapping) else None,
            headers=tuple((str(h[0]), str(h[1])) for h in
                          (headers if isinstance(headers, list) else [])
                          if isinstance(h, list | tuple) and len(h) == 2),
            timing=dict(timing) if isinstance(timing, Mapping) else {},
            navigation=_mappings(data.get("navigation")),
            blocked=_mappings(data.get("blocked")))
