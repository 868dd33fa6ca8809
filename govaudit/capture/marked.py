"""An element screenshot with the spot marked: the area around a box of the loaded page, with
a red frame drawn over the box, for a check's finding (content and conformance probes).

`locate` finds the spot in the loaded page: the element at a DOM path, or the text a finding
quotes (by the path first, then by a search of the page's text when the path does not hold
it, e.g. after a script rebuilt the page); a part of the text may be given to be covered in
the shot (the middle digits of a personal number).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

MARGIN = 60  # CSS pixels of the page shown around the box
MAX_SIDE = 1600  # the shot's largest side
COVER = (30, 60, 150)  # the colour of a covered part of the text (no text is drawn in it)

Rect = tuple[float, float, float, float]  # x, y, width, height in CSS pixels of the page

_DRAW = """(spot) => {
  const marks = [];
  const add = (box, style) => {
    const mark = document.createElement('div');
    mark.className = '__govaudit_mark';
    Object.assign(mark.style, {position: 'absolute', left: box[0] + 'px', top: box[1] + 'px',
      width: box[2] + 'px', height: box[3] + 'px', zIndex: 2147483647, pointerEvents: 'none',
      boxSizing: 'border-box'}, style);
    document.documentElement.appendChild(mark);
  };
  for (const box of spot.cover) add(box, {background: spot.colour});
  const b = spot.box;
  add([b[0] - 3, b[1] - 3, b[2] + 6, b[3] + 6], {border: '3px solid #e00'});
}"""
_REMOVE = ("() => { for (const m of document.querySelectorAll('.__govaudit_mark')) "
           "m.remove(); }")

# Finds {path, pattern, flags, cover} in the page: the element at `path` whose text (or alt,
# title) matches `pattern` (a JS regular expression with three groups: before the covered
# part, the covered part, after it), else the innermost element of the body whose text
# matches. Returns {box, cover, how, shown} or null: `box` the matched text's box (the
# element's when the text is an attribute), `cover` the boxes of the second group's text.
_LOCATE = r"""(spec) => {
  const page = (r) => [r.left + scrollX, r.top + scrollY, r.width, r.height];
  const re = new RegExp(spec.pattern, 'd' + (spec.flags || ''));
  const textOf = (el) => {
    const nodes = [], walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let text = '';
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (p && /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(p.tagName)) continue;
      nodes.push([n, text.length]);
      text += n.data;
    }
    return [text, nodes];
  };
  const at = (nodes, offset) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i][1] <= offset) return [nodes[i][0], offset - nodes[i][1]];
    }
    return [nodes[0][0], 0];
  };
  const range = (nodes, start, end) => {
    const r = document.createRange();
    const [a, i] = at(nodes, start), [b, j] = at(nodes, end);
    r.setStart(a, Math.min(i, a.data.length));
    r.setEnd(b, Math.min(j, b.data.length));
    return r;
  };
  const found = (el, how) => {
    const [text, nodes] = textOf(el);
    const m = nodes.length ? re.exec(text) : null;
    if (!m) {
      const attr = spec.attribute ? el.getAttribute(spec.attribute) || '' : '';
      if (!attr || !re.test(attr)) return null;
      const box = page(el.getBoundingClientRect());
      return {box, cover: spec.cover ? [box] : [], how, shown: box[2] > 0 && box[3] > 0};
    }
    const whole = range(nodes, m.indices[0][0], m.indices[0][1]);
    const box = page(whole.getBoundingClientRect());
    let cover = [];
    if (spec.cover && m.indices[2]) {
      const part = range(nodes, m.indices[2][0], m.indices[2][1]);
      cover = Array.from(part.getClientRects()).map(page).filter((r) => r[2] > 0 && r[3] > 0);
    }
    return {box, cover, how, shown: box[2] > 0 && box[3] > 0};
  };
  let el = null;
  try { el = spec.path ? document.querySelector(spec.path) : null; } catch (e) { el = null; }
  const byPath = el ? found(el, 'path') : null;
  if (byPath && byPath.shown) return byPath;
  if (!spec.pattern) {
    if (!el) return null;
    return {box: page(el.getBoundingClientRect()), cover: [], how: 'path', shown: true};
  }
  let best = byPath;
  for (const one of document.body ? document.body.querySelectorAll('*') : []) {
    if (/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/.test(one.tagName)) continue;
    if (!re.test(one.textContent || '')) continue;
    if (Array.from(one.children).some((c) => re.test(c.textContent || ''))) continue;
    const hit = found(one, 'text');
    if (hit && hit.shown) return hit;
    best = best || hit;
  }
  return best;
}"""


@dataclass(frozen=True)
class Spot:
    """Where a finding is in the loaded page."""

    box: Rect  # what the red frame goes around
    cover: tuple[Rect, ...] = ()  # what the shot covers
    how: str = "path"  # found at its DOM path, or by a search of the text ("text")
    shown: bool = True  # it has a box a reader can see


async def locate(page: Page, path: str, pattern: str = "", *, attribute: str = "",
                 cover: bool = False) -> Spot | None:
    """The spot of `path` (a CSS selector) in the loaded page, or of the text `pattern`
    matches (a JS regular expression of three groups, the second the part to `cover`): at
    the path when that element holds it, else where the page's text does; None: not found."""
    from playwright.async_api import Error as PlaywrightError

    spec = {"path": path, "pattern": pattern, "attribute": attribute, "cover": cover}
    try:
        found = await page.evaluate(_LOCATE, spec)
    except PlaywrightError:
        return None
    if not found:
        return None
    box = _rect(found["box"])
    return Spot(box, tuple(_rect(r) for r in found.get("cover") or ()), str(found["how"]),
                bool(found.get("shown")))


def _rect(values: Any) -> Rect:
    x, y, width, height = (float(v) for v in values)
    return x, y, width, height


async def marked_shot(page: Page, box: Rect, path: Path, cover: tuple[Rect, ...] = ()) -> str:
    """Save the area around `box` (x, y, width, height in CSS pixels of the whole page) with
    the box framed in red, and the `cover` boxes filled over; the file's path, or "" when
    the page could not be shot."""
    from playwright.async_api import Error as PlaywrightError

    x, y, width, height = box
    left, top = max(0.0, x - MARGIN), max(0.0, y - MARGIN)
    clip: Any = {"x": left, "y": top, "width": min(width + 2 * MARGIN, MAX_SIDE) or 1,
                 "height": min(height + 2 * MARGIN, MAX_SIDE) or 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    spot = {"box": list(box), "cover": [list(r) for r in cover],
            "colour": "rgb({}, {}, {})".format(*COVER)}
    try:
        await page.evaluate(_DRAW, spot)
        await page.screenshot(path=str(path), clip=clip, full_page=True)
    except PlaywrightError:
        return ""
    finally:
        with contextlib.suppress(PlaywrightError):
            await page.evaluate(_REMOVE)
    return str(path)
