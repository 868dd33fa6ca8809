"""Client-side redirects: a page that is only a `<meta refresh>` or a script that sends the
browser elsewhere, and where it sends it.

Many government home pages are a splash that a browser leaves at once: `<meta
http-equiv="refresh" content="0;url=/portal/">`, or a script `location.href = "/web/"`,
`window.location = …`, `location.replace(…)`, `location.assign(…)`. A client that runs no
scripts stays on the splash, which shows no dates, columns or links, so every rule about the
home page would wait for data forever. `client_redirect(dom)` says where a browser goes:

- only from a page that shows a reader (almost) nothing: MAX_TEXT characters at most (a
  "正在跳转…" line, a "如果没有自动跳转请点击" link);
- a meta refresh with a URL and a delay of MAX_DELAY seconds at most (a page that reloads
  itself every five minutes is no redirect), else the first address a script assigns to
  `location` (its `href`, or through `replace`/`assign`), a mobile site's address passed over
  when another is given (a desktop browser goes to the other);
- never to the page itself, and only to http(s).

The fetch layer follows such redirects for `check` and `monitor` alike, at most MAX_HOPS.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from govaudit.page.dom import Dom, link_target
from govaudit.probes.html import attr

MAX_TEXT = 200  # characters a redirecting page may show
MAX_DELAY = 10.0  # seconds: a slower meta refresh reloads a page, it does not send a reader on
MAX_HOPS = 5  # client-side redirects followed one after another at most
_REFRESH = re.compile(r"""^\s*(\d+(?:\.\d+)?)?\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*?)\2\s*$""",
                      re.I | re.S)
_ASSIGN = re.compile(
    r"""(?:\b(?:window|self|top|parent|document)\s*\.\s*)?\blocation(?:\s*\.\s*href)?\s*=(?!=)"""
    r"""\s*(['"])(.+?)\1""")
_CALL = re.compile(
    r"""(?:\b(?:window|self|top|parent|document)\s*\.\s*)?\blocation\s*\.\s*(?:replace|assign)"""
    r"""\s*\(\s*(['"])(.+?)\1\s*\)""")
_MOBILE = re.compile(r"(?:^|[/.])(?:m|wap|mobile|phone|h5)(?:[/.]|$)", re.I)


def client_redirect(dom: Dom) -> str | None:
    """Where a browser that shows `dom` goes at once (see the module docstring), or None."""
    found = _refresh_target(dom) or _script_target(dom)  # cheap, and mostly None: first
    if found is None or len(dom.text) > MAX_TEXT:
        return None
    url, _ = link_target(found, dom.base, dom.encoding)
    if url is None or _same(url, dom.url):
        return None
    return url


def _refresh_target(dom: Dom) -> str | None:
    for meta in dom.elements('meta[http-equiv="refresh" i][content]'):
        match = _REFRESH.match(attr(meta, "content"))
        if match is None or not match.group(3).strip():
            continue
        delay = float(match.group(1) or 0)
        if delay <= MAX_DELAY:
            return match.group(3).strip()
    return None


def _script_target(dom: Dom) -> str | None:
    code = [text for el in dom.elements("script")
            if not attr(el, "src") and "location" in (text := el.text() or "")]
    code += [attr(el, "onload") for el in dom.elements("body[onload]")]
    targets = [m.group(2).strip() for text in code
               for m in sorted((*_ASSIGN.finditer(text), *_CALL.finditer(text)),
                               key=lambda m: m.start())]
    targets = [t for t in targets if t and not t.lower().startswith(("javascript:", "#"))]
    desktop = [t for t in targets if not _MOBILE.search(urlsplit(t).netloc + urlsplit(t).path)]
    return (desktop or targets or [None])[0]


def _same(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.netloc.lower(), a.path or "/", a.query) == (b.netloc.lower(), b.path or "/",
                                                          b.query)
