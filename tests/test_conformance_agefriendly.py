"""适老化 checks in Chromium: zoom, line spacing, pop-ups, keyboard, font-size control."""

from __future__ import annotations

from govaudit.conformance.agefriendly import (
    check_floating,
    check_font_control,
    check_keyboard,
    check_line_spacing,
    check_zoom,
)

TEXT = ("<p>这是一段足够长的正文内容，用于测量正文的行间距是否符合适老化设计规范。</p>"
        "<p>第二段正文同样很长，说明办事指南的具体要求和办理流程，供老年人阅读。</p>")
NAV = ('<nav class="nav"><a href="/1">首页</a><a href="/2">信息公开</a>'
       '<a href="/3">政务服务</a><a href="/4">互动交流</a></nav>')


def page(style: str = "", body: str = "", head: str = "") -> str:
    return (f"<!doctype html><html lang=zh><head><meta charset=utf-8>{head}"
            f"<style>body{{font-size:16px;line-height:1.6}}{style}</style></head>"
            f"<body>{body}</body></html>")


def test_zoom_blocked_or_allowed():
    url = "https://www.test.gov.cn/"
    assert check_zoom(page(), url).passed
    assert check_zoom('<meta name="viewport" content="width=device-width, initial-scale=1">',
                      url).passed
    blocked = check_zoom('<meta name="viewport" content="width=device-width,user-scalable=no">',
                         url)
    assert not blocked.passed and blocked.user_scalable_no
    assert blocked.evidence[0].value == "width=device-width,user-scalable=no"
    small = check_zoom('<meta name=VIEWPORT content="maximum-scale=1.0; initial-scale=1">', url)
    assert not small.passed and small.maximum_scale == 1.0
    assert check_zoom('<meta name=viewport content="maximum-scale=3">', url).passed
    assert not check_zoom('<meta name=viewport content="user-scalable=0">', url).passed


def test_line_spacing_of_main_text(in_page):
    good = in_page(page(body=f"<main>{TEXT}</main>"), check_line_spacing)
    assert good.passed and {round(b.spacing, 2) for b in good.blocks} == {1.6}
    tight = in_page(page("main p{line-height:18px}", f"<main>{TEXT}</main>"), check_line_spacing)
    assert not tight.passed
    assert tight.evidence[0].selector == "body > main > p:nth-of-type(1)"
    assert tight.evidence[0].box is not None
    # line-height: normal is measured in the page: below 1.3 for this font
    normal = in_page(page("body{line-height:normal}", f"<main>{TEXT}</main>"),
                     check_line_spacing)
    assert all(b.normal for b in normal.blocks)
    assert normal.passed == all(b.spacing >= 1.295 for b in normal.blocks)
    assert in_page(page(body="<main><p>短</p></main>"), check_line_spacing).passed is None


def test_pop_ups_and_floating_windows(in_page):
    clean = page(body=f"{NAV}<main>{TEXT}</main>"
                 '<a href="#" style="position:fixed;right:8px;bottom:8px;width:40px;height:40px">'
                 "顶</a>"
                 '<div style="position:fixed;top:0;left:0;width:100%;height:40px">工具栏</div>')
    found = in_page(clean, check_floating)
    assert found.passed, found.offending
    assert {i.kind for i in found.items} == {"control", "bar"}
    drifting = page(body=f"<main>{TEXT}</main>"
                    '<div id="ad" style="position:absolute;z-index:99;left:0;top:80px;'
                    'width:200px;height:120px;background:#f00">飘窗广告</div>'
                    "<script>let x = 0; setInterval(() => { x += 6; "
                    "document.getElementById('ad').style.left = x + 'px'; }, 50);</script>")
    moving = in_page(drifting, check_floating)
    assert [i.kind for i in moving.offending] == ["moving"]
    assert moving.evidence[0].selector == "#ad" and moving.evidence[0].value == "飘窗广告"
    popup = page(body=f"<main>{TEXT}</main><div role=dialog style='position:fixed;left:20%;"
                 "top:20%;width:300px;height:200px;background:#fff'>重要通知</div>")
    assert [i.kind for i in in_page(popup, check_floating).offending] == ["popup"]
    side = page(body=f"<main>{TEXT}</main><div style='position:fixed;right:0;top:200px;"
                "width:120px;height:260px'>二维码 客服</div>")
    assert [i.kind for i in in_page(side, check_floating).offending] == ["floating"]


def test_keyboard_reaches_the_navigation_with_visible_focus(in_page):
    body = f'<div class="top"><a href="/login">登录</a></div>{NAV}<main>{TEXT}</main>'
    good = in_page(page(body=body), check_keyboard)
    assert good.passed and good.reached_at == 2 and good.nav_links == 4
    assert good.nav is not None and good.nav.selector == "body > nav"
    shadow = in_page(page("nav a:focus{outline:none;box-shadow:0 0 0 3px #06c}", body),
                     check_keyboard)
    assert shadow.passed and "boxShadow" in shadow.stops[-1].changes
    hidden = in_page(page("a:focus{outline:none}", body), check_keyboard)
    assert hidden.reached_at == 2 and not hidden.focus_visible and not hidden.passed
    spans = page(body='<div id="menu"><span onclick="go(1)">首页</span>'
                 '<span onclick="go(2)">公开</span><span onclick="go(3)">服务</span></div>'
                 f"<main>{TEXT}</main>")
    unreachable = in_page(spans, check_keyboard)
    assert unreachable.nav is not None and unreachable.reached_at is None
    assert not unreachable.passed
    assert in_page(page(body=f"<main>{TEXT}</main>"), check_keyboard).passed is None


def test_font_size_control_is_clicked_and_measured(in_page):
    working = page(body=f'{NAV}<div class="tools">字号：<a href="javascript:void(0)" '
                   "onclick=\"document.querySelector('main').style.fontSize='22px'\">大</a>"
                   f"<a href='javascript:void(0)'>中</a></div><main>{TEXT}</main>")
    found = in_page(working, check_font_control)
    assert found.passed and found.size_before == 16 and found.size_after == 22
    assert found.control is not None and found.control.value == "大"
    zoomed = page(body='<button title="放大字体" onclick="document.body.style.zoom=1.5">'
                  f"A+</button><main>{TEXT}</main>")
    by_zoom = in_page(zoomed, check_font_control)
    assert by_zoom.passed and by_zoom.size_after == by_zoom.size_before
    assert by_zoom.ratio is not None and by_zoom.ratio >= 1.4
    dead = page(body=f'<a href="javascript:void(0)">A+</a><main>{TEXT}</main>')
    broken = in_page(dead, check_font_control)
    assert broken.control is not None and not broken.passed
    none = in_page(page(body=f"<main>{TEXT}</main>"), check_font_control)
    assert none.control is None and not none.passed


# A control that does everything a font-size control may do to remember its choice: a class
# on <body>, an inline size, a stylesheet added, localStorage and a cookie.
REMEMBERING = ("<a id=big href='javascript:void(0)' onclick=\"document.body.className='big';"
               "document.querySelector('main').style.fontSize='24px';"
               "const s=document.createElement('style');s.id='large';"
               "s.textContent='main p{letter-spacing:1px}';document.head.appendChild(s);"
               "localStorage.setItem('fontSize','big');"
               "document.cookie='fontSize=big; path=/'\">大</a>")
STATE = """() => ({ mark: window.__mark, body: document.body.className,
  style: document.querySelector('main').getAttribute('style'),
  added: !!document.getElementById('large'), stored: localStorage.getItem('fontSize'),
  cookie: document.cookie, scroll: window.scrollY, focused: document.activeElement.localName })"""


def test_the_font_size_control_is_measured_in_place_and_undone(in_page, serve_dir, tmp_path):
    tall = "<div style='height:3000px'></div>"
    (tmp_path / "index.html").write_text(page(body=f"{REMEMBERING}<main>{TEXT}</main>{tall}"),
                                         encoding="utf-8")
    base = serve_dir(tmp_path)

    async def look(p):
        await p.evaluate("() => { window.__mark = 1; window.scrollTo(0, 500); "
                         "document.cookie = 'kept=1; path=/'; }")
        before = await p.evaluate(STATE)
        found = await check_font_control(p)
        return before, found, await p.evaluate(STATE)

    before, found, after = in_page(None, look, url=f"{base}/index.html")
    assert found.passed and found.size_before == 16 and found.size_after == 24
    assert after == before  # the same document (no reload), as it was before the click
    assert after["mark"] == 1 and after["scroll"] == 500 and after["cookie"] == "kept=1"


def test_a_font_size_control_that_loads_another_page(in_page, serve_dir, tmp_path):
    (tmp_path / "index.html").write_text(
        page(body=f"<a href='/big.html'>大字版</a><main>{TEXT}</main>"), encoding="utf-8")
    (tmp_path / "big.html").write_text(page("main{font-size:24px}", f"<main>{TEXT}</main>"),
                                       encoding="utf-8")
    base = serve_dir(tmp_path)

    async def look(p):
        found = await check_font_control(p)
        return found, p.url

    found, url = in_page(None, look, url=f"{base}/index.html")
    assert found.passed and found.size_after == 24  # measured where the control led
    assert url == f"{base}/index.html"  # and back to the page checked


def test_tab_presses_sent_together_land_where_one_at_a_time_would(in_page):
    # a skip link, a positive tabindex, hidden and disabled controls before the navigation
    tricky = page(".skip{position:absolute;left:-999px}",
                  '<a class="skip" href="#main">跳到正文</a><div class="top">'
                  '<a href="/login">登录</a><button disabled>禁用</button>'
                  '<a href="/x" style="display:none">隐藏</a>'
                  '<input type="hidden" name="t"><a href="/first" tabindex="1">先到</a></div>'
                  f'{NAV}<main id="main">{TEXT}</main>')
    found = in_page(tricky, check_keyboard)
    # 先到 (tabindex 1), 跳到正文, 登录, then the navigation's first link
    assert [s.evidence.value for s in found.stops][:4] == ["先到", "跳到正文", "登录", "首页"]
    assert found.reached_at == 4 and found.passed
    # a page that keeps Tab's keydown from its window: one press and one look at a time
    kept = tricky.replace("</body>", "<script>window.addEventListener('keydown', "
                          "(e) => e.stopImmediatePropagation(), true);</script></body>")
    one_by_one = in_page(kept, check_keyboard)
    assert one_by_one.stops == found.stops


def test_the_keyboard_check_gives_the_page_back(in_page):
    body = f'<a href="/login">登录</a>{NAV}<main>{TEXT}</main><div style="height:3000px"></div>'

    async def look(p):
        await p.evaluate("() => window.scrollTo(0, 800)")
        found = await check_keyboard(p)
        return found, await p.evaluate("() => [window.scrollY, document.activeElement.localName]")

    found, (scroll, focused) = in_page(page(body=body), look)
    assert found.passed and found.reached_at == 2
    assert scroll == 800 and focused == "body"


def test_a_window_moved_by_the_page_layout_is_not_moving(in_page):
    # the raised badge sits in its box; the box moves down when the text above it grows, as
    # when a late image loads: the badge has not moved against what it is placed by
    shifting = page(body=f"<main><p id=grow>{TEXT}</p><div style='position:relative'>"
                    "<div style='position:absolute;z-index:20;left:10px;top:0;width:300px;"
                    "height:120px;background:#eee'>新</div></div></main>"
                    "<script>setTimeout(() => { document.getElementById('grow').style."
                    "paddingTop = '80px'; }, 200);</script>")
    found = in_page(shifting, check_floating)
    assert [i.kind for i in found.items] == ["floating"]
    # a notice that slid in with a finite animation when the first look was taken
    sliding = page("@keyframes in{from{left:-300px}to{left:0}}#n{animation:in .4s}",
                   "<div id=n style='position:fixed;left:0;top:100px;width:300px;height:100px;"
                   f"background:#ffd'>通知</div><main>{TEXT}</main>")
    found = in_page(sliding, check_floating)
    assert [i.kind for i in found.items] == ["floating"]
