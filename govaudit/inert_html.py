"""Inert HTML renderings of captured pages: the page as it was shown, with nothing that runs.

The HTML snapshot beside a screenshot is opened from the report in the
evaluator's own browser, so it must not run the captured site's scripts nor
make any request. The DOM as shown (scripts' work included) is parsed as a
browser parses it (Lexbor, through selectolax) and rewritten: scripts, event
handler attributes, script URLs, refreshes, frames' sources, plugins and
links to other resources are removed; the site's stylesheets, read from the
live page, are kept inside the file so that it still looks right offline; a
Content-Security-Policy meta tag, first in <head>, blocks whatever is left:
no script may run and nothing may be fetched but data: images and fonts.
The MHTML snapshot stays the faithful copy.
"""

from __future__ import annotations

import html as html_text
import re
from collections.abc import Mapping
from typing import Any

POLICY = ("default-src 'none'; img-src data:; font-src data:; media-src data:; "
          "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")

# Elements that run, fetch or embed something, or that would hide unsanitised markup
# (a <template> can become a shadow root; <noscript> is markup where scripts are off).
_REMOVE = ("script, noscript, template, object, embed, applet, portal, fencedframe, base, "
           "link, meta[http-equiv], meta[charset]")
_FRAMES = ("iframe", "frame")
# Attributes that fetch or navigate on their own, whatever their value.
_DROP_ATTRIBUTES = {"srcdoc", "ping", "attributionsrc", "manifest"}
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:")
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
MAX_STYLESHEETS = 4 << 20  # characters of inlined CSS per page

# Run in the live page: the CSS text of each <link> stylesheet the page could read, with
# its @imports expanded, keyed by the link's href attribute as written; at most `limit`
# characters in all (pass MAX_STYLESHEETS).
STYLESHEETS_JS = """
(limit) => {
  let total = 0;
  const text = (sheet, depth) => {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { return null; }
    if (!rules) return null;
    const out = [];
    for (const rule of rules) {
      if (rule instanceof CSSImportRule && rule.styleSheet && depth < 4) {
        const inner = text(rule.styleSheet, depth + 1);
        if (inner !== null) {
          const media = rule.media ? rule.media.mediaText : '';
          out.push(media ? '@media ' + media + ' {\\n' + inner + '\\n}' : inner);
          continue;
        }
      }
      out.push(rule.cssText);
    }
    return out.join('\\n');
  };
  const found = {};
  for (const link of document.querySelectorAll('link')) {
    const href = link.getAttribute('href');
    if (!link.sheet || href === null || href in found) continue;
    const css = text(link.sheet, 0);
    if (css === null || total + css.length > limit) continue;
    total += css.length;
    found[href] = css;
  }
  return found;
}
"""


def _runs_script(value: str) -> bool:
    """Whether an attribute value holds a script URL, the way browsers read URLs."""
    return bool(_SCRIPT_URL.search(_SPACE_OR_CONTROL.sub("", value).lower()))


def _clean_attributes(node: Any) -> None:
    attrs = node.attrs
    for name, value in list(node.attributes.items()):
        local = name.lower().rpartition(":")[2]
        if local.startswith("on") or local in _DROP_ATTRIBUTES or _runs_script(value or ""):
            del attrs[name]
    if node.tag in _FRAMES and "src" in attrs:
        # kept for the reader, under a name that loads nothing
        attrs["data-govaudit-src"] = attrs["src"]
        del attrs["src"]


def _style_node(tree: Any, css: str) -> Any:
    style = tree.create_node("style")
    # raw text: a "</style" inside would end the element when the file is opened
    style.insert_child(re.sub(r"</", r"<\\/", css))
    return style


def _meta(tree: Any, **attributes: str) -> Any:
    meta = tree.create_node("meta")
    for name, value in attributes.items():
        meta.attrs[name.replace("_", "-")] = value
    return meta


def render_inert(page_html: str, stylesheets: Any = None) -> bytes:
    """The page's HTML made inert (see the module's doc), as UTF-8 bytes.

    `stylesheets` maps a <link>'s href attribute to the CSS text read from the
    live page (STYLESHEETS_JS); those links become <style> elements.
    """
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    given = stylesheets if isinstance(stylesheets, Mapping) else {}  # from the page: untrusted
    sheets = {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}
    try:
        tree = LexborHTMLParser(page_html)
        for link in tree.css("link"):
            rel = (link.attributes.get("rel") or "").lower().split()
            css = sheets.get(link.attributes.get("href") or "")
            if "stylesheet" in rel and css is not None:
                style = _style_node(tree, css)
                if link.attributes.get("media"):
                    style.attrs["media"] = link.attributes["media"]
                link.replace_with(style)
        for node in reversed(tree.css(_REMOVE)):  # descendants before their ancestors
            node.decompose()
        root, head = tree.root, tree.head
        if root is None or head is None:
            return _as_text(page_html)
        for node in root.traverse():
            if node.is_element_node:
                _clean_attributes(node)
        first = head.child
        for meta in (_meta(tree, http_equiv="Content-Security-Policy", content=POLICY),
                     _meta(tree, charset="utf-8"),
                     _meta(tree, name="referrer", content="no-referrer")):
            if first is None:
                head.insert_child(meta)
            else:
                first.insert_before(meta)
        inert = tree.html
    except SelectolaxError:
        return _as_text(page_html)
    return _as_text(page_html) if inert is None else inert.encode("utf-8")


def _as_text(page_html: str) -> bytes:
    """A page not parseable as a document, kept as text, which runs nothing either."""
    return (f'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
            f'content="{POLICY}"><meta charset="utf-8"></head><body><pre>'
            f"{html_text.escape(page_html)}</pre></body></html>").encode()
