"""栏目更新: the newest date on the home page and on the site's recorded column pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar
from urllib.parse import urljoin

from govaudit.model import Fact, ProbeFinding, ProbeResult, known_fields, typed_records
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe

FRESH_DAYS = 14  # home-page columns must not go two weeks without an update


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
        return cls(**known_fields(cls, data))


@dataclass(frozen=True)
class FreshnessResult(ProbeResult):
    """栏目更新: the newest date on the home page and on the recorded column pages."""

    probe: ClassVar[str] = "freshness"
    nullable: ClassVar[frozenset[str]] = frozenset({"latest", "days", "source"})
    latest: str | None = None
    days: int | None = None
    source: str | None = None  # the page that shows the newest date
    today: str = ""
    pages: tuple[PageDates, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FreshnessResult:
        known = cls._fields(data)
        known["pages"] = typed_records(PageDates, known.get("pages"))
        return cls(**known)

    def summary(self) -> str:
        if not self.latest:
            return "no date found"
        return (f"newest {self.latest} ({self.days} day(s) ago, counted in China time, "
                f"UTC+8) on {self.source}")

    def facts(self, fresh_days: int = FRESH_DAYS) -> list[Fact]:
        if not self.latest:
            return [("栏目更新", "页面上未找到日期", True)]
        text = f"最新日期 {self.latest}（按北京时间，{self.days} 天前）"
        if self.source:
            text += f"，见 {self.source}"
        return [("栏目更新", text, self.days is not None and self.days > fresh_days)]


async def run(ctx: ProbeContext) -> dict[str, Any]:
    """The newest date on the home page and on the recorded column pages."""
    import asyncio

    from govaudit.probes.freshness import page_freshness, today_in_china
    from govaudit.probes.html import Document

    page, doc = await ctx.home()
    site, today = ctx.site, ctx.options.today or today_in_china()
    checked = [page_freshness(doc, today)]
    seen = {doc.url, site.url, page.url}
    urls = []
    for raw in ctx.column_pages:
        url = urljoin(site.url, raw)
        if "*" not in raw and url not in seen:
            seen.add(url)
            urls.append(url)
    columns = await asyncio.gather(*(ctx.fetcher.page(u, tls_fallback=True, policy=ctx.policy)
                                     for u in urls))
    for url, column in zip(urls, columns, strict=True):
        if column.html is None or column.failure:
            checked.append({"url": url, "latest": None, "days": None,
                            "error": column.failure or f"not HTML ({column.content_type})"})
            continue
        checked.append(page_freshness(Document(column.html, column.final_url or url), today))
    dated = [c for c in checked if c.get("latest")]
    newest = max(dated, key=lambda c: str(c["latest"])) if dated else None
    return {"latest": newest["latest"] if newest else None,
            "days": newest["days"] if newest else None,
            "source": newest["url"] if newest else None,
            "today": today.isoformat(), "pages": checked}


def suggest(auto: str, result: FreshnessResult) -> ProbeFinding | None:
    """Updated when the newest date is at most FRESH_DAYS old; no date: nothing to say
    (dates may be drawn by scripts)."""
    days = result.days
    if days is None:
        return None
    detail = (f"newest date {result.latest} on {result.source}, "
              f"{days} day(s) before {result.today}")
    return ProbeFinding(days <= FRESH_DAYS, detail, days,
                        (result.source,) if result.source else ())


PROBE = Probe(
    name="freshness", title="newest dates on the home page and columns",
    answers=("freshness",), reads=("page", "http"), result=FreshnessResult, run=run,
    suggest=suggest, order=50)
