"""标识规范: the marks a government site must show, with the values found.

Each mark is looked for in the footer first, then anywhere on the page, then
in `<noscript>` content (which shows only without scripts: such a mark counts,
and its record says so). Labels and values may be separated by nothing, a
colon (half- or full-width), spaces, line breaks or an element boundary, and
labels may be split across tags. The unit may also stand before its label
(`某市人民政府主办`). Every mark found gets a record in `details`: its value,
where it was found (`footer` or `page`), how (`text`, `meta`, `link`, `image`,
`script`, `iframe`), whether inside `<noscript>`, and the source of the HTML
(`static`: the page as fetched).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from govaudit.i18n import _
from govaudit.probes.html import Document, Element, attr, collapse, element_text, label_pattern

# Province abbreviations used in filing numbers (蜀/黔/滇/陇 as well as 川/贵/云/甘).
_PROVINCES = "京津沪渝冀豫云滇辽黑湘皖鲁新苏浙赣鄂桂甘陇晋蒙陕吉闽贵黔粤青藏川蜀宁琼"
_SEP = r"\s*[:：]?\s*"

SITE_CODE = re.compile(
    rf"(?:{label_pattern('网站标识码')}|{label_pattern('网站识别码')}|{label_pattern('标识码')})"
    rf"{_SEP}(?<![0-9A-Za-z])([A-Za-z]{{0,4}}\d[0-9A-Za-z]{{3,19}})(?![0-9A-Za-z])")
# 10 digits for local sites; "bm" and 8 digits for ministries (the State Council's rules).
SITE_CODE_FORMATS = {"local": re.compile(r"\d{10}"), "ministry": re.compile(r"bm\d{8}", re.I)}
ICP = re.compile(
    rf"([{_PROVINCES}])\s*ICP\s*备\s*案?\s*号?{_SEP}(\d{{6,10}})\s*号?"
    r"(?:\s*[-－—–]\s*(\d{1,3})(?!\d))?", re.I)
POLICE = re.compile(
    rf"(?:([{_PROVINCES}])\s*{label_pattern('公网安备')}|"
    rf"(?:{label_pattern('公安机关备案')}|{label_pattern('公安备案')}|"
    rf"{label_pattern('公网安备案')})\s*号?)"
    rf"{_SEP}(\d{{10,16}})(?!\d)\s*号?")

# A value ends at whitespace, punctuation, or the next footer label.
_UNIT_CHARS = r"[^\s|｜,，;；。:：/、<>\[\]【】\"'“”]"
_UNIT_VALUE = rf"({_UNIT_CHARS}{{2,60}})"
_NEXT_LABEL = re.compile(
    rf"[{_PROVINCES}]?ICP|[{_PROVINCES}]?公网安备|主办|承办|协办|网站标识码|网站识别码|"
    r"联系|地址|电话|邮编|邮箱|传真|技术支持|版权|copyright|©|运维|维护|备案|建议使用", re.I)
# What may stand before a unit written ahead of its label ("版权所有©2026 某市人民政府主办").
_LEAD = re.compile(r".*(?:版权所有|版权|copyright|©|\(c\)|\d{4}(?:-\d{4})?年?)", re.I)


def _unit_label(*labels: str) -> str:
    return "|".join(label_pattern(label) for label in labels)


SPONSOR = re.compile(
    rf"(?:{_unit_label('网站主办单位', '主办单位')}|主\s*办\s*[:：]){_SEP}{_UNIT_VALUE}")
ORGANIZER = re.compile(
    rf"(?:{_unit_label('网站承办单位', '承办单位')}|承\s*办\s*[:：]){_SEP}{_UNIT_VALUE}")
# The unit before the label: "某市人民政府主办", "某市大数据中心 承办".
SPONSOR_BEFORE = re.compile(
    rf"(?<!{_UNIT_CHARS})({_UNIT_CHARS}{{2,60}}?)\s*主\s*办(?!\s*单\s*位)(?!\s*[:：])")
ORGANIZER_BEFORE = re.compile(
    rf"(?<!{_UNIT_CHARS})({_UNIT_CHARS}{{2,60}}?)\s*承\s*办(?!\s*单\s*位)(?!\s*[:：])")
SITEMAP_TEXT = re.compile(
    rf"{label_pattern('网站地图')}|{label_pattern('站点地图')}|sitemap|site\s*map", re.I)
SITEMAP_HREF = re.compile(r"sitemap|wzdt|site_?map", re.I)

Finder = Callable[[str], str | None]


def site_code_format(value: str) -> str | None:
    """"local" (10 digits), "ministry" (bm and 8 digits), or None for a malformed code."""
    for name, pattern in SITE_CODE_FORMATS.items():
        if pattern.fullmatch(value):
            return name
    return None


def find_marks(doc: Document, source: str = "static") -> dict[str, Any]:
    """The marks found on one page: values, or None / False where absent.

    `source` names the HTML that `doc` was parsed from ("static": as fetched);
    it is written into every mark's record.
    """
    found: dict[str, Any] = {"site_code": None, "icp": None, "police": None, "conac": False,
                             "conac_url": None, "sponsor": None, "organizer": None,
                             "sitemap": None, "where": {}, "details": {}, "source": source}
    views = (("footer", False, doc.footer_text), ("page", False, doc.text),
             ("footer", True, doc.noscript_footer_text), ("page", True, doc.noscript_text))

    def record(key: str, value: str, where: str, how: str, noscript: bool = False,
               **more: Any) -> None:
        found[key] = value
        found["where"][key] = where
        found["details"][key] = {"value": value, "where": where, "found_as": how,
                                 "noscript": noscript, "source": source, **more}

    finders: dict[str, list[Finder]] = {
        "icp": [lambda text: _first(ICP, text, _icp_value)],
        "police": [lambda text: _first(POLICE, text, _police_value)],
        "sponsor": [lambda text: _first(SPONSOR, text, _unit_value),
                    lambda text: _first(SPONSOR_BEFORE, text, _unit_before_value)],
        "organizer": [lambda text: _first(ORGANIZER, text, _unit_value),
                      lambda text: _first(ORGANIZER_BEFORE, text, _unit_before_value)],
    }
    for key, ways in finders.items():
        hit = next(((value, where, noscript) for finder in ways
                    for where, noscript, text in views
                    if text and (value := finder(text))), None)
        if hit:
            record(key, hit[0], hit[1], "text", hit[2])
    _site_code(doc, views, record)
    conac = _conac(doc)
    if conac:
        url, el, how = conac
        record("conac", url, _where(doc, el), how, doc.in_noscript(el))
        found["conac"] = True
        found["conac_url"] = url
    sitemap = _sitemap(doc)
    if sitemap:
        url, el = sitemap
        record("sitemap", url, _where(doc, el), "link", doc.in_noscript(el))
    return found


def _where(doc: Document, el: Element) -> str:
    return "footer" if doc.in_footer(el) else "page"


def _site_code(doc: Document, views: tuple[tuple[str, bool, str], ...],
               record: Callable[..., None]) -> None:
    """The first well-formed 网站标识码 (text, then <meta name=SiteIDCode>), else a malformed
    one."""
    malformed: tuple[str, str, str, bool] | None = None
    candidates: list[tuple[str, str, str, bool]] = []
    for where, noscript, text in views[:2]:
        candidates += [(m.group(1), where, "text", noscript) for m in SITE_CODE.finditer(text)]
    meta = doc.meta("SiteIDCode")
    if meta:
        candidates.append((meta, "page", "meta", False))
    for where, noscript, text in views[2:]:
        candidates += [(m.group(1), where, "text", noscript) for m in SITE_CODE.finditer(text)]
    for value, where, how, noscript in candidates:
        kind = site_code_format(value)
        if kind:
            value = value.lower() if kind == "ministry" else value
            record("site_code", value, where, how, noscript, valid=True, format=kind)
            return
        malformed = malformed or (value, where, how, noscript)
    if malformed:
        value, where, how, noscript = malformed
        record("site_code", value, where, how, noscript, valid=False, format=None,
               problem="not 10 digits (local site) nor bm and 8 digits (ministry)")


def _first(pattern: re.Pattern[str], text: str,
           value: Callable[[re.Match[str]], str | None]) -> str | None:
    for match in pattern.finditer(text):
        result = value(match)
        if result:
            return result
    return None


def _icp_value(match: re.Match[str]) -> str:
    suffix = f"-{match.group(3)}" if match.group(3) else ""
    return f"{match.group(1)}ICP备{match.group(2)}号{suffix}"


def _police_value(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)}公网安备 {match.group(2)}号"
    return f"公安机关备案号 {match.group(2)}"


def _unit_value(match: re.Match[str]) -> str | None:
    value = match.group(1)
    cut = _NEXT_LABEL.search(value)
    if cut:
        value = value[:cut.start()]
    value = value.strip("-—_·•.")
    return value if len(value) >= 2 else None


def _unit_before_value(match: re.Match[str]) -> str | None:
    value = _LEAD.sub("", match.group(1)).strip("-—_·•.")
    if len(value) < 2 or _NEXT_LABEL.search(value):
        return None
    return value


_CONAC_IN_SCRIPT = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]*conac\.cn[^\s'\"<>%]*", re.I)


def _conac(doc: Document) -> tuple[str, Element, str] | None:
    """(URL, element, how) of the 党政机关网站 badge (the conac.cn registry).

    The badge is a link or image, or is written by a script: one loaded from
    dcs.conac.cn (`<script src="//dcs.conac.cn/js/…">`), or an inline one
    (`document.write(unescape(…))` naming dcs.conac.cn), so inline scripts are
    searched too.
    """
    for el in doc.elements("a", "img", "script", "iframe"):
        tag = el.tag or ""  # an element matched by its tag name has one
        for name in ("href", "src"):
            raw = attr(el, name)
            url = doc.absolute(raw) if "conac" in raw.lower() else ""
            if url and _is_conac(url):
                how = {"a": "link", "img": "image"}.get(tag, tag)
                if tag == "a" and el.css_first("img") is not None:
                    how = _("image link")
                return url, el, how
        if tag == "script":
            match = _CONAC_IN_SCRIPT.search(unquote(el.text()))
            if match:
                return doc.absolute(match.group()), el, "script"
    return None


def _is_conac(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "conac.cn" or host.endswith(".conac.cn")


def _sitemap(doc: Document) -> tuple[str, Element] | None:
    by_href: tuple[str, Element] | None = None
    for a, href in doc.links():
        text = element_text(a)
        if SITEMAP_TEXT.search(collapse(text)):
            return href, a
        if by_href is None and SITEMAP_HREF.search(attr(a, "href")):
            by_href = href, a
    return by_href
