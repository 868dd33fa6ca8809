"""The page model: one web page as fetched and, where captured, as a browser rendered it.

`Page` holds the static HTML (decoded as browsers decode it: probes.charset), the rendered
DOM and its same-origin frames from a capture (capture.py), and reads from them what every
rule needs: regions and their text, links, and lists of dated items. What a reader sees is
the rendered DOM when there is one (`shown`), else the static HTML.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from urllib.parse import urlsplit

from govaudit.page.capture import FRAME_ATTR, Capture
from govaudit.page.dates import standalone_dates, today_in_china
from govaudit.page.dom import Dom, Source
from govaudit.page.links import Link, Targets, find_links, find_targets
from govaudit.page.lists import DatedList, Item, find_lists, newest_in
from govaudit.page.regions import Region
from govaudit.probes.charset import decode_html, python_codec
from govaudit.probes.html import normalise_text

MAX_FRAMES = 20  # frame documents read at most (a page of frames inside frames stops here)


class Page:
    """One page: its static and rendered documents, frames, links and dated lists.

    `today` is the China date the short dates ([11-20]) and future dates are read against
    (default: today in China).
    """

    def __init__(self, html: str, url: str, *, capture: Capture | None = None,
                 today: date | None = None, encoding: str = "utf-8",
                 encoding_source: str = "") -> None:
        self.url = url
        self.today = today or today_in_china()
        self.encoding = encoding or "utf-8"
        self.encoding_source = encoding_source
        self.capture = capture
        self.static = Dom(html, url, Source.STATIC, self.encoding)
        self.rendered: Dom | None = None
        if capture is not None:
            self.rendered = Dom(capture.html, capture.url or url, Source.RENDERED,
                                python_codec(capture.charset) or self.encoding)

    @classmethod
    def from_bytes(cls, body: bytes, url: str, content_type: str = "", *,
                   capture: Capture | None = None, today: date | None = None) -> Page:
        """A page from its bytes and the Content-Type it came with (its charset, if any)."""
        text, codec, source = decode_html(body, content_type)
        return cls(text, url, capture=capture, today=today, encoding=codec,
                   encoding_source=source)

    @property
    def shown(self) -> Dom:
        """What a reader sees: the rendered DOM when captured, else the static HTML."""
        return self.rendered or self.static

    @cached_property
    def frames(self) -> list[Dom]:
        """The documents of the rendered page's same-origin frames, frames in frames too."""
        if self.rendered is None or self.capture is None:
            return []
        out: list[Dom] = []
        pending = [self.rendered]
        seen: set[int] = set()
        while pending and len(out) < MAX_FRAMES:
            dom = pending.pop(0)
            for el in dom.elements(f"iframe[{FRAME_ATTR}], frame[{FRAME_ATTR}]"):
                index = dom.frame_index(el)
                if index is None or index in seen or index >= len(self.capture.frames):
                    continue
                seen.add(index)
                frame = self.capture.frames[index]
                url = frame.url if urlsplit(frame.url).scheme in ("http", "https") else dom.url
                child = Dom(frame.html, url, Source.FRAME,
                            python_codec(frame.charset) or dom.encoding, dom.region_of(el))
                out.append(child)
                pending.append(child)
        return out

    @cached_property
    def links(self) -> list[Link]:
        """The links a reader meets: the shown document's, then its frames'."""
        return [link for dom in (self.shown, *self.frames) for link in find_links(dom)]

    @cached_property
    def targets(self) -> Targets:
        """What the link checks read: every URL the page links to or loads (links, images,
        scripts, stylesheets, frames), each once, in page order: of the HTML as served; of
        the rendered DOM and its frames when the HTML as served holds none (a page known only
        as rendered, behind an anti-bot challenge)."""
        found = find_targets(self.static)
        if self.rendered is not None and not (found.checkable or found.invalid):
            found = find_targets(self.rendered, *self.frames)
        return found

    @cached_property
    def lists(self) -> list[DatedList]:
        """The dated lists of the shown document, those only the other document has (a
        list that scripts replaced), and the frames' lists."""
        first = find_lists(self.shown, self.today)
        if self.rendered is not None:
            known = {item.url for found in first for item in found.items}
            first += [found for found in find_lists(self.static, self.today)
                      if any(item.url not in known for item in found.items)]
        for frame in self.frames:
            first += find_lists(frame, self.today, frame=frame.url)
        return first

    @cached_property
    def newest(self) -> date | None:
        """The newest publication date on the page: of its dated lists' items; on a page
        without one (an article), the newest date standing alone in the main region's text."""
        dated = [found.newest for found in self.lists if found.newest is not None]
        if dated:
            return max(dated)
        texts = [t for dom in (self.shown, *self.frames) for t in dom.region_texts(Region.MAIN)]
        return max((d for t in texts for d in standalone_dates(normalise_text(t), self.today)),
                   default=None)

    @cached_property
    def drawn_later(self) -> bool:
        """Whether the static HTML may lack what a reader sees: its body's main region holds
        a script or a frame (a list drawn after load, a list inside a frame), so that only
        the rendered DOM shows it."""
        dom = self.static
        for el in dom.elements("script", "iframe", "frame"):
            parent = el.parent
            while parent is not None and parent.tag not in ("head", "html"):
                parent = parent.parent
            in_head = parent is not None and parent.tag == "head"
            if not in_head and dom.region_of(el) == Region.MAIN:
                return True
        return False

    @cached_property
    def title(self) -> str:
        """The page's title as a name: the `<title>` text before its first separator (a
        title often ends with the site's name), at most 40 characters."""
        found = (self.shown.tree.css_first("title") or self.static.tree.css_first("title"))
        text = normalise_text(found.text()) if found is not None else ""
        return re.split(r"\s*[-_|—]\s*", text)[0][:40]

    def read(self) -> Page:
        """The page with what every reader of it reads computed now (links, dated lists, the
        newest date, the title): a run reads a page this way in a worker thread, so that a
        large page does not hold the run's event loop. The link checks' `targets` are read
        apart, by the runs that check links."""
        self.links, self.lists, self.newest, self.title  # noqa: B018
        return self

    def newest_item(self) -> tuple[DatedList, Item] | None:
        """The list and the item that date the page (None: no dated list item; the page's
        newest date, if any, then stands alone in its text)."""
        return newest_in(self.lists)

    def text(self, region: Region | None = None) -> str:
        """What a reader sees of the shown document (one region's text, or all of it)."""
        return self.shown.text if region is None else self.shown.region_text(region)
