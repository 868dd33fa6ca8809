"""栏目更新: the newest dated item on the home page and on its columns, by the page model's rules.

The home page's date is its newest dated list item (govaudit.page: a date that stands beside
an item's title, never one inside it), with the list and the item that date it; a page
without dated lists (an article) takes the newest date standing alone in its main text. Its
columns are the links the page model reads as columns (govaudit.page.columns.find_columns:
navigation and header links below the home, utility links never), then the site's recorded
pages; each column page's state is its main list's (column_state: items, dated items, newest
date, empty). The site's newest date is the newest of those pages' (newest_page: the monitor's
answers read the same). Ages are China days
(age_days); a line of N days is broken from N + 1 days on (is_stale).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin

from govaudit.i18n import _
from govaudit.model import Fact, ProbeFinding, ProbeResult, known_fields, typed_records
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe

if TYPE_CHECKING:
    from datetime import date

    from govaudit.page import Page

FRESH_DAYS = 14  # home-page columns must not go two weeks without an update


@dataclass(frozen=True)
class PageDates:
    """The newest dated item of one page (the home page, or a column's), or why the page
    could not be read."""

    url: str = ""
    latest: str | None = None
    days: int | None = None
    dates: int = 0  # items dated (rows stored before the page model: dates found)
    ignored: int = 0  # rows stored before the page model only
    error: str = ""
    list: str = ""  # the list that dates it, in a few words ("": the date stands in the text)
    item: str = ""  # the newest item's title
    item_url: str = ""
    column: str = ""  # the column's name ("" for the home page)
    items: int | None = None  # a column page's main list: its items (None: not a column)
    empty: bool = False  # a column page with no items, or one that says 暂无信息

    def to_dict(self) -> dict[str, Any]:
        if self.error:  # a page that could not be read has no date counts
            out: dict[str, Any] = {"url": self.url, "latest": None, "days": None,
                                   "error": self.error}
            return {**out, "column": self.column} if self.column else out
        out = {k: v for k, v in asdict(self).items()
               if k in _BEFORE or v != _DEFAULTS[k]}  # rows stored before: as they were
        del out["error"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageDates:
        return cls(**{k: v for k, v in known_fields(cls, data).items()
                      if v is not None or k in ("latest", "days", "items")})

    @property
    def undated(self) -> bool:
        """A column whose items show no date: it cannot show it was updated."""
        return self.items is not None and not self.empty and self.dates == 0


_BEFORE = ("url", "latest", "days", "dates", "ignored", "error")  # the fields of the first rows
_DEFAULTS = asdict(PageDates())


@dataclass(frozen=True)
class FreshnessResult(ProbeResult):
    """栏目更新: the newest dated item on the home page and on its columns."""

    probe: ClassVar[str] = "freshness"
    nullable: ClassVar[frozenset[str]] = frozenset({"latest", "days", "source"})
    latest: str | None = None
    days: int | None = None
    source: str | None = None  # the page that shows the newest date
    today: str = ""
    pages: tuple[PageDates, ...] = ()  # the home page first, then its columns

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FreshnessResult:
        known = cls._fields(data)
        known["pages"] = typed_records(PageDates, known.get("pages"))
        return cls(**known)

    @property
    def home(self) -> PageDates | None:
        return self.pages[0] if self.pages else None

    @property
    def columns(self) -> tuple[PageDates, ...]:
        """The column pages (rows stored before the page model: the recorded pages)."""
        return self.pages[1:]

    def _dated_by(self) -> str:
        page = next((p for p in self.pages if p.url == self.source and p.latest == self.latest),
                    None)
        if page is None or not page.item:
            return ""
        return _("「{item}」 in the {list}").format(item=page.item, list=page.list)

    def summary(self) -> str:
        if not self.latest:
            return _("no date found")
        by = self._dated_by()
        return (_("newest {latest} ({days} day(s) ago, counted in China time, UTC+8) on "
        "{source}").format(
            latest=self.latest, days=self.days, source=self.source) + (f": {by}" if by else ""))

    def facts(self, fresh_days: int = FRESH_DAYS) -> list[Fact]:
        from govaudit.page.dates import is_stale

        if not self.latest:
            return [("栏目更新", "页面上未找到日期", True)]
        text = f"最新日期 {self.latest}（按北京时间，{self.days} 天前）"
        if self.source:
            text += f"，见 {self.source}"
        page = next((p for p in self.pages if p.url == self.source and p.item), None)
        if page is not None:
            text += f"：「{page.item}」"
        return [("栏目更新", text, self.days is not None and is_stale(self.days, fresh_days))]


def page_dates(page: Page, today: date, column: str | None = None,
               url: str | None = None) -> PageDates:
    """The newest dated item of a page: of any of its lists (the home page), or of its main
    list (`column`: a column page, named so; "" for a recorded page without a name). `url`:
    the address it was asked at (default: where it ended)."""
    from govaudit.page.columns import column_state, main_list
    from govaudit.page.dates import age_days
    from govaudit.page.lists import describe, newest_in

    if column is None:
        newest, found = page.newest, page.newest_item()
        dated = sum(f.dated for f in page.lists)
        items, empty = None, False
    else:
        state = column_state(page)
        main = main_list(page)
        newest, found = state.newest, newest_in([main] if main is not None else [])
        dated, items, empty = state.dated, state.items, state.empty
        column = column or page.title
    listed, item = found if found is not None and found[1].date == newest else (None, None)
    return PageDates(url or page.url, newest.isoformat() if newest else None,
                     age_days(newest, today) if newest else None, dated,
                     list=describe(listed) if listed else "",
                     item=item.title if item else "", item_url=(item.url or "") if item else "",
                     column=column or "", items=items, empty=empty)


def newest_page(pages: list[PageDates]) -> PageDates | None:
    """The page with the site's newest date: the newest of the home page's and its columns'
    (the first read, of those with that date)."""
    return max((p for p in pages if p.latest), key=lambda p: str(p.latest), default=None)


async def run(ctx: ProbeContext) -> FreshnessResult:
    """The home page's newest dated item, and its columns' states."""
    import asyncio

    from govaudit.page.columns import MAX_COLUMNS, find_columns

    page, site, today = await ctx.page(), ctx.site, ctx.today
    home = page_dates(page, today, url=site.url)
    columns = {c.url: c.name for c in find_columns(page, site.url, ctx.options.utility)}
    for raw in ctx.column_pages:
        url = urljoin(site.url, raw)
        if "*" not in raw and url.rstrip("/") != site.url.rstrip("/"):
            columns.setdefault(url, "")
    chosen = list(columns.items())[:MAX_COLUMNS]
    opened = await asyncio.gather(*(ctx.open(url) for url, _ in chosen))
    pages = [home]
    for (url, name), column in zip(chosen, opened, strict=True):
        if column.page is None:
            reason = column.reason if not column.opened else \
                _("not HTML ({content_type})").format(
                    content_type=column.answer.content_type)
            pages.append(PageDates(url, error=reason, column=name or url))
            continue
        pages.append(page_dates(column.page, today, name, url))
    newest = newest_page(pages)
    return FreshnessResult(latest=newest.latest if newest else None,
                           days=newest.days if newest else None,
                           source=newest.url if newest else None,
                           today=today.isoformat(), pages=tuple(pages))


EMPTY_COLUMNS = "freshness.columns_empty"  # 空白栏目: the column pages read with no item
# columns not updated within their kind's line: the monitoring counts them over its window
# (govaudit.monitor.views.problem_answers); one check suggests nothing for them
MONITORED_ONLY = ("freshness.columns_frequent", "freshness.columns_behind")


def suggest(auto: str, result: FreshnessResult) -> ProbeFinding | None:
    """Updated while the newest date is within FRESH_DAYS (is_stale: an age of exactly
    FRESH_DAYS is still within); no date: nothing to say (dates may be drawn by scripts).
    `freshness.columns_empty`: the empty columns among those read (none read: nothing)."""
    from govaudit.page.dates import is_stale

    if auto in MONITORED_ONLY:
        return None
    if auto == EMPTY_COLUMNS:
        read = [p for p in result.columns if not p.error]
        if not read:
            return None
        empty = [p for p in read if p.empty]
        shown = "; ".join(f"{p.column or p.url} ({p.url})" for p in empty[:5])
        return ProbeFinding(not empty, _("{count} of {count2} column(s) empty").format(
            count=len(empty), count2=len(read))
                            + (f": {shown}" if shown else ""), len(empty),
                            tuple(p.url for p in empty[:5]), problems=len(empty))

    days = result.days
    if days is None:
        return None
    by = result._dated_by()
    detail = (_("newest date {latest} on {source}").format(
        latest=result.latest, source=result.source) + (f" ({by})" if by else "")
              + _(", {days} day(s) before {today}").format(
                  days=days, today=result.today))
    return ProbeFinding(not is_stale(days, FRESH_DAYS), detail, days,
                        (result.source,) if result.source else ())


PROBE = Probe(
    name="freshness", title="newest dated items on the home page and its columns",
    answers=("freshness", EMPTY_COLUMNS, *MONITORED_ONLY), reads=("page", "http"),
    result=FreshnessResult, run=run, suggest=suggest, order=50)
