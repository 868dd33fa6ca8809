"""Hidden links: the style facts collected in a real Chromium, then classified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govaudit.content.hidden_links import (
    COLLECT_LINK_FACTS,
    COLOUR,
    DISPLAY_NONE,
    MARQUEE,
    OFF_SCREEN,
    Box,
    LinkFacts,
    classify,
    contrast,
    hidden_links,
    off_domain,
)

# Each hiding technique, one link each to its own made-up betting host, and the shapes that
# hide a link for a moment only.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
  .nav li ul { display: none } .nav li:hover ul { display: block }
  a.skip { position: absolute; left: -9999px } a.skip:focus { left: 0 }
  .slide { display: none } .slide.on { display: block }
  .clip { position: absolute; clip: rect(0 0 0 0) }
  .zero { height: 0; overflow: hidden }
  body { background: #fff }
</style></head><body>
<ul class="nav"><li><a href="/a">首页</a><ul><li><a href="http://partner.example.org/">合作单位</a></li></ul></li>
  <li id="js-menu"><a href="/b">专题</a><div style="display:none"><a href="http://topic.example.net/">专题网站</a></div></li></ul>
<a class="skip" href="#main">跳到主要内容</a>
<div class="carousel"><div class="slide on"><a href="http://slide1.example.com/">图一</a></div>
  <div class="slide"><a href="http://slide2.example.com/">图二</a></div></div>
<main id="main"><p>正文 <a href="http://visible.example.com/">外部网站</a>
  <a href="http://www.gov.cn/">中国政府网</a></p></main>
<div style="display:none"><a href="http://bet1.example.com/">博彩一</a><a href="/inner">本站</a>
  <a href="http://www.example.gov.cn/">某政府网</a></div>
<div style="visibility:hidden"><a href="http://bet2.example.com/">博彩二</a></div>
<div style="opacity:0"><a href="http://bet3.example.com/">博彩三</a></div>
<div style="position:absolute;left:-9999px;top:0"><a href="http://bet4.example.com/">博彩四</a></div>
<div style="position:absolute;top:-999px"><a href="http://bet5.example.com/">博彩五</a></div>
<p style="font-size:0"><a href="http://bet6.example.com/">博彩六</a></p>
<p><a href="http://bet7.example.com/" style="color:#fff">博彩七</a></p>
<marquee width="1" height="1"><a href="http://bet8.example.com/">博彩八</a></marquee>
<div class="zero"><a href="http://bet9.example.com/">博彩九</a></div>
<p style="text-indent:-9999px;overflow:hidden"><a href="http://bet10.example.com/">博彩十</a></p>
<div class="clip"><a href="http://bet11.example.com/">博彩十一</a></div>
</body></html>"""


def _collect(session_browser, url: str) -> list[dict]:
    """The link facts of `url`, read in a context of its own of the session's Chromium."""

    async def work(browser) -> list[dict]:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await page.goto(url)
            return await page.evaluate(COLLECT_LINK_FACTS)
        finally:
            await context.close()

    return session_browser.run(work)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, site_server,
            session_browser) -> Iterator[tuple[str, list[dict]]]:
    folder = tmp_path_factory.mktemp("hidden")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    base = site_server.add(folder)
    try:
        yield base + "/index.html", _collect(session_browser, base + "/index.html")
    finally:
        site_server.remove(base)


def test_every_hiding_technique_is_a_finding_in_a_real_browser(records):
    url, found = records
    hidden = hidden_links(found, url)
    assert sorted(h.url for h in hidden) == sorted(
        f"http://bet{n}.example.com/" for n in range(1, 12))
    by_url = {h.url: h for h in hidden}
    assert DISPLAY_NONE in by_url["http://bet1.example.com/"].hiding
    assert OFF_SCREEN in by_url["http://bet4.example.com/"].hiding
    assert COLOUR in by_url["http://bet7.example.com/"].hiding
    assert MARQUEE in by_url["http://bet8.example.com/"].hiding
    first = by_url["http://bet1.example.com/"]
    assert first.evidence.path.startswith("body:nth-child(2) > div:nth-child(")
    assert first.evidence.match == "博彩一" and first.domain == "example.com"


def test_menus_skip_links_and_slides_are_not_findings(records):
    _, found = records
    facts = {r["href"]: LinkFacts.from_record(r) for r in found}
    assert facts["http://partner.example.org/"].revealed  # :hover rule
    assert facts["http://topic.example.net/"].menu  # a script's menu under a nav item
    assert facts["http://slide2.example.com/"].slide
    assert facts["http://slide2.example.com/"].display_none
    skip = next(f for href, f in facts.items() if href.endswith("#main"))
    assert skip.offscreen and skip.revealed


def test_box_of_a_visible_link_is_given_for_the_capture(records):
    _, found = records
    visible = LinkFacts.from_record(next(r for r in found
                                         if r["href"] == "http://visible.example.com/"))
    assert visible.box.width > 10 and visible.box.height > 5
    assert classify(visible, "http://127.0.0.1/") is None


def test_the_government_domain_and_the_page_own_domain_are_not_off_domain():
    page = "http://www.example-city.gov.cn/index.html"
    assert not off_domain("http://www.gov.cn/zhengce/", page)
    assert not off_domain("http://news.example-city.gov.cn/", page)
    assert not off_domain("http://www.partner.org.cn/", page, ["partner.org.cn"])
    assert off_domain("https://bet.example.com/", page)
    assert not off_domain("javascript:void(0)", page)


def test_colour_contrast():
    assert contrast("rgb(255, 255, 255)", "rgb(255, 255, 255)") == pytest.approx(1.0)
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    assert contrast("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)") == 1.0
    hidden = LinkFacts("http://bet.example.com/", "博彩", "p > a", Box(0, 0, 40, 16),
                       color="rgb(250, 250, 250)", background="rgb(255, 255, 255)")
    assert classify(hidden, "http://www.example.gov.cn/") is not None


