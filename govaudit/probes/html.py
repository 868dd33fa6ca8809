"""A parsed HTML page and the text views the probes search.

Pages are parsed with Lexbor (selectolax), which follows the WHATWG parsing
rules as browsers do: a stray `</html>` or `</body>` in the middle of a CMS
template, unclosed tags and nested forms give the tree a browser builds, so the
footer after them is read. Comments (and IE conditional comments) are not text.
`<noscript>` content is parsed as elements (as with scripting off) and kept
apart: `text` and `footer_text` are what a browser running scripts shows, the
`noscript_*` views what it shows without them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import cached_property
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

Element = LexborNode

# Elements whose text a reader never sees (template content is not in the tree at all).
_INVISIBLE = frozenset(("script", "style", "title", "noscript"))
_FOOTER_HINT = re.compile(r"foot|bottom|copyright|banquan|dibu|\bbq\b", re.I)
# Candidates for _FOOTER_HINT, found by the parser; the regex decides.
_FOOTER_CANDIDATES = ", ".join(
    ["footer"] + [f'[{attr}*="{hint}" i]' for attr in ("id", "class")
                  for hint in ("foot", "bottom", "copyright", "banquan", "dibu", "bq")])
_SPACES = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def normalise_text(text: str) -> str:
    """Full-width letters, digits and colons folded (NFKC), whitespace collapsed."""
    return collapse(unicodedata.normalize("NFKC", text))


def label_pattern(label: str) -> str:
    """A regex for a Chinese label that tolerates whitespace (or tags) between characters."""
    return r"\s*".join(re.escape(ch) for ch in label)


def attr(el: Element, name: str) -> str:
    """An attribute's value; "" when absent or written without a value."""
    return el.attributes.get(name) or ""


def _texts(el: Element, hidden: frozenset[int] = frozenset()) -> list[str]:
    """The text nodes a reader sees inside `el`, leaving out the nodes in `hidden`."""
    out = []
    for node in el.traverse(include_text=True, skip_empty=True):
        text = _text_node(node, _INVISIBLE)
        if text is not None and node.mem_id not in hidden:
            out.append(text)
    return out


def _text_node(node: Element, invisible: Collection[str]) -> str | None:
    """The text of a text node whose parent is not one of `invisible`; None for other nodes."""
    parent = node.parent
    if node.tag != "-text" or parent is None or parent.tag in invisible:
        return None
    return node.text_content


def is_footer(el: Element) -> bool:
    return el.tag == "footer" or bool(
        _FOOTER_HINT.search(f"{attr(el, 'id')} {attr(el, 'class')}"))


def _outermost(nodes: Iterable[Element]) -> list[Element]:
    """`nodes` (in document order) without those inside an earlier one."""
    kept: list[Element] = []
    ids: set[int] = set()
    for node in nodes:
        parent = node.parent
        inside = False
        while parent is not None and parent.is_element_node:
            if parent.mem_id in ids:
                inside = True
                break
            parent = parent.parent
        if not inside:
            kept.append(node)
            ids.add(node.mem_id)
    return kept


class Document:
    """One HTML page: its tree, base URL, visible text and footer text."""

    def __init__(self, html: str, url: str) -> None:
        self.url = url
        self.tree = LexborHTMLParser(html or "")
        root = self.tree.root
        assert root is not None, "Lexbor always builds an <html> element"
        self.root: Element = root
        base = self.tree.css_first("base[href]")
        self.base = url
        if base is not None:
            self.base = self.absolute(attr(base, "href")) or url

    def absolute(self, href: str) -> str:
        """`href` resolved against the page; "" for an href that is not a valid URL."""
        try:
            return urljoin(self.base, href.strip())
        except ValueError:
            return ""

    def elements(self, *tags: str) -> list[Element]:
        """The elements with these tag names (or matching these selectors), in page order."""
        return self.tree.css(", ".join(tags))

    def meta(self, name: str) -> str:
        """The content of `<meta name=…>` (the name in any case); "" if there is none."""
        el = self.tree.css_first(f'meta[name="{name}" i][content]')
        return attr(el, "content").strip() if el is not None else ""

    @cached_property
    def _noscript(self) -> list[Element]:
        return _outermost(self.tree.css("noscript"))

    @cached_property
    def _in_noscript(self) -> frozenset[int]:
        return frozenset(node.mem_id for el in self._noscript
                         for node in el.traverse(include_text=True))

    @cached_property
    def _footers(self) -> list[Element]:
        return _outermost(el for el in self.tree.css(_FOOTER_CANDIDATES) if is_footer(el))

    @cached_property
    def text(self) -> str:
        """Every visible text node (not inside <noscript>), space-separated, NFKC-normalised."""
        return normalise_text(" ".join(_texts(self.root, self._in_noscript)))

    @cached_property
    def footer_text(self) -> str:
        """Visible text of <footer> and of elements whose id/class says footer; "" if none."""
        return normalise_text(" ".join(
            t for el in self._footers for t in _texts(el, self._in_noscript)))

    @cached_property
    def noscript_text(self) -> str:
        """The text of the page's <noscript> elements: what shows only without scripts."""
        return normalise_text(" ".join(
            " ".join(_texts_in_noscript(el)) for el in self._noscript))

    @cached_property
    def noscript_footer_text(self) -> str:
        """The text of footers inside <noscript>, and of <noscript> inside footers."""
        footer_ids = {el.mem_id for el in self._footers}
        parts = []
        for el in self._noscript:
            if footer_ids & {a.mem_id for a in _ancestors(el)}:
                parts.extend(_texts_in_noscript(el))
                continue
            inner = [f for f in el.css(_FOOTER_CANDIDATES) if is_footer(f)]
            for footer in _outermost(inner):
                parts.extend(_texts_in_noscript(footer))
        return normalise_text(" ".join(parts))

    def in_footer(self, el: Element) -> bool:
        """Whether `el` is a footer or inside one."""
        footers = {f.mem_id for f in self._footers}
        return el.mem_id in footers or any(a.mem_id in footers for a in _ancestors(el))

    def in_noscript(self, el: Element) -> bool:
        return el.mem_id in self._in_noscript

    def links(self) -> list[tuple[Element, str]]:
        """(<a> element, absolute href) for every link with an href."""
        return self._links

    @cached_property
    def _links(self) -> list[tuple[Element, str]]:
        out = []
        for a in self.tree.css("a[href]"):
            href = self.absolute(attr(a, "href"))
            if href:
                out.append((a, href))
        return out


def _ancestors(el: Element) -> Iterable[Element]:
    parent = el.parent
    while parent is not None and parent.is_element_node:
        yield parent
        parent = parent.parent


def _texts_in_noscript(el: Element) -> list[str]:
    """Text inside a <noscript>: its own text nodes count (the element itself is hidden)."""
    texts = (_text_node(node, ("script", "style", "title"))
             for node in el.traverse(include_text=True, skip_empty=True))
    return [text for text in texts if text is not None]


def element_text(el: Element) -> str:
    """What a reader sees for an element: its text, else an image's alt, else its title."""
    text = collapse(el.text()) if el.tag not in ("img", "script", "link") else ""
    if not text:
        img = el if el.tag == "img" else el.css_first("img")
        if img is not None:
            text = collapse(attr(img, "alt") or attr(img, "title"))
    if not text:
        text = collapse(attr(el, "title") or attr(el, "aria-label"))
    return text[:200]


def snippet(text: str, start: int, end: int, around: int = 20) -> str:
    left = max(0, start - around)
    return ("…" if left else "") + text[left:end + around].strip() + (
        "…" if end + around < len(text) else "")
