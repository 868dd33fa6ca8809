"""A page's links as a reader meets them: visible text, target, region, visibility.

The text is what a reader sees for the link: its text, else the alt (or title) of an image
inside it, else its own title or aria-label (an `<area>`'s alt). The target is normalised as
the link checker normalises it (dom.link_target, after probes.links.normalise_link: resolved
against the page and its `<base>`, fragment dropped, non-ASCII paths as UTF-8 escapes,
queries in the page's own encoding); a link that is not http(s) keeps `url` None and says
why in `problem`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from govaudit.page.dom import Dom, Element, Source
from govaudit.page.regions import Region
from govaudit.probes.html import attr, element_text, normalise_text

# A document's links, read once however many rules ask for them.
_FOUND: weakref.WeakKeyDictionary[Dom, list[Link]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Link:
    """One link of a page."""

    url: str | None  # normalised absolute http(s) URL; None: see `problem`
    href: str  # as written
    text: str  # what a reader sees for it, NFKC-normalised
    region: Region
    visible: bool | None  # None: not known (the page as fetched, no browser asked)
    source: Source
    problem: str = ""  # why there is no url: a scheme ("javascript"), "fragment", "invalid URL …"
    node: Element | None = field(default=None, compare=False, repr=False)


def link_text(el: Element) -> str:
    """What a reader sees for a link: its text, else an image's alt or title, else its own
    title, aria-label or (an <area>) alt."""
    text = element_text(el) or attr(el, "alt").strip()
    return normalise_text(text)


def find_links(dom: Dom) -> list[Link]:
    """Every `<a href>` and `<area href>` of `dom`, in page order (read once per document)."""
    found = _FOUND.get(dom)
    if found is not None:
        return found
    out = _FOUND[dom] = [
        Link(url, raw, link_text(el), dom.region_of(el), dom.visible(el), dom.source, problem, el)
        for el, raw, url, problem in dom.anchors]
    return out
