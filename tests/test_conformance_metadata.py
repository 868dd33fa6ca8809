"""Meta tags of the 指引 by page type, the 网站标识码 and badge on inner pages, domain names."""

from __future__ import annotations

import datetime

import pytest

from govaudit.conformance.domain import check_domain
from govaudit.conformance.metadata import check_metadata, check_page_marks, parse_pubdate

SITE = ('<meta name="SiteName" content="测试市人民政府"><meta name="SiteDomain" '
        'content="www.test.gov.cn"><meta name="SiteIDCode" content="5101000001">')
COLUMN = ('<meta name="ColumnName" content="通知公告"><meta name="ColumnDescription" '
          'content="发布通知公告"><meta name="ColumnKeywords" content="通知,公告">'
          '<meta name="ColumnType" content="工作动态">')
ARTICLE = ('<meta name="ArticleTitle" content="关于开展检查的通知">'
           '<meta name="PubDate" content="2026-03-05 09:30"><meta name="ContentSource" '
           'content="市政府办公室"><meta name="Author" content="张三">')
URL = "https://www.test.gov.cn/tzgg/202603/t20260305_1.html"


def test_each_page_type_requires_its_tags():
    assert check_metadata(SITE, URL, "home").passed
    column = check_metadata(SITE, URL, "column")
    assert column.missing == ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType")
    assert check_metadata(SITE + COLUMN, URL, "column").passed
    article = check_metadata(SITE + ARTICLE, URL, "article")
    assert article.passed and article.value("Author") == "张三"
    assert article.evidence[0].selector == 'meta[name="SiteName"]'
    bare = check_metadata("<title>x</title>", URL, "article")
    assert bare.missing == ("SiteName", "SiteDomain", "SiteIDCode", "ArticleTitle", "PubDate",
                            "ContentSource")
    with pytest.raises(ValueError, match="home, column or article"):
        check_metadata(SITE, URL, "list")  # type: ignore[arg-type]


def test_values_against_the_page():
    found = check_metadata(SITE + ARTICLE, URL, "article", footer_site_code="5101000002",
                           list_date=datetime.date(2026, 3, 6))
    assert found.problems == (
        "SiteIDCode 5101000001 differs from the footer's 网站标识码 5101000002",
        "PubDate 2026-03-05 differs from the list's date 2026-03-06")
    agreeing = check_metadata(SITE + ARTICLE, URL, "article", footer_site_code="5101000001",
                              list_date=datetime.date(2026, 3, 5))
    assert agreeing.passed
    odd = SITE.replace("5101000001", "51010").replace("www.test.gov.cn", "www.other.gov.cn")
    odd += COLUMN.replace("工作动态", "新闻中心")
    problems = check_metadata(odd, URL, "column").problems
    assert any("not 10 digits" in p for p in problems)
    assert any("is not the page's host www.test.gov.cn" in p for p in problems)
    assert any("'新闻中心' is not among the 指引's published values" in p for p in problems)
    empty = check_metadata(SITE.replace('content="测试市人民政府"', 'content=""'), URL, "home")
    assert empty.empty == ("SiteName",) and not empty.passed
    twice = check_metadata(SITE + '<meta name="siteidcode" content="5101000001">', URL, "home")
    assert twice.problems == ("SiteIDCode is written 2 times",)
    ministry = SITE.replace("5101000001", "bm01000001")
    assert check_metadata(ministry, URL, "home").passed


def test_pubdate_shapes():
    assert parse_pubdate("2026-03-05 09:30") == datetime.datetime(2026, 3, 5, 9, 30)
    assert parse_pubdate("2026年3月5日") == datetime.datetime(2026, 3, 5)
    assert parse_pubdate("2026/03/05 09:30:15") == datetime.datetime(2026, 3, 5, 9, 30, 15)
    assert parse_pubdate("2026——03——05 21:37") == datetime.datetime(2026, 3, 5, 21, 37)
    assert parse_pubdate("昨天") is None
    assert parse_pubdate("2026-13-40") is None


def test_inner_page_marks():
    ok = check_page_marks(URL, "主办：测试市人民政府 网站标识码：5101000001 蜀ICP备05003205号",
                          True, "5101000001")
    assert ok.passed and ok.site_code == "5101000001"
    assert not check_page_marks(URL, "网站标识码：5101000009", True, "5101000001").passed
    assert not check_page_marks(URL, "主办：测试市人民政府", True).passed
    no_badge = check_page_marks(URL, "网站标识码 5101000001", False, "5101000001")
    assert no_badge.site_code_ok and not no_badge.passed


@pytest.mark.parametrize(("url", "level", "portal", "ok"), [
    ("http://www.chengdu.gov.cn/", "city", None, True),
    ("https://www.gov.cn/", "ministry", None, True),
    ("http://chengdu.gov.cn/", "city", None, False),
    ("http://www.chengdu.com.cn/", "city", None, False),
    ("http://www.sc.chengdu.gov.cn/", "city", None, False),
    ("http://slj.bd.gov.cn/", "department", "http://www.bd.gov.cn/", True),
    ("http://slj.bd.gov.cn/", "部门", None, True),
    ("http://www.slj.gov.cn/", "department", "http://www.bd.gov.cn/", False),
    ("http://slj.hebei.gov.cn/", "department", "http://www.bd.gov.cn/", False),
    ("http://bd.gov.cn/", "department", None, False),
])
def test_domain_rules(url, level, portal, ok):
    found = check_domain(url, level, portal)
    assert found.passed is ok, found.problems
