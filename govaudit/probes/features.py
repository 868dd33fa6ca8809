"""Presence hints for site features, each with the element or link that matched.

A hint is a lead for the evaluator, not proof: menus built by scripts are not
in the HTML, so a feature that is not found is reported as not found, never
as absent.
"""

from __future__ import annotations

import re
from typing import Any

from govaudit.probes.html import Document, attr, collapse, element_text, snippet

FEATURE_TEXT: dict[str, re.Pattern[str]] = {
    "search": re.compile(r"搜索|检索|站内搜|全文检索|search", re.I),
    "login": re.compile(r"登\s*录|登\s*陆|注\s*册|sign\s*in|log\s*in|register", re.I),
    "disclosure_request": re.compile(r"依\s*申\s*请\s*公\s*开"),
    "gov_info": re.compile(r"政\s*府\s*信\s*息\s*公\s*开"),
    "interpretation": re.compile(r"政\s*策\s*解\s*读"),
    "interaction": re.compile(
        r"互动交流|政民互动|互动平台|留言|咨询投诉|领导信箱|市长信箱|县长信箱|区长信箱|书记信箱|"
        r"我要写信|在线咨询|网上信访|12345热线|12345平台"),
    "accessibility": re.compile(
        r"无障碍|长者模式|关怀版|关怀模式|适老|老年模式|读屏|大字版|长辈版"),
}
FEATURE_HREF: dict[str, re.Pattern[str]] = {
    "search": re.compile(r"search|sousuo|jsearch|/so/", re.I),
    "login": re.compile(r"login|register|passport|/sso/|signin", re.I),
    "accessibility": re.compile(r"wza|barrier|accessib", re.I),
}
FEATURES = tuple(FEATURE_TEXT)
_SEARCH_INPUT_NAMES = {"q", "query", "keyword", "keywords", "searchword", "searchwords", "wd",
                       "kw", "key", "word", "words", "search", "searchkey", "qt", "sw"}


def find_features(doc: Document) -> dict[str, dict[str, Any]]:
    """{feature: {"found": bool, "match": what matched or None}} for every feature."""
    out: dict[str, dict[str, Any]] = {}
    for name in FEATURES:
        match = _search_form(doc) if name == "search" else None
        match = match or _link(doc, name) or _control(doc, name) or _text(doc, name)
        out[name] = {"found": match is not None, "match": match}
    return out


def _search_form(doc: Document) -> str | None:
    for form in doc.elements("form"):
        action = attr(form, "action")
        for field in form.css("input"):
            kind = (attr(field, "type") or "text").lower()
            name = (attr(field, "name") or attr(field, "id")).lower()
            hint = f"{attr(field, 'placeholder')} {attr(field, 'title')}"
            if kind == "search" or name in _SEARCH_INPUT_NAMES or \
                    FEATURE_TEXT["search"].search(hint) or \
                    (kind == "text" and FEATURE_HREF["search"].search(action)):
                return (f'<form action="{action}"> <input type="{kind}" '
                        f'name="{attr(field, "name")}">')
    return None


def _link(doc: Document, name: str) -> str | None:
    text_pattern = FEATURE_TEXT[name]
    href_pattern = FEATURE_HREF.get(name)
    by_href: str | None = None
    for a, href in doc.links():
        text = element_text(a)
        if text and text_pattern.search(text):
            return f"link 「{text}」 → {href}"
        if by_href is None and href_pattern and href_pattern.search(attr(a, "href")):
            by_href = f"link 「{text}」 → {href}"
    return by_href


def _control(doc: Document, name: str) -> str | None:
    pattern = FEATURE_TEXT[name]
    for el in doc.elements("button", "input"):
        label = collapse(el.text() if el.tag == "button" else
                         f"{attr(el, 'value')} {attr(el, 'placeholder')}")
        if label and pattern.search(label):
            return f"<{el.tag}> 「{label[:60]}」"
    return None


def _text(doc: Document, name: str) -> str | None:
    match = FEATURE_TEXT[name].search(doc.text)
    if match is None:
        return None
    return f"text 「{snippet(doc.text, match.start(), match.end(), 12)}」"
