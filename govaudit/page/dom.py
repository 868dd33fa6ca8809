"""One parsed HTML document (the page as fetched, as rendered, or a frame's) and its text views.

Parsed with Lexbor (selectolax), which follows the WHATWG parsing rules as browsers do: a
stray `</html>` or `</body>` in the middle of a CMS template, unclosed tags and nested
forms give the tree a browser builds, so the footer after them is read. Comments (and IE
conditional comments) are not text. `<noscript>` content is parsed as elements (as with
scripting off) and kept apart: `text` and the region texts are what a browser running
scripts shows, the `noscript_*` views what it shows without them. In a rendered document
(see capture.py) an element marked `data-ga-hidden` is not seen: its own text is left out
of every view, and its links are not visible. An image's alt text is text where the image
stands: an ICP number shown as a picture is read as the picture says it.

A Dom is a probes.html.Document whose footer is its footer region and whose text views
leave out what a reader does not see, so that the marks probe (find_marks) reads either.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from enum import StrEnum
from functools import cached_property

from govaudit.page.capture import FRAME_ATTR, HIDDEN_ATTR
from govaudit.page.regions import Region, find_regions
from govaudit.page.urls import normalise_link
from govaudit.probes.html import Document, Element, attr, normalise_text

# Elements whose text a reader never sees (template content is not in the tree at all).
_INVISIBLE = "script, style, title, noscript, template"


@functools.lru_cache(maxsize=8192)
def link_target(href: str, base: str, encoding: str) -> tuple[str | None, str]:
    """(normalised URL, "") of an href, or (None, why not): probes.links.normalise_link,
    remembered (a site's pages share most of their links, visit after visit)."""
    try:
        url, why = normalise_link(href, base, encoding)
    except ValueError as exc:
        return None, f"invalid URL ({exc})"
    return url, why if url is None else ""


class Source(StrEnum):
    """Which HTML a document was parsed from."""

    STATIC = "static"  # the page as fetched
    RENDERED = "rendered"  # the DOM after scripts ran, from a capture
    FRAME = "frame"  # the document of a same-origin frame, from a capture


class Dom(Document):
    """One HTML document: its tree, base URL, regions, visibility and text by region.

    The tree, base URL, `absolute`, `elements`, `meta` and `links` are Document's; the
    footer is the footer region, and a rendered document's hidden elements are not seen.
    `within` is the region of the frame element a frame's document is shown in: a frame
    shown in the footer is footer throughout.
    """

    def __init__(self, html: str, url: str, source: Source = Source.STATIC,
                 encoding: str = "utf-8", within: Region = Region.MAIN) -> None:
        super().__init__(html, url)
        self.source = source
        self.encoding = encoding or "utf-8"
        self.within = within

    # -- where things are ------------------------------------------------------------------

    @property
    def visibility_known(self) -> bool:
        """Whether a browser recorded what is hidden (a rendered or frame document)."""
        return self.source != Source.STATIC

    @cached_property
    def _regions(self) -> dict[int, Region]:
        return find_regions(self.tree)

    def region_of(self, node: Element) -> Region:
        """The region a node (element or text) is in."""
        if self.within != Region.MAIN:
            return self.within
        return self._regions.get(node.mem_id, Region.MAIN)

    @cached_property
    def _code_text(self) -> frozenset[int]:
        """Text nodes of script, style, title and template elements."""
        return frozenset(node.mem_id for el in self.tree.css(_INVISIBLE)
                         for node in el.iter(include_text=True) if node.tag == "-text")

    @cached_property
    def _hidden_elements(self) -> list[Element]:
        if not self.visibility_known:
            return []
        return self.tree.css(f"[{HIDDEN_ATTR}]")

    @cached_property
    def _hidden(self) -> frozenset[int]:
        """Elements marked hidden, and the text nodes directly inside them."""
        out = set()
        for el in self._hidden_elements:
            out.add(el.mem_id)
            out.update(node.mem_id for node in el.iter(include_text=True) if node.tag == "-text")
        return frozenset(out)

    @cached_property
    def unseen_text(self) -> frozenset[int]:
        """The mem_ids of the text nodes a reader running scripts does not see."""
        return self._code_text | self._hidden | self._in_noscript

    def visible(self, el: Element) -> bool | None:
        """Whether a reader sees `el`: None when unknown (the page as fetched)."""
        if not self.visibility_known:
            return None
        return el.mem_id not in self._hidden and el.mem_id not in self._in_noscript

    def in_footer(self, el: Element) -> bool:
        return self.region_of(el) == Region.FOOTER

    def frame_index(self, el: Element) -> int | None:
        """The index in the capture's frames of the document a frame element shows."""
        value = attr(el, FRAME_ATTR)
        return int(value) if value.isdigit() else None

    # -- text ------------------------------------------------------------------------------

    @cached_property
    def seen_text(self) -> list[tuple[Element, str, bool]]:
        """(node, its text, inside <noscript>) for every text a reader sees with scripts
        running, or without them (inside <noscript>), in page order: the text nodes, and
        the alt text of images (a footer's ICP number shown as a picture says it there)."""
        out = []
        code, hidden, noscript = self._code_text, self._hidden, self._in_noscript
        for node in self.root.traverse(include_text=True, skip_empty=True):
            tag = node.tag
            if tag == "-text":
                text = node.text_content or ""
            elif tag == "img":
                text = attr(node, "alt").strip()
                if not text:
                    continue
            else:
                continue
            mem_id = node.mem_id
            if mem_id in code:
                continue
            inside = mem_id in noscript
            if inside or mem_id not in hidden:
                out.append((node, text, inside))
        return out

    @cached_property
    def _texts(self) -> tuple[list[str], list[str], dict[tuple[Region, bool], list[str]]]:
        """The seen texts in page order (outside and inside <noscript>), and by (region,
        inside <noscript>)."""
        ordered: list[str] = []
        in_noscript: list[str] = []
        grouped: dict[tuple[Region, bool], list[str]] = {}
        for node, text, inside in self.seen_text:
            (in_noscript if inside else ordered).append(text)
            grouped.setdefault((self.region_of(node), inside), []).append(text)
        return ordered, in_noscript, grouped

    def _joined(self, regions: tuple[Region, ...], noscript: bool) -> str:
        texts = self._texts[2]
        return normalise_text(" ".join(
            " ".join(texts.get((region, noscript), ())) for region in regions))

    def region_texts(self, region: Region) -> list[str]:
        """The text nodes a reader sees in one region, as written, in page order."""
        return self._texts[2].get((region, False), [])

    def region_text(self, region: Region) -> str:
        """The text a reader sees in one region, NFKC-normalised, whitespace collapsed."""
        return self._joined((region,), False)

    @cached_property
    def text(self) -> str:
        """Every text node a reader sees (not inside <noscript>), in page order."""
        return normalise_text(" ".join(self._texts[0]))

    @cached_property
    def footer_text(self) -> str:
        return self._joined((Region.FOOTER,), False)

    @cached_property
    def noscript_text(self) -> str:
        """The text inside <noscript>: what shows only without scripts."""
        return normalise_text(" ".join(self._texts[1]))

    @cached_property
    def noscript_footer_text(self) -> str:
        """The text of <noscript> in the footer, and of footers inside <noscript>."""
        return self._joined((Region.FOOTER,), True)

    # -- elements --------------------------------------------------------------------------

    @cached_property
    def anchors(self) -> list[tuple[Element, str, str | None, str]]:
        """(element, href as written, normalised URL or None, why none) of every `<a href>`
        and `<area href>`, in page order."""
        out = []
        for el in self.tree.css("a[href], area[href]"):
            raw = attr(el, "href")
            out.append((el, raw, *link_target(raw, self.base, self.encoding)))
        return out

    @cached_property
    def _links(self) -> list[tuple[Element, str]]:
        """(<a> element, absolute URL) for every link: the normalised URL of an http(s) one."""
        return [(el, href) for el, raw, url, _ in self.anchors
                if el.tag == "a" and (href := url or self.absolute(raw))]

    def text_nodes(self, el: Element) -> Iterator[Element]:
        """The text nodes inside `el` that a reader sees, <noscript> content aside."""
        unseen = self.unseen_text
        for node in el.traverse(include_text=True, skip_empty=True):
            if node.tag == "-text" and node.mem_id not in unseen:
                yield node
