"""The page model: one reading of a web page, and one rule for each fact about it.

    from govaudit.page import Page
    page = Page.from_bytes(body, url, content_type, capture=capture, today=today)
    page.lists, page.links, page.newest, page.text(Region.FOOTER)

One module per concern, each the only implementation of its rule:

- page: Page (static HTML, rendered DOM, frames); dom: one parsed document and its text
  views; capture: the rendered-DOM contract (CAPTURE_SCRIPT, Capture); regions: header,
  navigation, main, footer;
- links: a page's links; lists: dated lists and their items; dates: publication dates and
  days (age_days, is_stale); columns: which links are columns, a column page's state;
  features: search, login, 依申请公开… and which are present; verdicts: dead links
  (LinkVerdict); challenges: anti-bot challenges told from outages.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govaudit.page.capture import CAPTURE_SCRIPT, Capture, Frame
    from govaudit.page.dom import Dom, Source
    from govaudit.page.links import Link
    from govaudit.page.lists import DatedList, Item
    from govaudit.page.page import Page
    from govaudit.page.regions import Region

# Loaded on first use, so that a module that needs only the dates (govaudit.page.dates) does
# not load the parser.
_NAMES = {"CAPTURE_SCRIPT": "capture", "Capture": "capture", "Frame": "capture", "Dom": "dom",
          "Source": "dom", "Link": "links", "DatedList": "lists", "Item": "lists",
          "Page": "page", "Region": "regions"}


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["CAPTURE_SCRIPT", "Capture", "DatedList", "Dom", "Frame", "Item", "Link", "Page",
           "Region", "Source"]
