"""暗链: links a reader cannot see that lead off the government's domain.

The capture browser runs `COLLECT_LINK_FACTS` in the rendered page; it returns, for every
`<a href>`, the style facts that decide whether a reader can see it: display and visibility
up the tree, the opacity they multiply to, its box against the document, its font size, its
colour against the background it sits on, a tiny `<marquee>` around it, an ancestor that
clips it away, a text-indent that pushes its text out. `hiding` names the techniques at work.

Hidden for a moment is not hidden. A link is not a finding when the evidence says a reader
reaches it: a style sheet rule reveals its hidden container on `:hover` or `:focus` of an
ancestor (a drop-down menu, a skip link); its hidden container has a visible sibling of the
same element and class (a slide of a carousel, a panel of a tab set); or its hidden container
sits inside a navigation container (nav, or a class or id naming nav or menu) beside a
visible link (a menu opened by script). And only a link off the
government's domain is a 暗链: its registrable domain (tldextract, from the suffix list it
ships, never fetched) is not the page's, not under gov.cn, and not one the team allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from govaudit.content.model import Box, Evidence, Finding
from govaudit.i18n import _

# Runs in the page (Playwright's page.evaluate); returns one record per <a href>.
COLLECT_LINK_FACTS = r"""
() => {
  const MAX_LINKS = 5000;
  const doc = document.documentElement;
  const docWidth = Math.max(doc.scrollWidth, document.body ? document.body.scrollWidth : 0,
                            window.innerWidth);
  const docHeight = Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0,
                             window.innerHeight);
  const cssPath = (el) => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && e !== doc; e = e.parentElement) {
      let part = e.localName;
      if (e.id && /^[A-Za-z][\w-]*$/.test(e.id)) { parts.unshift(part + '#' + e.id); break; }
      const parent = e.parentElement;
      if (parent) {
        const index = Array.prototype.indexOf.call(parent.children, e) + 1;
        part += ':nth-child(' + index + ')';
      }
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  // Selectors of rules that reveal something on :hover/:focus, with those pseudo-classes
  // taken out: `.nav li:hover > ul` becomes `.nav li > ul`.
  const REVEALING = new RegExp('display|visibility|opacity|left|top|right|bottom|height|'
                               + 'width|transform|clip|position|text-indent|margin');
  const PSEUDO = /:(hover|focus-within|focus-visible|focus|active|target)/g;
  const reveal = [];
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.cssRules && !rule.selectorText) { walk(rule.cssRules); continue; }
      const sel = rule.selectorText;
      if (!sel || !/:(hover|focus|focus-within|focus-visible|active|target)/.test(sel)) continue;
      if (!REVEALING.test(rule.style ? rule.style.cssText : '')) continue;
      for (const one of sel.split(',')) {
        const plain = one.replace(PSEUDO, '').trim();
        if (plain) { try { document.querySelector(plain); reveal.push(plain); } catch (e) {} }
      }
    }
  };
  for (const sheet of document.styleSheets) {
    try { walk(sheet.cssRules); } catch (e) { /* a cross-origin sheet cannot be read */ }
  }
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') return '';
      const c = s.backgroundColor;
      if (c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const shown = (e) => {
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && parseFloat(s.opacity) > 0.1
      && r.width > 2 && r.height > 2;
  };
  const out = [];
  const links = Array.from(document.querySelectorAll('a[href], area[href]'));
  for (const a of links.slice(0, MAX_LINKS)) {
    const s = getComputedStyle(a);
    const r = a.getBoundingClientRect();
    let displayNone = false, opacity = 1, clipped = false, hider = null;
    for (let e = a; e && e.nodeType === 1; e = e.parentElement) {
      const es = getComputedStyle(e);
      if (es.display === 'none') { displayNone = true; hider = e; }
      opacity *= parseFloat(es.opacity);
      if (parseFloat(es.opacity) < 0.1 && !hider) hider = e;
      if (e !== a && es.overflow !== 'visible' && es.display !== 'contents') {
        const er = e.getBoundingClientRect();
        const w = Math.min(r.right, er.right) - Math.max(r.left, er.left);
        const h = Math.min(r.bottom, er.bottom) - Math.max(r.top, er.top);
        if ((w <= 0 || h <= 0) && !displayNone) { clipped = true; hider = hider || e; }
      }
      if (es.clip && /rect\(0(px)?,?\s+0(px)?,?\s+0(px)?,?\s+0(px)?\)/.test(es.clip)) {
        clipped = true; hider = hider || e;
      }
    }
    if (s.visibility === 'hidden' && !hider) {
      let top = a;
      while (top.parentElement && getComputedStyle(top.parentElement).visibility === 'hidden') {
        top = top.parentElement;
      }
      hider = top;
    }
    const x = r.left + window.scrollX, y = r.top + window.scrollY;
    const outside = (px, py, w, h) => px + w <= 0 || py + h <= 0 || px >= docWidth
      || py >= docHeight;
    const offscreen = !displayNone && outside(x, y, r.width, r.height);
    if (offscreen && !hider) {
      let top = a;
      for (let e = a.parentElement; e && e !== document.body; e = e.parentElement) {
        const er = e.getBoundingClientRect();
        const ex = er.left + window.scrollX, ey = er.top + window.scrollY;
        if (outside(ex, ey, er.width, er.height)) top = e;
      }
      hider = top;
    }
    const marquee = a.closest('marquee');
    const mr = marquee ? marquee.getBoundingClientRect() : null;
    let revealed = false, slide = false, menu = false;
    if (hider) {
      for (let e = hider; e && !revealed; e = e.parentElement) {
        revealed = reveal.some((sel) => {
          try { return e.matches(sel); } catch (err) { return false; }
        });
      }
      const parent = hider.parentElement;
      if (parent) {
        const classes = new Set(Array.from(hider.classList));
        slide = classes.size > 0 && Array.from(parent.children).some((sib) => sib !== hider
          && sib.localName === hider.localName
          && Array.from(sib.classList).some((c) => classes.has(c)) && shown(sib));
        const navish = hider.closest('nav, [class*=nav], [class*=menu], [id*=nav], [id*=menu]');
        menu = !!navish && navish !== hider && Array.from(parent.querySelectorAll('a, span')).some(
          (t) => !hider.contains(t) && shown(t));
      }
    }
    out.push({
      href: a.href, text: (a.textContent || '').trim().slice(0, 200), path: cssPath(a),
      x, y, width: r.width, height: r.height,
      displayNone, visibility: s.visibility, opacity,
      fontSize: parseFloat(s.fontSize), color: s.color, background: background(a),
      textIndent: parseFloat(s.textIndent) || 0, offscreen, clipped,
      marquee: mr ? [mr.width, mr.height] : null,
      hider: hider ? cssPath(hider) : '', revealed, slide, menu,
    });
  }
  return out;
}
"""

DISPLAY_NONE = "display:none"
VISIBILITY = "visibility:hidden"
OPACITY = "opacity"
OFF_SCREEN = "off-screen"
TINY = "tiny box"
FONT = "font-size"
COLOUR = "colour of the background"
MARQUEE = "tiny marquee"
CLIPPED = "clipped by an ancestor"
INDENT = "text-indent"


@dataclass(frozen=True)
class LinkFacts:
    """What the browser computed for one link (the record COLLECT_LINK_FACTS returns)."""

    url: str
    text: str
    path: str
    box: Box
    display_none: bool = False
    visibility: str = "visible"
    opacity: float = 1.0
    font_size: float = 16.0
    color: str = ""
    background: str = ""  # "" when a background image makes it unknown
    text_indent: float = 0.0
    offscreen: bool = False
    clipped: bool = False
    marquee: tuple[float, float] | None = None  # the marquee's width and height
    hider: str = ""  # the path of the element that hides it
    revealed: bool = False  # a :hover/:focus rule reveals the hider or an ancestor of it
    slide: bool = False  # the hider has a visible sibling of its kind
    menu: bool = False  # the hider hangs from a navigation item with a visible link

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> LinkFacts:
        marquee = record.get("marquee")
        return cls(
            str(record.get("href") or ""), str(record.get("text") or ""),
            str(record.get("path") or ""),
            Box(*(float(record.get(k) or 0) for k in ("x", "y", "width", "height"))),
            bool(record.get("displayNone")), str(record.get("visibility") or "visible"),
            float(record.get("opacity", 1.0)), float(record.get("fontSize") or 0),
            str(record.get("color") or ""), str(record.get("background") or ""),
            float(record.get("textIndent") or 0), bool(record.get("offscreen")),
            bool(record.get("clipped")),
            (float(marquee[0]), float(marquee[1])) if marquee else None,
            str(record.get("hider") or ""), bool(record.get("revealed")),
            bool(record.get("slide")), bool(record.get("menu")))


@dataclass(frozen=True)
class HiddenLink(Finding):
    check: ClassVar[str] = "hidden-links"
    url: str
    text: str
    hiding: tuple[str, ...]
    domain: str

    @property
    def reason(self) -> str:
        return _("hidden link to {domain} ({listed}): {url}").format(
            domain=self.domain, listed=', '.join(self.hiding), url=self.url)


def hiding(facts: LinkFacts) -> tuple[str, ...]:
    """The techniques that keep a reader from seeing the link."""
    found = []
    if facts.display_none:
        found.append(DISPLAY_NONE)
    if facts.visibility in ("hidden", "collapse"):
        found.append(VISIBILITY)
    if facts.opacity < 0.1:
        found.append(OPACITY)
    if facts.offscreen:
        found.append(OFF_SCREEN)
    if facts.clipped:
        found.append(CLIPPED)
    if facts.text_indent <= -500:
        found.append(INDENT)
    if not facts.display_none:
        if facts.box.width * facts.box.height < 4 and facts.text:
            found.append(TINY)
        if facts.font_size < 2 and facts.text:
            found.append(FONT)
        if facts.marquee is not None and min(facts.marquee) < 5:
            found.append(MARQUEE)
        if facts.text and facts.background and contrast(facts.color, facts.background) < 1.25:
            found.append(COLOUR)
    return tuple(found)


def benign(facts: LinkFacts) -> str:
    """Why a hidden link is one a reader reaches after all; "" when nothing says so."""
    if facts.revealed:
        return "revealed on hover or focus"
    if facts.slide:
        return "a slide or tab panel beside a visible one"
    if facts.menu:
        return "a menu under a visible navigation item"
    return ""


_RGB = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+%?))?\s*\)")


def contrast(color: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (21 when one is not readable)."""
    a, b = _RGB.match(color.strip()), _RGB.match(background.strip())
    if not a or not b:
        return 21.0
    alpha = a.group(4)
    if alpha is not None and not alpha.endswith("%") and float(alpha) < 0.1:
        return 1.0  # transparent text

    def luminance(m: re.Match[str]) -> float:
        out = []
        for value in m.groups()[:3]:
            c = float(value) / 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@cache
def _extractor() -> Any:
    import tldextract

    # the suffix list bundled with tldextract: no fetch, no cache directory
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(url_or_host: str) -> str:
    """beijing.gov.cn for http://www.beijing.gov.cn/x; the host itself for an IP or a name
    without a public suffix (localhost)."""
    parts = _extractor()(url_or_host)
    return str(parts.top_domain_under_public_suffix or parts.domain)


def host_of(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_government(host: str, allowed: Iterable[str] = ()) -> bool:
    """A host under gov.cn, or under one of the domains a team allows."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in ("gov.cn", *allowed))


def off_domain(url: str, page_url: str, allowed: Iterable[str] = ()) -> bool:
    """Whether a link leaves the page's registrable domain and the government's domains."""
    host = host_of(url)
    if not host or not url.startswith(("http://", "https://", "//")):
        return False
    if registrable_domain(host) == registrable_domain(host_of(page_url)):
        return False
    return not is_government(host, allowed)


def classify(facts: LinkFacts, page_url: str, allowed: Iterable[str] = ()
             ) -> HiddenLink | None:
    """A finding when the link is hidden, nothing shows a reader reaches it, and it leads off
    the government's domain."""
    techniques = hiding(facts)
    if not techniques or benign(facts) or not off_domain(facts.url, page_url, allowed):
        return None
    evidence = Evidence(page_url, facts.path, "", facts.text, "", None, facts.box)
    return HiddenLink(evidence, facts.url, facts.text, techniques,
                      registrable_domain(host_of(facts.url)))


def hidden_links(records: Iterable[Mapping[str, Any]], page_url: str,
                 allowed: Iterable[str] = ()) -> list[HiddenLink]:
    """The findings among the records COLLECT_LINK_FACTS returned for a page."""
    allowed = tuple(allowed)
    out = []
    for record in records:
        found = classify(LinkFacts.from_record(record), page_url, allowed)
        if found is not None:
            out.append(found)
    return out
