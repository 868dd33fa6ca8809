"""Text blocks of a static HTML page, until the page model gives them from the capture.

Each block is an element that holds text and no other block element (a paragraph, a list
item, a table cell, a heading), with its CSS path; an image's alt and a link's title are
blocks of their own. Script, style and template text is left out.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govaudit.content.model import PageText, TextBlock

BLOCKS = ("p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption",
          "blockquote", "pre", "figcaption", "div", "section", "article", "span", "a", "font",
          "strong", "b", "em", "td")
_LEAF = ", ".join(sorted(set(BLOCKS)))


def css_path(node: LexborNode) -> str:
    parts = []
    current: LexborNode | None = node
    while current is not None and current.tag not in ("html", "-document", None):
        part = current.tag or ""
        element_id = current.attributes.get("id")
        if element_id:
            parts.append(f"{part}#{element_id}")
            break
        parent = current.parent
        if parent is not None:
            index = 1
            sibling = current.prev
            while sibling is not None:
                if sibling.tag and not sibling.tag.startswith("-"):
                    index += 1
                sibling = sibling.prev
            part += f":nth-child({index})"
        parts.append(part)
        current = parent
    return " > ".join(reversed(parts))


def page_text(html: str, url: str) -> PageText:
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, template, noscript"):
        node.decompose()
    blocks: list[TextBlock] = []
    root = tree.body or tree.root
    if root is None:
        return PageText(url, ())
    seen: set[int] = set()
    for node in root.css(_LEAF):
        if any(inner.mem_id != node.mem_id and inner.mem_id not in seen
               for inner in node.css("p, li, td, th, div, h1, h2, h3, dt, dd, section")):
            continue
        if any(a.mem_id in seen for a in _ancestors(node)):
            continue
        seen.add(node.mem_id)
        text = node.text(separator="").strip()
        if text:
            blocks.append(TextBlock(text, css_path(node)))
    for node in root.css("img[alt], [title]"):
        for key in ("alt", "title"):
            value = (node.attributes.get(key) or "").strip()
            if value:
                blocks.append(TextBlock(value, f"{css_path(node)}[{key}]"))
    return PageText(url, tuple(blocks))


def _ancestors(node: LexborNode) -> list[LexborNode]:
    out = []
    parent = node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out
