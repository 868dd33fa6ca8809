"""链接有效性: the links of the home page (and of same-host pages to a depth), checked.

One verdict per link (govaudit.page.verdicts): dead is a 4xx/5xx answer or a soft 404 (a
200 page that says it does not exist); a link whose host could not be reached from here (a
failed lookup, a refused connection, a private address, a timeout) or that an anti-bot
challenge answered could not be judged, and is counted apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from govaudit.i18n import _
from govaudit.model import LinkRow, ProbeFinding, ProbeResult, int_or, typed_records
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe, ReportView
from govaudit.urls import web_href


@dataclass(frozen=True)
class LinksResult(ProbeResult):
    """The links of the home page (and same-host pages to `depth`): broken, not checkable."""

    probe: ClassVar[str] = "links"
    nullable: ClassVar[frozenset[str]] = frozenset({"broken_ratio"})
    checked: int = 0
    broken_count: int = 0
    broken_ratio: float | None = None
    broken: tuple[LinkRow, ...] = ()
    unchecked_count: int = 0
    unchecked: tuple[LinkRow, ...] = ()  # could not judge: no answer from here, a challenge
    pages: tuple[str, ...] = ()
    depth: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinksResult:
        known = cls._fields(data)
        broken = typed_records(LinkRow, known.get("broken"))
        unchecked = typed_records(LinkRow, known.get("unchecked"))
        known.update(broken=broken, unchecked=unchecked,
                     broken_count=int_or(known.get("broken_count"), len(broken)),
                     unchecked_count=int_or(known.get("unchecked_count"), len(unchecked)),
                     pages=tuple(known.get("pages") or ()),
                     skipped=dict(known.get("skipped") or {}))
        return cls(**known)

    @property
    def answered(self) -> int:
        """Links checked whose host answered (or that were malformed)."""
        return self.checked - len(self.unchecked)

    def summary(self) -> str:
        unchecked = self.unchecked_count
        return (_("{checked} checked, {broken} broken ({ratio:.1%})").format(
                    checked=self.checked, broken=self.broken_count,
                    ratio=self.broken_ratio or 0)
                + (_(", {count} could not be checked from here").format(count=unchecked)
                   if unchecked else "")
                + _(", {count} page(s) scanned").format(count=len(self.pages)))


async def run(ctx: ProbeContext) -> LinksResult:
    from govaudit.probes.links import LinkResult, probe_links

    page, opened = await ctx.page(), await ctx.opened()
    return LinksResult.from_dict(await probe_links(
        ctx.links, page, LinkResult.of(opened.answer), ctx.progress,
        asked=(ctx.site.url, *opened.hops)))


def suggest(auto: str, result: LinksResult) -> ProbeFinding:
    """Broken links among those checked; links whose host was not reached are only counted."""
    checked, broken, unchecked = result.checked, result.broken, result.unchecked
    answered = result.answered
    reasons = Counter(u.error.split(" (")[0] for u in unchecked)
    not_reached = _("; {count} more could not be checked from this machine ({reasons})").format(
        count=len(unchecked), reasons=", ".join(f"{why} {n}" for why, n in
                                                reasons.most_common())) if unchecked else ""
    if not broken:
        if answered <= 0 < len(unchecked):
            return ProbeFinding(None, _("none of the {count} links could be checked").format(
                count=checked) + not_reached)
        if not unchecked:
            return ProbeFinding(True, _("all {count} links work").format(count=checked), 0,
                                problems=0)
        return ProbeFinding(True, _("all {count} links checked work").format(count=answered)
                            + not_reached, 0, problems=0)
    shown = "; ".join(f"{b.url} ({b.error if b.verdict == 'soft-404' else b.status or b.error})"
                      for b in broken[:3])
    more = _("; and {count} more").format(count=len(broken) - 3) if len(broken) > 3 else ""
    cited = tuple(dict.fromkeys(u for b in broken[:3] for u in (b.url, b.found_on) if u))
    return ProbeFinding(False, _("{broken} of {count} links broken: {shown}").format(
        broken=len(broken), count=answered, shown=shown) + more + not_reached, len(broken),
        cited, problems=len(broken))


def report(result: LinksResult, view: ReportView) -> None:
    """The report's links part: how many were checked, and every broken one with its page."""
    view.links_checked = result.checked
    view.links_unchecked = result.unchecked_count
    for item in result.broken:
        view.broken.append({
            "url": item.url, "href": web_href(item.url),
            "status": item.status if item.status is not None else "",
            "error": item.error, "text": item.text,
            "found_on": item.found_on, "found_on_href": web_href(item.found_on)})


PROBE = Probe(
    name="links", title="broken links",
    answers=("links",), reads=("targets", "http"), result=LinksResult, run=run,
    suggest=suggest, report=report, order=20)
