"""Page metadata of 《政府网站发展指引》 (国办发〔2017〕47号): meta tags by page type, and the
网站标识码 and 党政机关 badge on every page.

The tags and the published ColumnType values are the 指引's 网页标签 tables (网站标签 on every
page; 栏目标签 on column pages; 内容页面标签 on article pages), as reproduced in
"政府网页设计规范(部分)", blog.csdn.net/weixin_42023088/article/details/133034899. That copy
writes two ColumnType values 依法申请公开 and 数据开发, where the 指引's own vocabulary is
依申请公开 and 数据开放: both spellings are accepted. The list ends with "……" in the 指引: a
value outside it is reported as unlisted, for the evaluator to judge, not as wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.i18n import _
from govaudit.probes.html import normalise_text
from govaudit.probes.marks import SITE_CODE, site_code_format

PageType = Literal["home", "column", "article"]
SITE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode")
COLUMN_TAGS = ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
ARTICLE_TAGS = ("ArticleTitle", "PubDate", "ContentSource")
ARTICLE_OPTIONAL = ("Keywords", "Author", "Description", "Image", "Url")
REQUIRED: dict[str, tuple[str, ...]] = {
    "home": SITE_TAGS, "column": SITE_TAGS + COLUMN_TAGS, "article": SITE_TAGS + ARTICLE_TAGS}
COLUMN_TYPES = (
    "首页", "概况信息", "机构职能", "负责人信息", "工作动态", "政策文件", "信息公开指南",
    "信息公开目录", "信息公开年报", "依申请公开", "依法申请公开", "数据发布", "数据开放",
    "数据开发", "政策解读", "回应关切", "办事服务", "咨询投诉", "征集调查", "在线访谈")
# PubDate: "YYYY-MM-DD HH:MM" in the 指引; separators and seconds vary in the field.
_PUBDATE = re.compile(r"(\d{4})\s*[-/.年—]+\s*(\d{1,2})\s*[-/.月—]+\s*(\d{1,2})\s*日?"
                      r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?")


@dataclass(frozen=True)
class MetaTag:
    name: str  # as required ("SiteIDCode")
    written: str  # as the page writes it ("siteidcode")
    value: str
    evidence: Evidence


@dataclass(frozen=True)
class MetadataFinding:
    page_url: str
    page_type: str
    tags: tuple[MetaTag, ...]  # the required and optional tags found, first of each name
    missing: tuple[str, ...]  # required tags absent
    empty: tuple[str, ...]  # required tags present with no value
    problems: tuple[str, ...]  # values that disagree with the page or the rules

    @property
    def passed(self) -> bool:
        return not (self.missing or self.empty or self.problems)

    def value(self, name: str) -> str | None:
        return next((t.value for t in self.tags if t.name == name), None)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(t.evidence for t in self.tags)


def read_meta(html: str) -> dict[str, tuple[str, str, int]]:
    """Every `<meta name=… content=…>`: lower-cased name -> (name as written, content, count)."""
    found: dict[str, tuple[str, str, int]] = {}
    for meta in LexborHTMLParser(html).css("meta[name]"):
        written = (meta.attributes.get("name") or "").strip()
        key = written.lower()
        if key in found:
            first = found[key]
            found[key] = (first[0], first[1], first[2] + 1)
        else:
            found[key] = (written, (meta.attributes.get("content") or "").strip(), 1)
    return found


def parse_pubdate(value: str) -> datetime | None:
    match = _PUBDATE.search(value)
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def check_metadata(html: str, page_url: str, page_type: PageType, *,
                   footer_site_code: str | None = None,
                   list_date: date | None = None) -> MetadataFinding:
    """The meta tags `page_type` requires, and their values against the page: SiteIDCode well
    formed and equal to the footer's 网站标识码 (when given), SiteDomain the page's host,
    PubDate a date equal to the column list's date (when given), ColumnType a published value."""
    if page_type not in REQUIRED:
        raise ValueError(f"unknown page type {page_type!r}: use home, column or article")
    meta = read_meta(html)
    wanted = REQUIRED[page_type] + (ARTICLE_OPTIONAL if page_type == "article" else ())
    tags = []
    for name in wanted:
        if name.lower() in meta:
            written, value, _where = meta[name.lower()]
            tags.append(MetaTag(name, written, value,
                                Evidence(page_url, f'meta[name="{written}"]', None, value)))
    have = {t.name: t.value for t in tags}
    missing = tuple(n for n in REQUIRED[page_type] if n not in have)
    empty = tuple(n for n in REQUIRED[page_type] if n in have and not have[n])
    problems = []
    for name in REQUIRED[page_type]:
        if name.lower() in meta and meta[name.lower()][2] > 1:
            problems.append(_("{name} is written {meta} times").format(
                name=name, meta=meta[name.lower()][2]))
    code = have.get("SiteIDCode")
    if code:
        if site_code_format(code) is None:
            problems.append(_(
                "SiteIDCode {code!r} is not 10 digits (local site) nor bm and 8 digits "
                "(ministry)").format(
                code=code))
        if footer_site_code and code.lower() != footer_site_code.strip().lower():
            problems.append(_(
                "SiteIDCode {code} differs from the footer's 网站标识码 {strip}").format(
                code=code, strip=footer_site_code.strip()))
    domain = have.get("SiteDomain")
    host = (urlsplit(page_url).hostname or "").lower()
    if domain and host and _host_of(domain) != host:
        problems.append(_("SiteDomain {domain} is not the page's host {host}").format(
            domain=domain, host=host))
    column_type = have.get("ColumnType")
    if column_type and column_type not in COLUMN_TYPES:
        problems.append(_(
            "ColumnType {column_type!r} is not among the 指引's published values").format(
            column_type=column_type))
    pubdate = have.get("PubDate")
    if pubdate:
        when = parse_pubdate(pubdate)
        if when is None:
            problems.append(_("PubDate {pubdate!r} is not a date (YYYY-MM-DD HH:MM)").format(
                pubdate=pubdate))
        elif list_date and when.date() != list_date:
            problems.append(_("PubDate {date} differs from the list's date {list_date}").format(
                date=when.date(), list_date=list_date))
    return MetadataFinding(page_url, page_type, tuple(tags), missing, empty, tuple(problems))


def _host_of(domain: str) -> str:
    domain = domain.strip().lower()
    return (urlsplit(domain).hostname or "") if "//" in domain else domain.split("/")[0]


@dataclass(frozen=True)
class PageMarksFinding:
    """The 网站标识码 and the 党政机关 badge on one page (inner pages included)."""

    page_url: str
    site_code: str | None  # the code the footer shows
    expected_site_code: str | None
    conac: bool  # the 党政机关 badge is on the page
    evidence: tuple[Evidence, ...]

    @property
    def site_code_ok(self) -> bool:
        if self.site_code is None or site_code_format(self.site_code) is None:
            return False
        return self.expected_site_code is None or \
            self.site_code.lower() == self.expected_site_code.strip().lower()

    @property
    def passed(self) -> bool:
        return self.site_code_ok and self.conac


def check_page_marks(page_url: str, footer_text: str, has_conac_badge: bool,
                     expected_site_code: str | None = None) -> PageMarksFinding:
    """The footer text's 网站标识码 (the probes' own rule for reading it) and the badge."""
    match = SITE_CODE.search(normalise_text(footer_text))
    code = match.group(1) if match else None
    return PageMarksFinding(page_url, code, expected_site_code, has_conac_badge,
                            (Evidence(page_url, "footer", None, code or ""),))
