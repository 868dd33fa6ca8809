"""A page's lists of dated items: each item, its link and its publication date.

An item is a row whose link text is a title (MIN_TITLE characters or more), in the main
region (a list in the header, the navigation or the footer is a menu or a list of friendly
links). A row is found from its title link upward:

- a list entry: `li`, `tr`, `dd`, or `dt` (with the `dd`s after it, which hold its date;
  a `dl` that holds one `dt` is itself the row);
- or a block repeated beside blocks of its shape: the same tag and class under one parent
  (`div.item`, `p`, `a`, `section` rows), so that lists built of div, p or plain links count.

A row that holds more than MAX_ROW_LINKS links is a section of the page, not a row. Rows
under one parent make a list; a list of repeated blocks needs two rows at least. Each
item's date is dates.publication_date over the row's text outside its title link (a
`<time datetime>` counts there too) and, failing that, the title's own ends.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from govaudit.i18n import N_, _, ngettext
from govaudit.page.dates import publication_date
from govaudit.page.dom import Dom, Source
from govaudit.page.links import Link, find_links
from govaudit.page.regions import Region
from govaudit.probes.html import Element, attr, normalise_text

MIN_TITLE = 6  # characters of a link text that make an item title, not a menu label
MAX_ROW_LINKS = 4
MAX_CLIMB = 6  # levels from a title link up to its row
_ENTRY_TAGS = frozenset(("li", "tr", "dd", "dt"))
_LIST_TAGS = frozenset(("ul", "ol", "table", "tbody", "thead", "tfoot", "dl"))
# Cells and inline wrappers are parts of a row, never a row of their own.
_PARTS = frozenset(("td", "th", "span", "em", "strong", "b", "i", "u", "font", "small", "img",
                    "h1", "h2", "h3", "h4", "h5", "h6", "label", "time"))
_STOP = frozenset(("body", "html", "frameset"))
_DIGITS = re.compile(r"[0-9０-９]")


@dataclass(frozen=True)
class Item:
    """One entry of a list."""

    title: str  # the title link's text
    url: str | None  # the title link's target, normalised (None: not an http(s) link)
    date: date | None  # its publication date (None: the entry shows none)


@dataclass(frozen=True)
class DatedList:
    """Entries under one parent: a `ul`, a table, a `dl`, or repeated blocks."""

    shape: str  # ul, ol, table, dl, dd, or the tag of repeated blocks (div, p, a…)
    items: tuple[Item, ...]
    region: Region
    source: Source
    visible: bool | None  # None: not known (the page as fetched)
    frame: str = ""  # the URL of the frame document it is in; "" for the page itself

    @property
    def dated(self) -> int:
        return sum(1 for item in self.items if item.date is not None)

    @property
    def newest(self) -> date | None:
        return max((i.date for i in self.items if i.date is not None), default=None)


def newest_in(lists: list[DatedList]) -> tuple[DatedList, Item] | None:
    """The list and the item with the newest date among `lists` (the first, in page order,
    of those with that date); None when no item is dated."""
    best: tuple[DatedList, Item] | None = None
    newest: date | None = None
    for found in lists:
        for item in found.items:
            if item.date is not None and (newest is None or item.date > newest):
                best, newest = (found, item), item.date
    return best


REGION_NAMES = {Region.HEADER: N_("header"), Region.NAVIGATION: N_("navigation"),
                Region.MAIN: N_("main part"), Region.FOOTER: N_("footer")}
SOURCE_NAMES = {Source.STATIC: N_("as fetched"), Source.RENDERED: N_("rendered"),
                Source.FRAME: N_("frame")}


def describe(found: DatedList) -> str:
    """A list in a few words: its shape, where it is and what it was read from."""
    where = _("<{shape}> list in the {region}").format(
        shape=found.shape, region=_(REGION_NAMES[found.region]))
    if found.frame:
        where += _(" of the frame {frame}").format(frame=found.frame)
    elif found.source != Source.STATIC:
        where += f" ({_(SOURCE_NAMES[found.source])})"
    return ngettext("{where}, {count} item", "{where}, {count} items", len(found.items)).format(
        where=where, count=len(found.items))


class _Finder:
    """Rows of one document, remembering the shapes of the parents and the rows it read."""

    def __init__(self) -> None:
        self.shapes: dict[int, Counter[tuple[str, str]]] = {}
        self.small: dict[int, bool] = {}

    def repeated(self, parent: Element, node: Element) -> bool:
        counts = self.shapes.get(parent.mem_id)
        if counts is None:
            counts = self.shapes[parent.mem_id] = Counter(
                (child.tag or "", attr(child, "class")) for child in parent.iter())
        return counts[(node.tag or "", attr(node, "class"))] >= 2

    def row(self, link: Element) -> list[Element] | None:
        """The row of a title link: its elements (a dt and its dds, else one element)."""
        node = link
        for _climb in range(MAX_CLIMB):
            parent = node.parent
            tag = node.tag or ""
            if parent is None or tag in _STOP or (parent.tag in _STOP
                                                  and tag not in _ENTRY_TAGS):
                return None
            if tag in _ENTRY_TAGS or (tag not in _PARTS and self.repeated(parent, node)):
                return self._whole(node, parent)
            node = parent
        return None

    def _whole(self, node: Element, parent: Element) -> list[Element] | None:
        if node.tag == "dt":
            if len(parent.css("dt")) == 1 and parent.tag == "dl":
                node = parent  # one dl per item
            else:
                rows = [node]
                sibling = node.next
                while sibling is not None and sibling.tag != "dt":
                    if sibling.tag == "dd":
                        rows.append(sibling)
                    sibling = sibling.next
                return rows if self._small(rows) else None
        return [node] if self._small([node]) else None

    def _small(self, rows: list[Element]) -> bool:
        key = rows[0].mem_id
        small = self.small.get(key)
        if small is None:
            links = sum(1 for row in rows for node in row.traverse() if node.tag == "a")
            small = self.small[key] = links <= MAX_ROW_LINKS
        return small


def _shape(container: Element, first: Element) -> str:
    tag = container.tag or ""
    if first.tag == "dd":
        return "dd"
    if tag in ("tbody", "thead", "tfoot", "table"):
        return "table"
    if tag in _LIST_TAGS:
        return tag
    if first.tag == "dl":
        return "dl"
    return first.tag or ""


def find_lists(dom: Dom, today: date, frame: str = "") -> list[DatedList]:
    """The lists of dated items in `dom`'s main region, in page order."""
    finder = _Finder()
    rows: dict[int, tuple[list[Element], Link]] = {}  # first row element -> …
    for link in find_links(dom):
        node = link.node
        if (node is None or node.tag != "a" or link.region != Region.MAIN
                or len(link.text.replace(" ", "")) < MIN_TITLE):
            continue
        row = finder.row(node)
        if row is None:
            continue
        known = rows.get(row[0].mem_id)
        if known is None or len(link.text) > len(known[1].text):
            rows[row[0].mem_id] = (row, link)
    groups: dict[int, list[tuple[list[Element], Link]]] = {}
    containers: dict[int, Element] = {}
    for entry in rows.values():
        parent = entry[0][0].parent
        if parent is None:
            continue
        groups.setdefault(parent.mem_id, []).append(entry)
        containers[parent.mem_id] = parent
    out = []
    times = dom.tree.css_first("time[datetime]") is not None
    for key, entries in groups.items():
        container = containers[key]
        first = entries[0][0][0]
        listed = container.tag in _LIST_TAGS or first.tag in _ENTRY_TAGS
        if len(entries) < (1 if listed else 2):
            continue
        items = tuple(_item(dom, row, link, today, times) for row, link in entries)
        out.append(DatedList(_shape(container, first), items, dom.region_of(container),
                             dom.source, dom.visible(container), frame))
    return out


def _item(dom: Dom, row: list[Element], link: Link, today: date, times: bool) -> Item:
    """An entry's item; `times`: whether the document has <time datetime> elements at all."""
    anchor = link.node
    assert anchor is not None, "a link found in a document keeps its element"
    unseen = dom.unseen_text
    titled = [node for node in anchor.traverse(include_text=True, skip_empty=True)
              if node.tag == "-text" and node.mem_id not in unseen]
    inside = {node.mem_id for node in titled}
    outside = []
    for element in row:
        for node in dom.text_nodes(element):
            text = node.text_content or ""
            if node.mem_id not in inside and _DIGITS.search(text):  # no digit, no date
                outside.append(normalise_text(text))
        if times:
            outside += [attr(el, "datetime") for el in element.css("time[datetime]")]
    spaced = normalise_text(" ".join(node.text_content or "" for node in titled))
    return Item(link.text, link.url, publication_date(outside, spaced, today, link.url))
