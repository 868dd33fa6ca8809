"""Marks as government sites really write them: labels, values and where they were found."""

from __future__ import annotations

import pytest

from govaudit.probes.html import Document
from govaudit.probes.marks import find_marks

URL = "http://www.example.gov.cn/"


def page(footer: str, head: str = "", body: str = "<p>正文</p>") -> dict:
    return find_marks(Document(f"<html><head>{head}</head><body>{body}"
                               f"<div class='footer'>{footer}</div></body></html>", URL))


@pytest.mark.parametrize(("html", "value"), [
    ("公安机关备案号：43010302000524", "公安机关备案号 43010302000524"),
    ("公安机关备案号:<span>43010302000524</span>", "公安机关备案号 43010302000524"),
    ("冀公网安备： 13030202000123号", "冀公网安备 13030202000123号"),
    ("京公网安备 11010502030143号", "京公网安备 11010502030143号"),
])
def test_police_filing_spellings(html, value):
    marks = page(html)
    assert marks["police"] == value
    assert marks["details"]["police"] == {"value": value, "where": "footer",
                                          "found_as": "text", "noscript": False,
                                          "source": "static"}


@pytest.mark.parametrize(("html", "value"), [
    ("ICP备案号：京ICP备05070218号-1", "京ICP备05070218号-1"),
    ("ICP备：京ICP备05070218号", "京ICP备05070218号"),
    ("京ICP备：05070218号", "京ICP备05070218号"),
    ("京ICP备案号：05070218号-2", "京ICP备05070218号-2"),
])
def test_icp_spellings(html, value):
    assert page(html)["icp"] == value


@pytest.mark.parametrize(("html", "value", "kind"), [
    ("网站标识码：bm01000001", "bm01000001", "ministry"),
    ("网站标识码1100000088", "1100000088", "local"),
    ("<span>网站标识码：</span><span>5101000012</span>", "5101000012", "local"),
    ("网站标识码：<br>\n5101000012", "5101000012", "local"),
    ("<p>网站标识码：</p><p>BM01000001</p>", "bm01000001", "ministry"),
])
def test_site_code_formats(html, value, kind):
    marks = page(html)
    assert marks["site_code"] == value
    assert (marks["details"]["site_code"]["valid"], marks["details"]["site_code"]["format"]) \
        == (True, kind)


def test_site_code_malformed_is_present_but_malformed():
    marks = page("网站标识码：51010000")
    assert marks["site_code"] == "51010000"
    details = marks["details"]["site_code"]
    assert (details["valid"], details["format"]) == (False, None)
    assert "10 digits" in details["problem"]
    # a well-formed code elsewhere wins over a malformed one
    assert page("网站标识码：51010000", head="<meta name='SiteIDCode' "
                "content='5101000001'>")["site_code"] == "5101000001"


@pytest.mark.parametrize("name", ["SiteIDCode", "SiteIDcode", "siteidcode"])
def test_site_code_in_meta_tag(name):
    marks = page("版权所有", head=f'<meta name="{name}" content="bm01000001">')
    assert marks["site_code"] == "bm01000001"
    assert (marks["details"]["site_code"]["found_as"],
            marks["details"]["site_code"]["where"]) == ("meta", "page")


@pytest.mark.parametrize(("html", "value"), [
    ("成都市人民政府主办 成都市大数据中心承办", "成都市人民政府"),
    ("版权所有©2026 成都市人民政府主办", "成都市人民政府"),
    ("主办单位：成都市人民政府", "成都市人民政府"),
    ("主办：成都市人民政府", "成都市人民政府"),
    ("网站主办：成都市人民政府", "成都市人民政府"),
    ("<span>主办单位：</span><span>成都市人民政府</span>", "成都市人民政府"),
])
def test_sponsor_before_and_after_its_label(html, value):
    assert page(html)["sponsor"] == value


def test_organizer_before_its_label():
    assert page("成都市人民政府主办 成都市大数据中心承办")["organizer"] == "成都市大数据中心"


def test_conac_badge_as_image_link_and_as_script():
    link = page("<a href='https://bszs.conac.cn/sitename?method=show&id=1'>"
                "<img src='/red.png' alt='党政机关'></a>")
    assert link["conac"] is True
    assert link["details"]["conac"]["found_as"] == "image link"
    script = page('<script type="text/javascript" src="//dcs.conac.cn/js/33/000/0000/'
                  '60429971/CA330000000604299710001.js"></script>')
    assert script["conac"] is True
    assert script["conac_url"] == ("http://dcs.conac.cn/js/33/000/0000/60429971/"
                                   "CA330000000604299710001.js")
    assert script["details"]["conac"] == {
        "value": script["conac_url"], "where": "footer", "found_as": "script",
        "noscript": False, "source": "static"}
    outside = find_marks(Document("<html><body><script src='https://dcs.conac.cn/js/1.js'>"
                                  "</script></body></html>", URL))
    assert outside["details"]["conac"]["where"] == "page"


def test_the_source_is_recorded():
    marks = find_marks(Document("<html><body><div id='footer'>京ICP备05070218号</div>"
                                "</body></html>", URL), source="rendered")
    assert marks["source"] == "rendered"
    assert marks["details"]["icp"]["source"] == "rendered"
