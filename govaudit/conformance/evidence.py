"""What every conformance finding carries: where on which page, and the value found there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Box:
    """An element's box in CSS pixels of the whole page (scrolled to the top), as a full-page
    screenshot shows it."""

    x: float
    y: float
    width: float
    height: float

    @classmethod
    def from_js(cls, raw: Any) -> Box | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(*(round(float(raw[k]), 1) for k in ("x", "y", "width", "height")))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Evidence:
    """One thing seen: the page, the element (CSS selector and box) and the value read there."""

    page_url: str
    selector: str = ""
    box: Box | None = None
    value: str = ""

    @classmethod
    def from_js(cls, page_url: str, raw: Any) -> Evidence:
        """From the {selector, box, value} objects the in-page scripts of this package return."""
        raw = raw if isinstance(raw, dict) else {}
        return cls(page_url, str(raw.get("selector") or ""), Box.from_js(raw.get("box")),
                   str(raw.get("value") or ""))
