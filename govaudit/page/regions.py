"""A page's regions: header, navigation, main and footer, as a reader tells them apart.

A region is found by, in this order of trust:

- landmarks: `<header>`, `<nav>`, `<footer>`, `<main>` and the ARIA roles banner, navigation,
  menubar, contentinfo and main. A `<header>` or `<footer>` inside an `<article>`, `<aside>`,
  `<main>`, `<nav>` or `<section>` belongs to that part, not to the page (as in HTML-AAM);
- the ids and classes Chinese CMSs use: top, head, header, toubu (header); nav, menu, daohang,
  dh, lanmu (navigation); foot, footer, bottom, copyright, banquan, dibu, bq, ft (footer). A
  class is read word by word (`head-bottom` is a header, `foot_nav` a footer): its first
  word that names a region decides. Utility classes (`border-bottom`, `gotop`), content
  words (`topnews`, `headline`, `topic`) and a block that holds three dates or more (a news
  list inside a `div.nav`) are no region;
- position, for pages that name no footer: the block at the end of the page that holds the
  copyright, ICP or 主办 line; and for pages that name no navigation, the first row of four
  short links or more (a `ul`, a table row, a `div`) above the page's first title link.

Regions nest as pages nest them: a navigation bar inside the header is navigation; whatever
is inside the footer (its navigation too) is footer; a footer class inside the header is
part of the header, unless it holds the copyright, ICP or 主办 line (a footer that a
header or navigation block left unclosed swallowed). Everything else is main.
"""

from __future__ import annotations

import re
from enum import StrEnum

from selectolax.lexbor import LexborHTMLParser, LexborNode


class Region(StrEnum):
    HEADER = "header"
    NAVIGATION = "navigation"
    MAIN = "main"
    FOOTER = "footer"


_LANDMARKS = {"header": Region.HEADER, "nav": Region.NAVIGATION, "footer": Region.FOOTER,
              "main": Region.MAIN}
_ROLES = {"banner": Region.HEADER, "navigation": Region.NAVIGATION, "menubar": Region.NAVIGATION,
          "contentinfo": Region.FOOTER, "main": Region.MAIN}
# A <header>/<footer> inside one of these is that part's, not the page's.
_SECTIONING = frozenset(("article", "aside", "main", "nav", "section"))
# Words that name a region at the start or the end of a class word ("footnav", "pagefoot").
_STEMS: tuple[tuple[str, Region], ...] = (
    ("header", Region.HEADER), ("head", Region.HEADER), ("top", Region.HEADER),
    ("toubu", Region.HEADER), ("nav", Region.NAVIGATION), ("menu", Region.NAVIGATION),
    ("daohang", Region.NAVIGATION), ("lanmu", Region.NAVIGATION), ("footer", Region.FOOTER),
    ("foot", Region.FOOTER), ("bottom", Region.FOOTER), ("copyright", Region.FOOTER),
    ("banquan", Region.FOOTER), ("dibu", Region.FOOTER))
# Words that name a region only on their own.
_EXACT = {"bq": Region.FOOTER, "ft": Region.FOOTER, "dh": Region.NAVIGATION}
# Words that contain a stem and name no region.
_NOT_REGIONS = frozenset((
    "headline", "headlines", "heading", "headings", "headnews", "topic", "topics", "topnews",
    "toppic", "topimg", "topline", "gotop", "totop", "backtop", "returntop", "scrolltop",
    "desktop", "laptop", "stop", "navigator", "canvas", "bottomline", "menuitem"))
# A class word whose first part is one of these is a style, not a region ("border-bottom").
_STYLE_PREFIXES = frozenset((
    "border", "margin", "padding", "align", "valign", "text", "fixed", "sticky", "float",
    "pull", "clear", "pos", "position", "mt", "mb", "pt", "pb", "to", "go", "back", "scroll",
    "return", "is", "has", "icon", "ico", "btn", "arrow"))
# A word beside a stem that makes the block content ("top-news", "head_pic").
_CONTENT_PARTS = frozenset(("news", "xw", "pic", "img", "focus", "hot", "toutiao", "tt",
                            "article", "banner", "slide", "swiper", "notice", "list"))
_WORD_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_DATES = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}|[\[(（【]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_FOOTER_WORDS = re.compile(r"版权所有|主办单位|主\s*办\s*[:：]|ICP\s*备|公网安备|网站标识码|"
                           r"copyright|©", re.I)
MAX_DATES = 2  # a region block holds at most this many dates: more makes it a content block
MAX_FOOTER_TEXT = 1000  # characters: a footer found by position is no longer than this
MENU_LINKS = 4  # links to distinct targets in one row make a menu, for pages that name none
MAX_MENU_LABEL = 12  # characters of a menu label; a longer link text is a title
MAX_MENU_SCAN = 80  # links read from the top of the page for a menu
_MENU_ROWS = frozenset(("ul", "ol", "tr", "dl", "p", "div", "nav"))

_CANDIDATES = ", ".join(
    ["header", "nav", "footer", "main", "[role]"]
    + [f'[{attr}*="{stem}" i]' for attr in ("id", "class")
       for stem in sorted({s for s, _ in _STEMS} | set(_EXACT))])


def class_region(value: str) -> Region | None:
    """The region an id or class attribute names, or None (see the module docstring)."""
    for word in value.split():
        parts = [p.lower() for p in _WORD_PARTS.findall(word)]
        if not parts or parts[0] in _STYLE_PREFIXES:
            continue
        for part in parts:
            region = _part_region(part)
            if region is None:
                continue
            if region == Region.HEADER and _CONTENT_PARTS.intersection(parts):
                break
            if region == Region.NAVIGATION and "news" in parts:
                break
            return region
    return None


def _part_region(part: str) -> Region | None:
    if part in _EXACT:
        return _EXACT[part]
    if part in _NOT_REGIONS:
        return None
    for stem, region in _STEMS:
        if part.startswith(stem) or part.endswith(stem):
            return region
    return None


def _ancestors(node: LexborNode) -> list[LexborNode]:
    out = []
    parent = node.parent
    while parent is not None and parent.is_element_node:
        out.append(parent)
        parent = parent.parent
    return out


def _landmark(node: LexborNode) -> Region | None:
    tag = node.tag or ""
    role = (node.attributes.get("role") or "").strip().lower()
    region = _ROLES.get(role) or _LANDMARKS.get(tag)
    if region is None:
        return None
    if tag in ("header", "footer") and not role and any(
            a.tag in _SECTIONING for a in _ancestors(node)):
        return None
    return region


def _holds_content(node: LexborNode) -> bool:
    return len(_DATES.findall(node.text(separator=" "))) > MAX_DATES


def find_regions(tree: LexborHTMLParser) -> dict[int, Region]:
    """{mem_id: region} for every node (elements and text) inside a region; the rest is main."""
    regions: dict[int, Region] = {}
    roots: list[tuple[LexborNode, Region]] = []
    for node in tree.css(_CANDIDATES):
        if node.tag in ("html", "body"):
            continue
        landmark = _landmark(node)
        region = landmark or class_region(
            f"{node.attributes.get('id') or ''} {node.attributes.get('class') or ''}")
        if region is None:
            continue
        roots.append((node, region))
    footer_found = navigation_found = False
    for node, region in roots:  # document order: an outer block before the blocks inside it
        outer = regions.get(node.mem_id)
        if not _nests(outer, region, landmark=_landmark(node) is not None) and not (
                region == Region.FOOTER and outer in (Region.HEADER, Region.NAVIGATION)
                and _FOOTER_WORDS.search(node.text())):
            continue
        if region != Region.MAIN and _holds_content(node):
            continue
        footer_found = footer_found or region == Region.FOOTER
        navigation_found = navigation_found or region == Region.NAVIGATION
        for inner in node.traverse(include_text=True):
            regions[inner.mem_id] = region
    if not footer_found:
        footer = _footer_by_position(tree, regions)
        if footer is not None:
            for inner in footer.traverse(include_text=True):
                regions[inner.mem_id] = Region.FOOTER
    if not navigation_found:
        menu = _navigation_by_shape(tree, regions)
        if menu is not None:
            for inner in menu.traverse(include_text=True):
                regions[inner.mem_id] = Region.NAVIGATION
    return regions


def _nests(outer: Region | None, inner: Region, landmark: bool) -> bool:
    """Whether a block naming region `inner` takes that region inside `outer` (None: in no
    region; MAIN: inside a `<main>` landmark, where only navigation and landmarks count)."""
    if outer is None:
        return True
    if outer == Region.HEADER:
        return inner == Region.NAVIGATION
    if outer == Region.MAIN:
        return inner == Region.NAVIGATION or (landmark and inner != Region.MAIN)
    return False  # nothing inside the footer or the navigation changes its region


def _navigation_by_shape(tree: LexborHTMLParser, regions: dict[int, Region]
                         ) -> LexborNode | None:
    """The first row of MENU_LINKS short links or more (a `ul`, a table row, a `div`…) before
    the page's first title link, for pages that name no navigation."""
    groups: dict[int, tuple[LexborNode, set[str]]] = {}
    for number, link in enumerate(tree.css("a[href]")):
        if number >= MAX_MENU_SCAN:
            break
        label = re.sub(r"\s+", "", link.text())
        if len(label) > MAX_MENU_LABEL:
            break  # a title: the menus are above it
        if link.mem_id in regions or len(label) < 2:
            continue
        row = next((a for a in _ancestors(link) if a.tag in _MENU_ROWS), None)
        if row is None:
            continue
        group = groups.setdefault(row.mem_id, (row, set()))
        group[1].add(link.attributes.get("href") or "")
        if len(group[1]) >= MENU_LINKS and not _holds_content(row):
            return row
    return None


def _footer_by_position(tree: LexborHTMLParser, regions: dict[int, Region]
                        ) -> LexborNode | None:
    """The block that holds the last copyright/ICP/主办 line, for pages naming no footer."""
    body = tree.body
    if body is None:
        return None
    last = None
    for node in body.traverse(include_text=True, skip_empty=True):
        if node.tag == "-text" and _FOOTER_WORDS.search(node.text_content or ""):
            parent = node.parent
            if parent is not None and parent.tag not in ("script", "style", "noscript"):
                last = parent
    if last is None:
        return None
    block = last
    for parent in _ancestors(last):
        if parent.tag in ("body", "html") or parent.mem_id in regions \
                or len(parent.text(strip=True)) > MAX_FOOTER_TEXT or _holds_content(parent):
            break
        block = parent
    return block
