"""标识规范: the marks a government site must show (主办单位, 党政机关网站标识, 网站标识码,
ICP备案号, 公安机关备案号, 网站地图), in the home page as fetched and, where there is one,
as rendered (footers written by scripts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from govaudit.i18n import _
from govaudit.model import ProbeFinding, ProbeResult, known_fields
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe, ReportView

MARK_KEYS = ("sponsor", "conac", "site_code", "icp", "police", "sitemap")
MARK_LABELS = {"sponsor": "主办单位", "conac": "党政机关网站标识", "site_code": "网站标识码",
               "icp": "ICP备案号", "police": "公安机关备案号", "sitemap": "网站地图"}


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
        return cls(**known_fields(cls, data))

    @property
    def by_script(self) -> bool:
        """Only the page as rendered shows it: a script wrote it."""
        return self.source == "rendered"


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


async def run(ctx: ProbeContext) -> dict[str, Any]:
    from govaudit.probes.fetch import page_facts
    from govaudit.probes.marks import find_marks

    page = await ctx.page()
    found = find_marks(page.static)
    if page.rendered is not None:
        found = _with_rendered_marks(found, find_marks(page.rendered, "rendered"))
    return {**found, "page": page_facts((await ctx.opened()).answer)}


def _with_rendered_marks(static: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The static page's marks, plus those that only the rendered page shows (script-written)."""
    out = {**static, "where": dict(static["where"]), "details": dict(static["details"]),
           "source": "static+rendered"}
    for key in MARK_KEYS:
        if static.get(key) or not rendered.get(key):
            continue
        out[key] = rendered[key]
        if key == "conac":
            out["conac_url"] = rendered["conac_url"]
        out["where"][key] = rendered["where"][key]
        out["details"][key] = rendered["details"][key]
    return out


def _where(result: MarksResult, key: str) -> str:
    where = result.where.get(key) or ""
    return {"footer": " in the footer", "page": " on the home page"}.get(where, "")


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
    if finding and finding.by_script:
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
