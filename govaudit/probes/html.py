"""A parsed HTML page (lxml.html) and the text views the probes search."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cached_property
from urllib.parse import urljoin

import lxml.html
from lxml import etree

_INVISIBLE = frozenset(("script", "style", "noscript", "template", "head", "title"))
_FOOTER_HINT = re.compile(r"foot|bottom|copyright|banquan|dibu|\bbq\b", re.I)
_SPACES = re.compile(r"\s+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def normalise_text(text: str) -> str:
    """Full-width letters, digits and colons folded (NFKC), whitespace collapsed."""
    return collapse(unicodedata.normalize("NFKC", text))


def label_pattern(label: str) -> str:
    """A regex for a Chinese label that tolerates whitespace (or tags) between characters."""
    return r"\s*".join(re.escape(ch) for ch in label)


def _visible_texts(el: lxml.html.HtmlElement) -> Iterator[str]:
    """The text nodes a reader sees inside `el` (scripts, styles, comments left out)."""
    hidden = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        invisible = not isinstance(node.tag, str) or node.tag in _INVISIBLE
        if event == "start":
            if invisible:
                hidden += 1
            elif not hidden and node.text:
                yield node.text
        else:
            if invisible:
                hidden -= 1
            if not hidden and node is not el and node.tail:
                yield node.tail


def is_footer(el: lxml.html.HtmlElement) -> bool:
    if not isinstance(el.tag, str):
        return False
    return el.tag == "footer" or bool(
        _FOOTER_HINT.search(f"{el.get('id', '')} {el.get('class', '')}"))


class Document:
    """One HTML page: its tree, base URL, visible text and footer text."""

    def __init__(self, html: str, url: str) -> None:
        self.url = url
        text = _XML_DECL.sub("", html)  # lxml refuses str input with an encoding declaration
        try:
            self.root = lxml.html.document_fromstring(text or "<html></html>")
        except (etree.ParserError, ValueError):
            self.root = lxml.html.document_fromstring("<html></html>")
        base = self.root.find(".//base[@href]")
        self.base = urljoin(url, base.get("href").strip()) if base is not None else url

    def absolute(self, href: str) -> str:
        """`href` resolved against the page; "" for an href that is not a valid URL."""
        try:
            return urljoin(self.base, href.strip())
        except ValueError:
            return ""

    @cached_property
    def text(self) -> str:
        """Every visible text node, separated by spaces, NFKC-normalised."""
        return normalise_text(" ".join(_visible_texts(self.root)))

    @cached_property
    def footer_text(self) -> str:
        """Visible text of <footer> and of elements whose id/class says footer; "" if none."""
        parts: list[str] = []
        for el in self.root.iter():
            if not is_footer(el) or any(is_footer(a) for a in el.iterancestors()):
                continue
            parts.append(" ".join(_visible_texts(el)))
        return normalise_text(" ".join(parts))

    def links(self) -> list[tuple[lxml.html.HtmlElement, str]]:
        """(<a> element, absolute href) for every link with an href."""
        out = []
        for a in self.root.iter("a"):
            href = self.absolute(a.get("href") or "")
            if href:
                out.append((a, href))
        return out


def element_text(el: lxml.html.HtmlElement) -> str:
    """What a reader sees for an element: its text, else an image's alt, else its title."""
    text = collapse(el.text_content()) if el.tag not in ("img", "script", "link") else ""
    if not text:
        img = el if el.tag == "img" else el.find(".//img")
        if img is not None:
            text = collapse(img.get("alt", "") or img.get("title", ""))
    if not text:
        text = collapse(el.get("title", "") or el.get("aria-label", ""))
    return text[:200]


def snippet(text: str, start: int, end: int, around: int = 20) -> str:
    left = max(0, start - around)
    return ("…" if left else "") + text[left:end + around].strip() + (
        "…" if end + around < len(text) else "")
