"""标识规范: the marks a government site must show, with the values found.

Each mark is looked for in the footer first, then anywhere on the page. Labels
and values may be separated by nothing, a colon (half- or full-width), spaces
or line breaks, and labels may be split across tags.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from govaudit.probes.html import Document, collapse, element_text, label_pattern

# Province abbreviations used in filing numbers (蜀/黔/滇/陇 as well as 川/贵/云/甘).
_PROVINCES = "京津沪渝冀豫云滇辽黑湘皖鲁新苏浙赣鄂桂甘陇晋蒙陕吉闽贵黔粤青藏川蜀宁琼"
_SEP = r"\s*[:：]?\s*"

SITE_CODE = re.compile(
    rf"(?:{label_pattern('网站标识码')}|{label_pattern('网站识别码')}|{label_pattern('标识码')})"
    rf"{_SEP}(?<![0-9A-Za-z])([Bb][Mm]\d{{8}}|\d{{10}})(?![0-9A-Za-z])")
ICP = re.compile(
    rf"([{_PROVINCES}])\s*ICP\s*备\s*案?\s*(\d{{6,10}})\s*号?"
    r"(?:\s*[-－—–]\s*(\d{1,3})(?!\d))?", re.I)
POLICE = re.compile(
    rf"([{_PROVINCES}])\s*{label_pattern('公网安备')}\s*[:：]?\s*(\d{{10,16}})(?!\d)\s*号?")

# A value ends at whitespace, punctuation, or the next footer label.
_UNIT_VALUE = r"([^\s|｜,，;；。:：/、<>\[\]【】\"'“”]{2,60})"
_NEXT_LABEL = re.compile(
    rf"[{_PROVINCES}]?ICP|[{_PROVINCES}]?公网安备|主办|承办|协办|网站标识码|网站识别码|"
    r"联系|地址|电话|邮编|邮箱|传真|技术支持|版权|copyright|©|运维|维护|备案|建议使用", re.I)
SPONSOR = re.compile(
    rf"(?:{label_pattern('网站主办单位')}|{label_pattern('主办单位')}|主\s*办\s*[:：])"
    rf"{_SEP}{_UNIT_VALUE}")
ORGANIZER = re.compile(
    rf"(?:{label_pattern('网站承办单位')}|{label_pattern('承办单位')}|承\s*办\s*[:：])"
    rf"{_SEP}{_UNIT_VALUE}")
SITEMAP_TEXT = re.compile(
    rf"{label_pattern('网站地图')}|{label_pattern('站点地图')}|sitemap|site\s*map", re.I)
SITEMAP_HREF = re.compile(r"sitemap|wzdt|site_?map", re.I)


def find_marks(doc: Document) -> dict[str, Any]:
    """The marks found on one page: values, or None / False where absent."""
    found: dict[str, Any] = {"site_code": None, "icp": None, "police": None, "conac": False,
                             "conac_url": None, "sponsor": None, "organizer": None,
                             "sitemap": None, "where": {}}
    finders = {
        "site_code": lambda text: _first(SITE_CODE, text, lambda m: m.group(1)),
        "icp": lambda text: _first(ICP, text, _icp_value),
        "police": lambda text: _first(POLICE, text,
                                      lambda m: f"{m.group(1)}公网安备 {m.group(2)}号"),
        "sponsor": lambda text: _first(SPONSOR, text, _unit_value),
        "organizer": lambda text: _first(ORGANIZER, text, _unit_value),
    }
    for key, finder in finders.items():
        for where, text in (("footer", doc.footer_text), ("page", doc.text)):
            value = finder(text) if text else None
            if value:
                found[key] = value
                found["where"][key] = where
                break
    conac = _conac_url(doc)
    if conac:
        found["conac"] = True
        found["conac_url"] = conac
    sitemap = _sitemap(doc)
    if sitemap:
        found["sitemap"] = sitemap
    return found


def _first(pattern: re.Pattern[str], text: str, value) -> str | None:
    for match in pattern.finditer(text):
        result = value(match)
        if result:
            return result
    return None


def _icp_value(match: re.Match[str]) -> str:
    suffix = f"-{match.group(3)}" if match.group(3) else ""
    return f"{match.group(1)}ICP备{match.group(2)}号{suffix}"


def _unit_value(match: re.Match[str]) -> str | None:
    value = match.group(1)
    cut = _NEXT_LABEL.search(value)
    if cut:
        value = value[:cut.start()]
    value = value.strip("-—_·•.")
    return value if len(value) >= 2 else None


_CONAC_IN_SCRIPT = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]*conac\.cn[^\s'\"<>%]*", re.I)


def _conac_url(doc: Document) -> str | None:
    """The link, image or script of the 党政机关网站 badge (the conac.cn registry).

    The badge is often written by an inline script (`document.write(unescape(…))`
    naming dcs.conac.cn), so inline scripts are searched too.
    """
    for el in doc.root.iter("a", "img", "script", "iframe"):
        for attr in ("href", "src"):
            url = doc.absolute(el.get(attr) or "")
            if url and _is_conac(url):
                return url
        if el.tag == "script" and el.text:
            script = unquote(el.text)
            match = _CONAC_IN_SCRIPT.search(script)
            if match:
                return doc.absolute(match.group())
    return None


def _is_conac(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "conac.cn" or host.endswith(".conac.cn")


def _sitemap(doc: Document) -> str | None:
    by_href: str | None = None
    for a, href in doc.links():
        text = element_text(a)
        if SITEMAP_TEXT.search(collapse(text)):
            return href
        if by_href is None and SITEMAP_HREF.search(a.get("href", "")):
            by_href = href
    return by_href
