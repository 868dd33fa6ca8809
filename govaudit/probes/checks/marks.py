"""标识规范: the marks a government site must show (主办单位, 党政机关网站标识, 网站标识码,
ICP备案号, 公安机关备案号, 网站地图), in the home page as fetched and, where there is one,
as rendered (footers written by scripts). Without a rendered page, a footer that scripts
write is read from the site's own files that write it (govaudit.page.includes: the
footer's script, or the fragment it loads), for the marks the HTML as fetched lacks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from govaudit.i18n import _
from govaudit.model import ProbeFinding, ProbeResult, known_fields
from govaudit.probes.context import ProbeContext

if TYPE_CHECKING:
    from govaudit.page import Page
    from govaudit.page.dom import Dom
from govaudit.probes.registry import Probe, ReportView

MARK_KEYS = ("sponsor", "conac", "site_code", "icp", "police", "sitemap")
# The marks a page's other readings (rendered, its footer's script) can add: the questions'
# marks and the 承办单位.
FOUND_KEYS = (*MARK_KEYS, "organizer")
MARK_LABELS = {"sponsor": "主办单位", "conac": "党政机关网站标识", "site_code": "网站标识码",
               "icp": "ICP备案号", "police": "公安机关备案号", "sitemap": "网站地图"}


@dataclass(frozen=True)
class MarkFinding:
    """Where and how one mark was found: footer or page, static or rendered HTML."""

    value: str = ""
    where: str = ""       # "footer" or "page"
    found_as: str = ""    # text, meta, link, image, image link, script, iframe
    noscript: bool = False
    source: str = "static"  # static; rendered; script: read from the file that writes it
    script: str = ""  # source "script": the URL of that file (the page's for an inline one)
    valid: bool | None = None   # 网站标识码 only: well-formed or not
    format: str | None = None   # 网站标识码 only: "local" or "ministry"
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("valid", "format", "problem", "script"):  # only some marks carry them
            if out[key] in (None, ""):
                del out[key]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MarkFinding:
        return cls(**known_fields(cls, data))

    @property
    def by_script(self) -> bool:
        """A script wrote it: only the page as rendered shows it, or it was read from the
        script (or the fragment a script loads) that writes the footer."""
        return self.source in ("rendered", "script")


@dataclass(frozen=True)
class MarksResult(ProbeResult):
    """标识规范: the marks a government site must show, with the values found."""

    probe: ClassVar[str] = "marks"
    nullable: ClassVar[frozenset[str]] = frozenset(
        {"site_code", "icp", "police", "conac_url", "sponsor", "organizer", "sitemap",
         "source"})
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
    # the HTML read: "static", "static+rendered" when both were, "static+script" when the
    # footer's own script or fragment was read too
    source: str = "static"
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


async def run(ctx: ProbeContext) -> MarksResult:
    from govaudit.probes.fetch import page_facts
    from govaudit.probes.marks import find_marks

    page = await ctx.page()
    found = find_marks(page.static)
    if page.rendered is not None:
        found = _with_marks(found, find_marks(page.rendered, "rendered"), "rendered")
    elif not all(_shown(found, key) for key in FOUND_KEYS):
        written = await _written_footer(ctx, page)
        if written is not None:
            dom, urls = written
            marks = find_marks(dom, "script")
            for detail in marks["details"].values():
                detail["script"] = urls[0] if len(urls) == 1 else " ".join(urls)
            found = _with_marks(found, marks, "script")
    return MarksResult.from_dict({**found, "page": page_facts((await ctx.opened()).answer)})


async def _written_footer(ctx: ProbeContext, page: Page) -> tuple[Dom, list[str]] | None:
    """What the page's footer scripts and fragments write (govaudit.page.includes), read
    from the site's own files, and those files' URLs; None when no footer is so written."""
    from govaudit.page.includes import (
        MAX_INCLUDE_BYTES,
        footer_includes,
        written_dom,
        written_html,
    )
    from govaudit.probes.charset import decode_html

    fragments, urls = [], []
    for include in footer_includes(page.static):
        if include.code:
            code = include.code
        else:
            data, _, error = await ctx.fetcher.download(include.url, MAX_INCLUDE_BYTES,
                                                        ctx.policy)
            if error or not data:
                continue
            if include.kind == "html":
                fragments.append(decode_html(data[:MAX_INCLUDE_BYTES])[0])
                urls.append(include.url)
                continue
            code = _script_text(data[:MAX_INCLUDE_BYTES], page.static.encoding)
        html = written_html(code)
        if html:
            fragments.append(html)
            urls.append(include.url)
    return (written_dom(page.static, fragments), urls) if fragments else None


def _script_text(data: bytes, encoding: str) -> str:
    """A script's text: in the page's encoding (a script's default), else UTF-8 or GB18030."""
    for codec in dict.fromkeys((encoding, "utf-8", "gb18030")):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("gb18030", errors="replace")


def _shown(found: dict[str, Any], key: str) -> bool:
    """Whether a mark was found where a reader sees it (a site code only in <meta> is not)."""
    return bool(found.get(key)) and \
        (found["details"].get(key) or {}).get("found_as") != "meta"


def _with_marks(static: dict[str, Any], other: dict[str, Any], source: str) -> dict[str, Any]:
    """The static page's marks, plus those that only `other` shows: the rendered page, or
    what the footer's scripts write (`source`: "rendered" or "script")."""
    out = {**static, "where": dict(static["where"]), "details": dict(static["details"]),
           "source": f"static+{source}"}
    for key in FOUND_KEYS:
        if _shown(static, key) or not other.get(key):
            continue
        out[key] = other[key]
        if key == "conac":
            out["conac_url"] = other["conac_url"]
        out["where"][key] = other["where"][key]
        out["details"][key] = other["details"][key]
    return out


def _where(result: MarksResult, key: str) -> str:
    where = result.where.get(key) or ""
    return {"footer": _(" in the footer"), "page": _(" on the home page")}.get(where, "")


def _home(result: MarksResult) -> str:
    return result.page.get("final_url") or result.page.get("url") or "the home page"


def suggest(auto: str, result: MarksResult) -> ProbeFinding:
    """Yes when the mark is there (and, for 网站标识码, well-formed); no when it is not."""
    key = auto.partition(".")[2]
    label = MARK_LABELS[key]
    finding = result.details.get(key)
    home = _home(result)
    cited = (home,) if home != "the home page" else ()
    hidden = " (inside <noscript>: shown only without scripts)" \
        if finding and finding.noscript else ""
    if finding and finding.source == "script":
        hidden += _(" (written by script: read from {script})").format(script=finding.script)
    elif finding and finding.by_script:
        hidden += _(" (written by script: only the rendered page shows it)")
    if key == "conac":
        if result.conac:
            if finding and finding.found_as == "script":
                return ProbeFinding(True,
                    _("{label}: written by the script {conac_url}{hidden}").format(
                    label=label, conac_url=result.conac_url, hidden=hidden), urls=cited)
            return ProbeFinding(True, _("{label}: badge linking to {conac_url}{hidden}").format(
                label=label, conac_url=result.conac_url, hidden=hidden),
                                urls=cited)
        return ProbeFinding(False, _("no {label} (no link to conac.cn) on {home}").format(
            label=label, home=home), urls=cited)
    value = result.value(key)
    if value and finding and finding.valid is False:
        return ProbeFinding(False,
            _("{label} {value} found{where}, but malformed: {problem}").format(
            label=label, value=value, where=_where(result, key), problem=finding.problem),
            urls=cited)
    if value:
        return ProbeFinding(True, _("{label} {value} found{where}{hidden}").format(
            label=label, value=value, where=_where(result, key), hidden=hidden),
                            urls=cited)
    return ProbeFinding(False, _("no {label} found on {home}").format(
        label=label, home=home), urls=cited)


def report(result: MarksResult, view: ReportView) -> None:
    """The report's marks table: each mark with its value, or missing."""
    for key in MARK_KEYS:
        value = result.value(key)
        if key == "conac" and value is not None:
            value = value or "已找到"
        view.marks.append((MARK_LABELS[key], value or None))


PROBE = Probe(
    name="marks", title="主办单位, 网站标识码, ICP… in the footer",
    answers=tuple(f"marks.{key}" for key in MARK_KEYS), reads=("page", "browser"),
    result=MarksResult, run=run, suggest=suggest, report=report, order=40)
