"""Site search works: search for the title of a recent item and find it among the results.

The search is given as the site's form (found in its HTML: the form with a text field that
submits to a search page) or as a URL template with `{q}`. The results page is read as HTML;
a result lists the item when a result's text holds the title, or the beginning of it that a
results page shows before cutting it off with an ellipsis (at least 8 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urljoin, urlsplit, urlunsplit

import httpx
from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.probes.html import normalise_text

MIN_PREFIX = 8  # characters of a cut-off title that still name the item
_ELLIPSIS = re.compile(r"(?:\.\.\.|…+|。。。)\s*$")
_SEARCH_HINT = re.compile(r"search|sousuo|ss|query|jsearch|检索|搜索|quanwen", re.I)
_QUERY_NAMES = ("q", "query", "keyword", "keywords", "searchword", "sw", "wd", "kw", "word",
                "key", "text", "qt", "searchWord", "title")


@dataclass(frozen=True)
class SearchForm:
    action: str
    method: str  # "get" or "post"
    field: str  # the name of the text field that takes the words
    hidden: tuple[tuple[str, str], ...] = ()

    def request(self, words: str) -> tuple[str, str, dict[str, str]]:
        """(method, URL, form data) submitting `words`."""
        data = dict(self.hidden)
        data[self.field] = words
        if self.method == "post":
            return "post", self.action, data
        parts = urlsplit(self.action)
        query = "&".join(p for p in (parts.query, urlencode(data)) if p)
        return "get", urlunsplit(parts._replace(query=query)), {}


def find_search_form(html: str, page_url: str) -> SearchForm | None:
    """The page's site-search form: a form with a text (or search) field whose action, id,
    class or field name says search; else the only form with one text field."""
    tree = LexborHTMLParser(html)
    candidates = []
    for form in tree.css("form"):
        inputs = [i for i in form.css("input")
                  if (i.attributes.get("type") or "text").lower() in ("text", "search")
                  and i.attributes.get("name")]
        if len(inputs) != 1:
            continue
        text = inputs[0]
        hints = " ".join(str(form.attributes.get(a) or "") for a in ("action", "id", "class",
                                                                     "name"))
        name = str(text.attributes.get("name"))
        score = 2 * bool(_SEARCH_HINT.search(hints)) + (name in _QUERY_NAMES)
        hidden = tuple((str(i.attributes.get("name")), str(i.attributes.get("value") or ""))
                       for i in form.css("input[type=hidden][name]"))
        method = (form.attributes.get("method") or "get").strip().lower()
        candidates.append((score, SearchForm(urljoin(page_url, form.attributes.get("action")
                                                     or page_url),
                                             "post" if method == "post" else "get", name,
                                             hidden)))
    if not candidates:
        return None
    candidates.sort(key=lambda c: -c[0])
    best = candidates[0]
    return best[1] if best[0] > 0 or len(candidates) == 1 else None


@dataclass(frozen=True)
class SearchFinding:
    query: str
    title: str
    request_url: str
    status: int | None
    results: int  # links on the results page
    match: Evidence | None  # the result that lists the item
    error: str

    @property
    def passed(self) -> bool | None:
        """True: the item is listed; False: the search answered without it; None: the search
        could not be made (no form, a network fault, an error status)."""
        if self.error:
            return None
        return self.match is not None

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return (self.match,) if self.match else (Evidence(self.request_url, "", None, ""),)


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", normalise_text(text)).lower()


def find_in_results(html: str, results_url: str, title: str) -> tuple[Evidence | None, int]:
    """The result (a link, or else a list item or table row) that names `title`, and the
    number of links on the page."""
    tree = LexborHTMLParser(html)
    want = _fold(title)
    links = tree.css("a")
    for nodes in (links, tree.css("li, tr, dd, dt, h3, h4, .title, [class*=title]")):
        for node in nodes:
            raw = node.text(separator="") or node.attributes.get("title") or ""
            shown = _fold(raw)
            cut = _fold(_ELLIPSIS.sub("", raw))
            title_attr = _fold(node.attributes.get("title") or "")
            if want and (want in shown or want == title_attr or
                         (cut != shown and len(cut) >= MIN_PREFIX and want.startswith(cut))):
                return Evidence(results_url, node.tag or "", None, raw.strip()[:120]), len(links)
    return None, len(links)


async def check_search(search: SearchForm | str, title: str, *, query: str | None = None,
                       timeout: float = 15.0, verify: bool = False) -> SearchFinding:
    """Search for `query` (the title itself by default) with the form or the URL template
    (`…?q={q}`), and look for `title` in the results."""
    words = query or title
    if isinstance(search, SearchForm):
        method, url, data = search.request(words)
    else:
        method, url, data = "get", search.replace("{q}", quote(words)), {}
    async with httpx.AsyncClient(timeout=timeout, verify=verify,
                                 follow_redirects=True) as client:
        try:
            response = await (client.post(url, data=data) if method == "post"
                              else client.get(url))
        except httpx.HTTPError as exc:
            return SearchFinding(words, title, url, None, 0, None,
                                 f"{url}: {type(exc).__name__} {exc}".strip())
    if response.status_code >= 400:
        return SearchFinding(words, title, url, response.status_code, 0, None,
                             f"{url}: the search answered {response.status_code}")
    match, links = find_in_results(response.text, str(response.url), title)
    return SearchFinding(words, title, str(response.url), response.status_code, links, match,
                         "")
