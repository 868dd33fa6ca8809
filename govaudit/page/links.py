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

from govaudit.page.dom import Dom, Source, link_target
from govaudit.page.regions import Region
from govaudit.probes.html import Element, attr, element_text, normalise_text

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


# What the link checks read: links, and what a page loads (images, scripts, stylesheets, frames).
TARGET_SOURCES = (("a", "href"), ("area", "href"), ("img", "src"), ("script", "src"),
                  ("link", "href"), ("iframe", "src"), ("frame", "src"))


@dataclass(frozen=True)
class Target:
    """A URL a page links to or loads, as the link checks read it."""

    url: str  # normalised absolute http(s) URL; when `error`, the href as written
    found_on: str  # the URL of the document it is in
    text: str  # the link's text (an image's alt, a frame's title); "" for a script
    tag: str
    error: str = ""  # why it cannot be checked: the href does not parse


@dataclass
class Targets:
    """The targets of one or more documents, each once, in page order."""

    checkable: dict[str, Target] = field(default_factory=dict)  # by URL
    invalid: dict[str, Target] = field(default_factory=dict)  # by the href as written
    skipped: dict[str, int] = field(default_factory=dict)  # not http(s): count by scheme

    def add(self, dom: Dom) -> list[str]:
        """Add the targets of `dom`; the URLs not seen before, in page order."""
        new = []
        selector = ", ".join(f"{tag}[{name}]" for tag, name in TARGET_SOURCES)
        for el in dom.tree.css(selector):
            tag = el.tag or ""
            raw = attr(el, dict(TARGET_SOURCES)[tag])
            text = link_text(el) if tag in ("a", "area", "img", "iframe", "frame") else ""
            url, why = link_target(raw, dom.base, dom.encoding)
            if url is None and why.startswith("invalid URL"):
                self.invalid.setdefault(raw.strip(), Target(raw.strip(), dom.url, text, tag, why))
            elif url is None:
                self.skipped[why] = self.skipped.get(why, 0) + 1
            elif url not in self.checkable:
                self.checkable[url] = Target(url, dom.url, text, tag)
                new.append(url)
        return new


def find_targets(*doms: Dom | None) -> Targets:
    """The targets of the documents given (None ones passed over), each once."""
    found = Targets()
    for dom in doms:
        if dom is not None:
            found.add(dom)
    return found
