"""Columns (栏目): which links of a home page are columns, and the state of a column's page.

A link is a **column** when it stands in the navigation or the header, points below the
site's home (same host, or a host of the same registered domain: zwgk.x.gov.cn for
www.x.gov.cn; under the folder of the home as recorded or of the page it led to; not the
home page itself), and reads as a column
name: 2 to MAX_LABEL characters, two Chinese characters at least, no sentence punctuation.
A **utility link** is never a column, wherever it stands: its label holds a word of
columns.toml's [utility] list (联系我们, 网站地图, 关于我们, 隐私声明, 无障碍, 长者模式,
English, RSS, 登录…; a workspace adds its own), or it leads to an RSS feed, an English site or
a mailbox. Footer links are never columns.

A column page's **state** (`column_state`) is read from its main list: among the page's
dated lists in the main region (and frames), the one whose items live under the page's
folder, else the one with dated items, else the longest. No list, or a page that says
暂无信息 (and dates nothing), is **empty**; items without one date are **undated**.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from govaudit.page.dom import Source
from govaudit.page.links import Link
from govaudit.page.lists import DatedList
from govaudit.page.page import Page
from govaudit.page.regions import Region

MAX_LABEL = 12
MAX_COLUMNS = 30  # column pages read per site at most, by check and monitor alike
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE = re.compile(r"[，。；！？、：:,;!?《》“”\"]")
_UTILITY_HREF = re.compile(r"\brss\b|\.xml(?:$|\?)|/en(?:glish)?(?:/|$|\.)|^english\.|^en\.",
                           re.I)
_HOME_FILES = re.compile(r"(?:index|default|home|main)\.(?:s?html?|jsp|aspx?|php)$", re.I)
_EMPTY = re.compile(r"暂无(?:相关)?(?:信息|数据|内容|记录|文章|新闻|公告|文件)|"
                    r"没有(?:相关|找到)?(?:信息|数据|记录|内容)|无(?:相关)?(?:信息|数据|记录)|"
                    r"(?:信息|内容)正在(?:更新|整理|完善)|(?:栏目)?(?:正在)?建设中")
_SECOND_LEVEL = ("gov", "org", "com", "net", "edu", "ac")


@cache
def utility_words() -> tuple[str, ...]:
    """The shipped list of words that make a link a utility link (columns.toml)."""
    data = tomllib.loads((files(__package__) / "columns.toml").read_text(encoding="utf-8"))
    return tuple(str(word) for word in data["utility"]["words"])


def is_utility(text: str, url: str | None, extra: Iterable[str] = ()) -> bool:
    """Whether a link is a utility link (never a column): see the module docstring."""
    folded = text.casefold()
    if any(word.casefold() in folded for word in (*utility_words(), *extra)):
        return True
    if url is None:
        return True
    parts = urlsplit(url)
    return bool(_UTILITY_HREF.search(parts.path) or _UTILITY_HREF.search(parts.hostname or ""))


def is_column_label(text: str) -> bool:
    """Whether a link text reads as a column name."""
    text = text.strip()
    return (2 <= len(text) <= MAX_LABEL and len(_CJK.findall(text)) >= 2
            and not _SENTENCE.search(text) and not text[0].isdigit())


def _registered(host: str) -> str:
    labels = host.lower().rstrip(".").split(".")
    if all(label.isdigit() for label in labels):  # an IPv4 address
        return host
    size = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-size:])


def below_home(url: str, home: str) -> bool:
    """Whether `url` is a page of the site whose home page is `home`, other than the home:
    on the home's host (www. or not) under its folder, or on another host of its domain."""
    target, base = urlsplit(url), urlsplit(home)
    host, home_host = _bare_host(target.hostname), _bare_host(base.hostname)
    if host != home_host:
        return _registered(host) == _registered(home_host)
    folder = base.path[:base.path.rfind("/") + 1] or "/"
    path = target.path or "/"
    if not path.startswith(folder):
        return False
    rest = path[len(folder):]
    return bool(rest) and not _HOME_FILES.fullmatch(rest)


def _bare_host(host: str | None) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class Column:
    name: str
    url: str
    region: Region
    link: Link = field(compare=False, repr=False)


def find_columns(page: Page, home: str | None = None, extra_utility: Iterable[str] = ()
                 ) -> list[Column]:
    """The columns a home page links to, once each, in page order.

    `home` is the site's URL as recorded (default: the page's own URL); a link below it or
    below the page's own URL (where a redirecting home led) counts. `extra_utility` adds
    words to the utility list (a workspace's own).
    """
    home = home or page.url
    extra = tuple(extra_utility)
    seen: set[str] = {page.url, home}
    out = []
    for link in page.links:
        if (link.url is None or link.url in seen
                or link.region not in (Region.NAVIGATION, Region.HEADER)
                or not is_column_label(link.text) or is_utility(link.text, link.url, extra)
                or not (below_home(link.url, home) or below_home(link.url, page.url))):
            continue
        seen.add(link.url)
        out.append(Column(link.text, link.url, link.region, link))
    return out


@dataclass(frozen=True)
class ColumnState:
    """What a column page shows: its main list's items, dates and newest date."""

    items: int
    dated: int
    newest: date | None
    empty: bool  # no items, or the page says 暂无信息 and dates nothing
    source: Source | None  # the document the main list was read from (None: no list)

    @property
    def undated(self) -> bool:
        """Items without one date: the column cannot show it was updated."""
        return not self.empty and self.dated == 0


def main_list(page: Page) -> DatedList | None:
    """The list a column page is about (see the module docstring)."""
    parts = urlsplit(page.url)
    folder = f"{parts.scheme}://{parts.netloc}{parts.path[:parts.path.rfind('/') + 1]}".lower()
    candidates = [found for found in page.lists if found.region == Region.MAIN]

    def rank(found: DatedList) -> tuple[bool, bool, int]:
        under = sum(1 for item in found.items if item.url and item.url.lower().startswith(folder))
        return under * 2 > len(found.items), found.dated > 0, len(found.items)

    return max(candidates, key=rank, default=None)


def column_state(page: Page) -> ColumnState:
    """The state of a column's page."""
    found = main_list(page)
    if found is None:
        return ColumnState(0, 0, None, True, None)
    says_empty = found.dated == 0 and bool(_EMPTY.search(page.text(Region.MAIN)))
    return ColumnState(len(found.items), found.dated, found.newest, says_empty, found.source)
