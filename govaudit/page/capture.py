"""The rendered DOM as a capture records it: the contract between the browser and the Page.

A capture runs `CAPTURE_SCRIPT` in the loaded page (Playwright: `await page.evaluate(
CAPTURE_SCRIPT)`) and keeps what it returns, `Capture.from_script(result)`. The script

- marks every element of the body that a reader does not see with `data-ga-hidden="1"`:
  display none, visibility hidden or collapse, opacity 0 (Element.checkVisibility), no box
  at all, or a box entirely left of or above the page (the "skip to content" links placed at
  -9999px). Each element is judged on its own: a visible child of a `visibility: hidden`
  parent stays unmarked. Marks of an earlier run are cleared first;
- numbers every `<iframe>` and `<frame>` whose document it can read (same origin) with
  `data-ga-frame="N"`, N the index of that document in `frames`; a frame it cannot read
  (another origin, not loaded) gets `data-ga-frame="-1"`. Frames inside frames are numbered
  the same way, in the same list;
- returns `{url, charset, html, frames: [{url, charset, html}, …]}`: each document
  serialised after its marks were set (the doctype, then `documentElement.outerHTML`).

The marks stay in the serialised HTML, so the evidence's HTML snapshot carries them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HIDDEN_ATTR = "data-ga-hidden"
FRAME_ATTR = "data-ga-frame"

CAPTURE_SCRIPT = r"""() => {
  const HIDDEN = 'data-ga-hidden', FRAME = 'data-ga-frame';
  const frames = [];
  const serialise = (doc) => {
    const type = doc.doctype ? '<!DOCTYPE ' + doc.doctype.name + '>' : '';
    return type + doc.documentElement.outerHTML;
  };
  const boxless = (el, view) =>  // display: contents, and an image map's areas, draw no box
    el.tagName === 'AREA' || el.tagName === 'MAP' ||
    view.getComputedStyle(el).display === 'contents';
  const hidden = (el, view) => {
    if (el.checkVisibility) {
      if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) {
        return !boxless(el, view);
      }
    } else {
      const style = view.getComputedStyle(el);
      if (style.display === 'none' || style.visibility !== 'visible' ||
          style.opacity === '0') return !boxless(el, view);
    }
    if (el.getClientRects().length === 0) return !boxless(el, view);
    const box = el.getBoundingClientRect();
    return box.right + view.scrollX <= 0 || box.bottom + view.scrollY <= 0;
  };
  const record = (doc) => {
    const view = doc.defaultView;
    for (const el of doc.querySelectorAll('[' + HIDDEN + ']')) el.removeAttribute(HIDDEN);
    if (doc.body) {
      for (const el of [doc.body, ...doc.body.querySelectorAll('*')]) {
        if (hidden(el, view)) el.setAttribute(HIDDEN, '1');
      }
    }
    for (const frame of doc.querySelectorAll('iframe, frame')) {
      let inner = null;
      try { inner = frame.contentDocument; } catch (e) { inner = null; }
      if (!inner || !inner.documentElement) { frame.setAttribute(FRAME, '-1'); continue; }
      const index = frames.length;
      frames.push(null);
      frame.setAttribute(FRAME, String(index));
      frames[index] = {url: inner.URL, charset: inner.characterSet, html: record(inner)};
    }
    return serialise(doc);
  };
  const html = record(document);
  return {url: document.URL, charset: document.characterSet, html: html, frames: frames};
}"""


class CaptureError(ValueError):
    """What a capture returned does not follow the contract."""


@dataclass(frozen=True)
class Frame:
    """The document of one same-origin frame: where it was loaded from, its HTML."""

    url: str
    html: str
    charset: str = "utf-8"


@dataclass(frozen=True)
class Capture:
    """The rendered page: its serialised DOM (with the marks above) and its frames."""

    url: str
    html: str
    frames: tuple[Frame, ...] = ()
    charset: str = "utf-8"

    @classmethod
    def from_script(cls, data: Any) -> Capture:
        """What CAPTURE_SCRIPT returned, checked; CaptureError says what is wrong."""
        if not isinstance(data, dict):
            raise CaptureError(f"a capture is a mapping, not {type(data).__name__}")
        url, html, charset = _field(data, "url"), _field(data, "html"), _field(data, "charset")
        frames = data.get("frames")
        if not isinstance(frames, list):
            raise CaptureError("a capture's frames must be a list")
        kept = []
        for number, frame in enumerate(frames):
            if not isinstance(frame, dict):
                raise CaptureError(f"frame {number} is not a mapping")
            kept.append(Frame(_field(frame, "url"), _field(frame, "html"),
                              _field(frame, "charset")))
        return cls(url, html, tuple(kept), charset)


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise CaptureError(f"a capture's {name} must be a string")
    return value
