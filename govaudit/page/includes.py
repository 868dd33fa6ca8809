"""Footers written by scripts, read without a browser.

Many government sites write their footer (主办单位, 网站标识码, ICP and 公安 numbers, the
党政机关 badge) from one file that every page of the site shares: an external script of
`document.write` calls (`<div id="footer"><script src="/js/footer.js"></script></div>`),
an HTML fragment a script loads into the footer (`$("#footer").load("/inc/foot.html")`),
or an inline script. The page as fetched then shows an empty footer. `footer_includes`
finds those files in the static HTML; `written_html` reads the HTML a script writes (the
string literals of a script that writes HTML, joined in order, escapes undone); and
`written_dom` makes of what they write a document whose footer it is, for the marks probe
to read as it reads the page, without a browser.

A script counts as the footer's when it stands in the footer region, or its file name or
the container it fills names a footer (foot, footer, bottom, copyright, banquan, dibu):
other scripts are not fetched. Only files on the page's own site are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote, urlsplit

from govaudit.page.dom import Dom, Source, link_target
from govaudit.page.regions import Region
from govaudit.probes.html import attr

MAX_INCLUDES = 4  # files read at most for one page's footer
MAX_INCLUDE_BYTES = 262_144  # of each file
# What writes HTML into the page.
_WRITES = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(|\.\s*(?:inner|outer)HTML\s*\+?=|"
                     r"\.\s*(?:textContent|innerText)\s*\+?=|"
                     r"insertAdjacentHTML\s*\(|\.\s*(?:html|append|prepend)\s*\(", re.I)
# jQuery's load of an HTML fragment into an element: $("#footer").load("/inc/foot.html")
_LOAD = re.compile(r"""\(\s*(['"])([^'"]{1,80})\1\s*\)\s*\.\s*load\s*\(\s*(['"])([^'"]{1,300})\3""")
_FOOTER_NAME = re.compile(r"foot|bottom|copyright|banquan|dibu|(?<![a-z])(?:bq|ft)(?![a-z])", re.I)
# A comment, or a string literal of JavaScript: '…', "…" or `…` (a template without ${…}
# substitutions); a comment's quotes are no string, a string's slashes no comment.
_TOKEN = re.compile(r"""/\*.*?\*/|//[^\n]*|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|"""
                    r"""`((?:[^`\\$]|\\.)*)`""", re.S)
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|.)",
                     re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Include:
    """A file of the page's own site that writes its footer."""

    url: str
    kind: str  # "script": JavaScript that writes HTML; "html": a fragment loaded into the page
    code: str = ""  # an inline script's code (url is then the page's)


def footer_includes(dom: Dom) -> list[Include]:
    """The scripts and fragments that write `dom`'s footer (see the module docstring), each
    once, in page order; an inline script's code comes with it."""
    own = urlsplit(dom.url).netloc.lower()
    found: list[Include] = []
    seen: set[str] = set()

    def add(raw: str, kind: str) -> None:
        url = link_target(raw, dom.base, dom.encoding)[0]
        if url is not None and urlsplit(url).netloc.lower() == own and url not in seen:
            seen.add(url)
            found.append(Include(url, kind))

    for el in dom.elements("script"):
        src = attr(el, "src").strip()
        in_footer = dom.region_of(el) == Region.FOOTER
        if src:
            name = urlsplit(src).path.rsplit("/", 1)[-1]
            if in_footer or _FOOTER_NAME.search(name):
                add(src, "script")
            continue
        code = el.text()
        for match in _LOAD.finditer(code):
            target, path = match.group(2), match.group(4).split()[0]
            if _FOOTER_NAME.search(target) or _FOOTER_NAME.search(path.rsplit("/", 1)[-1]):
                add(path, "html")
        if in_footer and _WRITES.search(code):
            found.append(Include(dom.url, "script", code))
    return found[:MAX_INCLUDES]


def written_html(code: str) -> str:
    """The HTML a script writes, read without running it: the string literals of a script
    that writes HTML (document.write, innerHTML, jQuery's html/append), joined in order, their
    escapes undone (and unescape()'s %XX and %uXXXX where the HTML is so written); "" for a
    script that writes none."""
    if not _WRITES.search(code):
        return ""
    parts = []
    for match in _TOKEN.finditer(code):
        raw = next((group for group in match.groups() if group is not None), None)
        if raw is None:
            continue  # a comment
        parts.append(_ESCAPE.sub(_unescape, raw) if "\\" in raw else raw)
    html = "".join(parts)
    if re.search(r"%3C|%u[0-9a-fA-F]{4}", html, re.I):  # unescape("%3Cspan …")
        html = unquote(_PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), html))
    return html


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape[0] == "u" and len(escape) > 1:
        return chr(int(escape[1:].strip("{}"), 16))
    if escape[0] == "x" and len(escape) == 3:
        return chr(int(escape[1:], 16))
    if escape.isdigit() and escape != "0":
        return chr(int(escape, 8))
    if escape == "\n":  # a line continuation
        return ""
    return _SIMPLE_ESCAPES.get(escape, escape)


def written_dom(dom: Dom, fragments: list[str]) -> Dom:
    """A document whose footer is what the page's footer scripts and fragments write, with
    the page's address and encoding (links resolve as they would on the page)."""
    body = "".join(f"<div>{fragment}</div>" for fragment in fragments)
    base = f'<base href="{escape(dom.base)}">' if dom.base != dom.url else ""
    return Dom(f"<html><head>{base}</head><body><footer>{body}</footer></body></html>", dom.url,
               Source.STATIC, dom.encoding)
