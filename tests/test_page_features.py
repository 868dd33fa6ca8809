"""Features matched on what a reader sees, and dropped when their only links are dead."""

from __future__ import annotations

from datetime import date

from govaudit.page import Capture, Page
from govaudit.page.features import FeatureMatch, features_present, find_features
from govaudit.page.verdicts import LinkVerdict

URL = "http://www.example.gov.cn/"
TODAY = date(2026, 12, 5)
BEIAN = "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=51082302000117"


def found(body: str, **kwargs) -> dict[str, list[FeatureMatch]]:
    return find_features(Page(f"<html><body>{body}</body></html>", URL, today=TODAY, **kwargs))


def test_the_beian_link_is_no_login():
    matches = found(f"<div class='footer'><a href='{BEIAN}'><img src='ga.png'>"
                    "川公网安备 51082302000117号</a> <a href='/register/'>网站地图</a>"
                    "<a href='https://sso.example.gov.cn/login?service=x'><img src='a.png'></a>"
                    "</div>")
    assert matches["login"] == []
    assert found("<a href='/u/reg.html'>用户注册</a> <a href='/u/'>登录</a>")["login"] == [
        FeatureMatch("login", "link", "用户注册", "http://www.example.gov.cn/u/reg.html"),
        FeatureMatch("login", "link", "登录", "http://www.example.gov.cn/u/")]
    services = found("<a href='/bs/1'>企业注册登记</a><a href='/bs/2'>商标注册</a>")
    assert services["login"] == []
    assert [m.text for m in found("<a href='/r'>注册</a>")["login"]] == ["注册"]
    form = found("<form action='/login'><input name='u'><input type='password' name='p'></form>")
    assert [(m.how, m.text) for m in form["login"]] == [("form", '<input type="password">')]


def test_links_by_their_text_an_images_alt_or_their_title():
    matches = found("<a href='/zwgk/'><img src='zwgk.png' alt='政府信息公开'></a>"
                    "<a href='/hdjl/'><img src='x.png' alt='县长信箱'></a>"
                    "<a href='/ysqgk/' title='依申请公开'><img src='y.png'></a>"
                    "<a href='/nb/2025.html'>政府信息公开工作年度报告</a>")
    assert [m.url for m in matches["gov_info"]] == ["http://www.example.gov.cn/zwgk/",
                                                    "http://www.example.gov.cn/nb/2025.html"]
    assert [m.text for m in matches["interaction"]] == ["县长信箱"]
    assert [m.text for m in matches["disclosure_request"]] == ["依申请公开"]
    assert [m.text for m in matches["annual_report"]] == ["政府信息公开工作年度报告"]


def test_interaction_by_its_many_names():
    for label in ("互动交流", "留言咨询", "县长信箱", "我要写信", "网上信访", "在线访谈",
                  "12345热线"):
        assert [m.text for m in found(f"<a href='/hd/'>{label}</a>")["interaction"]] == [label]


def test_a_news_title_is_no_feature_and_script_text_is_not_seen():
    matches = found("<ul><li><a href='/1.html'>县政府办公室关于做好2026年政府信息公开工作的通知"
                    "</a></li></ul><script>var x = '依申请公开';</script>")
    assert matches["gov_info"] == [] and matches["disclosure_request"] == []


def test_search_forms_and_buttons():
    matches = found("<form action='/s'><input type='text' name='searchword'>"
                    "<input type='image' src='so.png' alt='搜索'></form>")
    assert [(m.how, m.text) for m in matches["search"]] == [
        ("form", '<input name="searchword">'), ("control", "搜索")]
    assert [m.url for m in matches["search"]][0] == "http://www.example.gov.cn/s"
    placeholder = found("<form action='/x'><input type='text' name='k1' "
                        "placeholder='请输入搜索内容'></form>")
    assert [m.how for m in placeholder["search"]] == ["form"]
    assert found("<form action='/x'><input type='text' name='name'></form>")["search"] == []


def test_a_switch_written_as_text_counts():
    matches = found("<div class='top'><span id='wza' onclick='aria.start()'>无障碍浏览</span>"
                    "<span class='cn'>长者模式</span></div>")
    assert [(m.how, m.text) for m in matches["accessibility"]] == [("text", "无障碍浏览"),
                                                                   ("text", "长者模式")]


def test_a_feature_whose_only_link_is_dead_is_not_present():
    matches = found("<div class='top'><a href='/wza/'>无障碍</a></div>"
                    "<div class='zt'><a href='/col/1099/'>政府信息公开年报</a>"
                    "<a href='/ysqgk/'>依申请公开</a><a href='/ysqgk/2'>依申请公开</a></div>")
    verdicts = {"http://www.example.gov.cn/wza/": LinkVerdict.BROKEN,
                "http://www.example.gov.cn/col/1099/": LinkVerdict.SOFT_404,
                "http://www.example.gov.cn/ysqgk/": LinkVerdict.BROKEN,
                "http://www.example.gov.cn/ysqgk/2": LinkVerdict.DNS}
    present = features_present(matches, verdicts)
    assert present["accessibility"] is False
    assert present["gov_info"] is False and present["annual_report"] is False
    assert present["disclosure_request"] is True  # one link could not be judged: not dead
    assert present["login"] is False
    assert features_present(matches, {})["accessibility"] is True  # not checked: kept


def test_the_rendered_page_is_what_a_reader_sees():
    rendered = ("<html><body><div class='top'><a href='/wza/'>无障碍</a>"
                "<a href='/login' data-ga-hidden='1'>登录</a></div></body></html>")
    matches = found("<div class='top'></div>", capture=Capture(URL, rendered))
    assert [(m.text, m.visible) for m in matches["accessibility"]] == [("无障碍", True)]
    assert [(m.text, m.visible) for m in matches["login"]] == [("登录", False)]
