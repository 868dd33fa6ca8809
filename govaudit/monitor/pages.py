"""What a monitored page shows: its dated items, its navigation and its links (selectolax).

An item is an entry of a list (li, tr, dd) outside the navigation, header and footer
whose link text is long enough to be a title; it is dated when a date stands in the
entry (2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, or a month and day such as
[11-20] whose year is the latest that is not in the future).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govaudit.probes.links import normalise_link

_FULL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})|"
    r"年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)(?!\d)")
_SHORT_DATE = re.compile(r"[\[(【（]\s*(\d{1,2})[-/.月](\d{1,2})日?\s*[\])】）]|"
                         r"(?<![\d\-/.])(\d{2})-(\d{2})\s*$")
# "今天是2026年11月22日": a clock on the page, not a publication date
_TODAY_WORDS = re.compile(r"(今天是?|今日|当前日期|当前时间|现在时间|现在是)\s*[:：]?\s*$")
_NAV_HINT = re.compile(r"nav|menu|daohang|lanmu|column|channel|header|footer|foot|bottom|"
                       r"crumb|copyright|banquan|dibu", re.I)
_NAV_TAGS = frozenset(("nav", "header", "footer"))
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPACES = re.compile(r"\s+")
MIN_TITLE = 6  # characters of a link text that make an item title, not a menu label
MAX_NAV_LABEL = 10


@dataclass
class PageFacts:
    """The facts the monitor keeps from one page."""

    url: str
    title: str = ""
    items: int = 0
    dated: int = 0
    newest_date: date | None = None
    fingerprint: str = ""
    nav: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute URL)
    links: list[str] = field(default_factory=list)  # absolute http(s) URLs, page order


def _text(node: LexborNode) -> str:
    return _SPACES.sub(" ", node.text(deep=True, separator=" ")).strip()


def _in_navigation(node: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.tag not in ("body", "html", "-undef"):
        if current.tag in _NAV_TAGS:
            return True
        attrs = current.attributes
        if _NAV_HINT.search(f"{attrs.get('id') or ''} {attrs.get('class') or ''}"):
            return True
        current = current.parent
    return False


def entry_date(text: str, today: date) -> date | None:
    """The newest publication date written in an entry; None when it shows none."""
    found: list[date] = []
    for match in _FULL_DATE.finditer(text):
        year = int(match.group(1))
        month, day = (match.group(3), match.group(4)) if match.group(2) else (
            match.group(5), match.group(6))
        if _TODAY_WORDS.search(text[max(0, match.start() - 12):match.start()]):
            continue
        try:
            value = date(year, int(month), int(day))
        except ValueError:
            continue
        if value <= today + timedelta(days=1):
            found.append(value)
    if not found:
        for match in _SHORT_DATE.finditer(text):
            month, day = (match.group(1), match.group(2)) if match.group(1) else (
                match.group(3), match.group(4))
            for year in (today.year, today.year - 1):
                try:
                    value = date(year, int(month), int(day))
                except ValueError:
                    break
                if value <= today + timedelta(days=1):
                    found.append(value)
                    break
    return max(found) if found else None


def _same_site(url: str, home: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(home).netloc.lower()


def analyse(html: str, url: str, today: date, ignore: tuple[str, ...] = ()) -> PageFacts:
    """Items, dates, navigation labels and links of one page."""
    facts = PageFacts(url=url)
    tree = LexborHTMLParser(html or "<html></html>")
    base_node = tree.css_first("base[href]")
    base = url
    if base_node is not None:
        resolved, _ = _normalise(base_node.attributes.get("href") or "", url)
        base = resolved or url
    title = tree.css_first("title")
    if title is not None:
        facts.title = re.split(r"\s*[-_|—]\s*", _text(title))[0][:40]
    titles: set[str] = set()
    for entry in tree.css("li, tr, dd"):
        # selectolax's css() matches the node itself too: more than one is a nested entry
        if len(entry.css("li, tr, dd")) > 1 or _in_navigation(entry):
            continue
        anchors = [a for a in entry.css("a[href]") if len(_text(a)) >= MIN_TITLE]
        if not anchors:
            continue
        facts.items += 1
        titles.add(_text(anchors[0])[:80])
        when = entry_date(_text(entry), today)
        if when is not None:
            facts.dated += 1
            if facts.newest_date is None or when > facts.newest_date:
                facts.newest_date = when
    if titles:
        digest = hashlib.sha1("\n".join(sorted(titles)).encode("utf-8"))
        facts.fingerprint = digest.hexdigest()[:16]
    seen_links: set[str] = set()
    seen_nav: set[str] = set()
    for anchor in tree.css("a[href]"):
        target, _ = _normalise(anchor.attributes.get("href") or "", base)
        if not target:
            continue
        if target not in seen_links:
            seen_links.add(target)
            facts.links.append(target)
        label = _text(anchor)
        if (target not in seen_nav and 2 <= len(label) <= MAX_NAV_LABEL
                and len(_CJK.findall(label)) >= 2 and _same_site(target, url)
                and not any(word in label for word in ignore)
                and _in_navigation(anchor) and _is_below_home(target, url)):
            seen_nav.add(target)
            facts.nav.append((label, target))
    return facts


def _normalise(raw: str, base: str) -> tuple[str | None, str]:
    try:
        return normalise_link(raw, base)
    except ValueError as exc:
        return None, str(exc)


def _is_below_home(target: str, home: str) -> bool:
    """A link to another page than the home page itself."""
    path = urlsplit(target).path.rstrip("/")
    home_path = urlsplit(home).path.rstrip("/")
    return path not in (home_path, "", "/index.html", "/index.htm", "/index.shtml",
                        "/default.htm", "/index.jsp")
