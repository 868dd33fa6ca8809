"""What the accessibility and 适老化 checks add to a capture, side by side in one run.

(a) capture: a tab opens the page (until `load`) and govaudit's capture takes it as it does
    every page (`govaudit.capture.capture_open_page`: the scroll for lazy images, the
    full-page PNG over CDP in segments of the default height, the inert HTML with the page
    model's marks, the MHTML; the files written). The goal is judged against this. Left out,
    each of which would only make the capture longer: the batch's 0.15 s wait for a page's
    own redirect, its about:blank between two pages, storing the record;
(b) screenshot: the page opened and its full-page PNG alone, as (a) takes it, without the
    scroll, the HTML and the MHTML (printed to show what the checks add to that part alone);
(c) checked: (a) in a context prepared for the checks
    (`govaudit.conformance.page_checks.prepare_context`: axe-core loaded with each page), then
    `check_page` on the same tab: axe-core up to 二级, the one-pass colour rules and every 适老化
    check (the font-size control clicked, measured and restored);
(d) with --anchor REV, also the checks as the commit REV had them (its govaudit/conformance,
    loaded under another name), so that a change is measured against the code before it in
    the same run, under the same load;
(e) axe: the accessibility check alone (`accessibility.prepare_context`, then
    `check_accessibility`: axe-core up to 二级 with its GB/T mapping and the one-pass colour
    rules), where the goal applies: "the accessibility check adds at most 30% to the time of
    a capture of the same pages". The 适老化 checks of (c) are reported beside it.

Two page mixes, served on 127.0.0.1:

- portal (the realistic mix, where the goal applies): three generated sites, each a home page,
  a column page and an article page of 100-300 KB of HTML as CMS templates write them (a top
  bar with a font-size control on two sites, navigation with drop-down menus, a carousel
  script, news blocks with tabs, hundreds of dated links, dozens of images, a service hall,
  friendly-link selects, a footer with every mark);
- tiny: pages of the labelled corpus (tests/conformance_corpus/, about 2 KB each): on them
  any fixed cost dominates.

As govaudit's capture works per site, each site gets a context of its own for each mode in
each round, and one tab that goes from page to page; the context's set-up counts. Each round
takes every site every way, rotating which mode goes first. Per-page figures are medians
over the rounds, totals are sums. The load average is printed with the figures: on a shared
machine they are only comparable within one run.

    .venv/bin/python benchmarks/conformance_cost.py [--rounds 3] [--tiny 8] [--anchor REV]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidence_bench import WORDS, make_images, paragraph, serve
from playwright.async_api import async_playwright

from govaudit.browser import find_browser, launch_args
from govaudit.capture import capture_open_page
from govaudit.capture.options import DEFAULT_MAX_HEIGHT
from govaudit.conformance import accessibility, page_checks
from govaudit.workspace import Workspace, init_workspace

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "conformance_corpus" / "pages"
ANCHOR = "conformance_anchor"  # the package name the anchor's checks are loaded under
ACCESSIBILITY = "axe"  # the mode of the accessibility check alone, where the goal applies
CAPTURE, SCREENSHOT = "capture", "screenshot"  # the two ways without checks
GOAL = 0.30
VIEWPORT = {"width": 1366, "height": 768}
COLUMNS = ("要闻动态", "通知公告", "政策文件", "政策解读", "部门动态", "区县动态", "人事信息",
           "规划计划", "财政信息", "应急管理", "招标采购", "民生实事")

# -- the portal sites ------------------------------------------------------------------------

SITE_CSS = """body{margin:0;font:14px/1.7 "WenQuanYi Zen Hei",sans-serif;color:#333;
background:#f3f5f8}a{color:#333;text-decoration:none}a:hover{color:#c00}
.w{width:1200px;margin:0 auto}
.top{background:#eef1f5;font-size:12px;line-height:32px}.top a{margin-left:12px}
.wzdh{position:relative}.sitemap{display:none;position:absolute;z-index:30;width:900px;
background:#fff}.wzdh:hover .sitemap{display:block}
.head{height:120px;background:#b71c1c;color:#fff}.head img{float:left;margin:20px}
.head form{float:right;margin:40px 20px}.nav{background:#c62828}.nav>ul{display:flex;margin:0;
padding:0;list-style:none}.nav>ul>li{position:relative;flex:1}.nav>ul>li>a{display:block;
color:#fff;line-height:48px;text-align:center;font-size:16px}.nav .sub{display:none;
position:absolute;top:48px;left:0;width:220px;background:#fff;z-index:20;
box-shadow:0 2px 8px rgba(0,0,0,.2)}.nav li:hover .sub,.nav li:focus-within .sub{display:block}
.nav .sub a{display:block;padding:4px 12px}.banner{position:relative;height:360px;overflow:hidden}
.banner .slide{display:none}.banner .slide.on{display:block}.banner img{width:1200px;height:360px}
.box{background:#fff;margin:16px 0;padding:12px 16px}.box .tabs span{display:inline-block;
padding:0 16px;cursor:pointer}.box .tabs span.on{background:#c62828;color:#fff}
.box .pane{display:none}.box .pane.on{display:block}.list li{display:flex;
justify-content:space-between;border-bottom:1px dashed #ddd}.date{color:#999}
.pics{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}.pics img{width:100%;height:auto}
.hall{display:grid;grid-template-columns:repeat(8,1fr);gap:8px;text-align:center}
.hall img{width:64px;height:40px}.topics{display:grid;grid-template-columns:repeat(3,1fr);gap:8px}
.topics img{width:100%;height:100px;object-fit:cover}.side{float:left;width:260px}
.side a{display:block;line-height:36px;border-bottom:1px solid #eee}.article{line-height:1.8}
.article p{text-indent:2em}.yqlj select{width:220px;margin:8px}
.foot{background:#2b2b2b;color:#bbb;padding:24px 0;font-size:13px}.foot a{color:#ddd}
.gotop{position:fixed;right:16px;bottom:24px;width:40px;height:40px;background:#c62828;
color:#fff;text-align:center;line-height:40px}
"""
SITE_JS = """(function(){
  var i = 0, slides = document.querySelectorAll('.banner .slide');
  if (slides.length) setInterval(function(){ slides[i].className = 'slide';
    i = (i + 1) % slides.length; slides[i].className = 'slide on'; }, 3000);
  document.querySelectorAll('.box .tabs span').forEach(function(tab, k){
    tab.onmouseover = function(){ var box = tab.closest('.box');
      box.querySelectorAll('.tabs span').forEach(function(t, j){
        t.className = j === k ? 'on' : ''; });
      box.querySelectorAll('.pane').forEach(function(p, j){
        p.className = j === k ? 'pane on' : 'pane'; });
    };
  });
  var clock = document.getElementById('clock');
  if (clock) clock.textContent = new Date().toLocaleDateString('zh-CN');
})();
"""


def _links(rng: random.Random, column: int, count: int, dated: bool = True) -> str:
    rows = []
    for k in range(count):
        month, day = rng.randrange(1, 13), rng.randrange(1, 29)
        title = paragraph(rng, rng.randrange(2, 4)).rstrip("。")
        date = f'<span class="date">2026-{month:02d}-{day:02d}</span>' if dated else ""
        rows.append(f'<li><a href="/col{column}/2026{month:02d}/t2026{month:02d}{day:02d}_{k}'
                    f'.html" title="{title}" target="_blank">{title}</a>{date}</li>')
    return '<ul class="list">' + "".join(rows) + "</ul>"


def _template(rng: random.Random, site: int, title: str, body: str, font_control: bool) -> str:
    nav = "".join(
        f'<li><a href="/col{c}/">{name}</a><div class="sub">' + "".join(
            f'<a href="/col{c}/sub{k}/">{rng.choice(WORDS)}</a>' for k in range(12)) +
        "</div></li>" for c, name in enumerate(COLUMNS[:10]))
    tools = ('<span class="tools">字号：<a href="javascript:void(0)" onclick="document.'
             "querySelector('.main').style.fontSize='20px'\">大</a><a href=\"javascript:void(0)"
             "\" onclick=\"document.querySelector('.main').style.fontSize=''\">中</a></span>"
             if font_control else "")
    sitemap = "".join(
        f"<dl><dt>{name}</dt>" + "".join(f'<dd><a href="/col{c}/{k}/">{rng.choice(WORDS)}</a></dd>'
                                         for k in range(15)) + "</dl>"
        for c, name in enumerate(COLUMNS))
    selects = "".join(
        f'<select onchange="window.open(this.value)"><option>{name}</option>' + "".join(
            f'<option value="http://www.{g}.gov.cn/">{rng.choice(WORDS)}{g}</option>'
            for g in range(25)) + "</select>" for name in ("国务院部门", "省级政府", "市州政府",
                                                           "区县政府"))
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<meta name="SiteName" content="示范市{site}人民政府">
<meta name="SiteDomain" content="www.sf{site}.gov.cn">
<meta name="SiteIDCode" content="51010000{site:02d}">
<link rel="stylesheet" href="/static/site.css">
<style>{".w1200{width:1200px;margin:0 auto}.fl{float:left}.fr{float:right}" * 40}</style></head>
<body><div class="top"><div class="w"><span id="clock"></span><a href="/wza/">无障碍</a>
<a href="/zzms/">长者模式</a><a href="/login/">登录</a><a href="/reg/">注册</a>
<a href="/m/">手机版</a><span class="wzdh">网站导航<div class="sitemap">{sitemap}</div></span>
{tools}</div></div><div class="head"><div class="w">
<img src="/img/img00.jpg" width="300" height="80" alt="示范市{site}人民政府">
<form action="/search/"><input name="q" placeholder="全站搜索"><button>搜索</button></form>
</div></div><div class="nav"><ul class="w"><li><a href="/">首页</a></li>{nav}</ul></div>
<div class="w main">{body}</div><div class="w box yqlj">友情链接：{selects}</div>
<div class="foot"><div class="w"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a>
<p>主办单位：示范市{site}人民政府办公室　承办单位：示范市大数据中心
网站标识码：51010000{site:02d}</p>
<p>京ICP备05070218号　京公网安备 11010202000001号</p><a href="https://bszs.conac.cn/sitename?id=1">
<img src="/img/img01.jpg" width="60" height="60" alt="党政机关"></a></div></div>
<a class="gotop" href="#">顶</a><script src="/static/site.js"></script></body></html>"""


def home_page(rng: random.Random, site: int, images: list[str], target_kb: int,
              font_control: bool) -> str:
    slides = "".join(f'<div class="slide{" on" if k == 0 else ""}"><a href="/zt{k}/"><img '
                     f'src="/img/{images[k]}" alt="{paragraph(rng, 2)}"></a></div>'
                     for k in range(5))
    parts = [f'<div class="banner">{slides}</div>']
    hall = "".join(f'<a href="/bs/{k}/"><img src="/img/{images[k % len(images)]}" '
                   f'{"" if k % 5 == 0 else f"alt={chr(34)}{WORDS[k % len(WORDS)]}{chr(34)} "}'
                   f'width="64" height="40"><br>{WORDS[k % len(WORDS)]}</a>' for k in range(24))
    parts.append(f'<div class="box"><h3>办事服务</h3><div class="hall">{hall}</div></div>')
    topics = "".join(f'<a href="/zt/{k}/"><img src="/img/{images[(k + 7) % len(images)]}" '
                     f'alt="专题{k}"></a>' for k in range(6))
    parts.append(f'<div class="box"><h3>专题专栏</h3><div class="topics">{topics}</div></div>')
    column = 0
    page = _template(rng, site, "", "", font_control)
    while len(("".join(parts) + page).encode()) < target_kb * 1024:
        names = [COLUMNS[(column + k) % len(COLUMNS)] for k in range(3)]
        tabs = "".join(f'<span{" class=on" if k == 0 else ""}>{n}</span>'
                       for k, n in enumerate(names))
        panes = "".join(f'<div class="pane{" on" if k == 0 else ""}">'
                        f"{_links(rng, column + k, 12)}</div>" for k in range(3))
        pics = "".join(f'<figure><img src="/img/{images[(column + k) % len(images)]}" '
                       f'width="360" height="225" alt="{paragraph(rng, 2)}"><figcaption>'
                       f"{paragraph(rng, 3)}</figcaption></figure>" for k in range(3))
        parts.append(f'<div class="box"><div class="tabs">{tabs}<a class="fr" '
                     f'href="/col{column}/">更多</a></div>{panes}<div class="pics">{pics}</div>'
                     "</div>")
        column += 3
    return _template(rng, site, f"示范市{site}人民政府门户网站", "".join(parts), font_control)


def _padded(page: str, rng: random.Random, target_kb: int) -> str:
    """The page with the inline configuration script CMS templates carry (menu data, paths,
    statistics settings), as long as it takes to make the page `target_kb`."""
    entries, script = [], ""
    while len(page.encode()) + len(script.encode()) < target_kb * 1024:
        entries.append(f'"m{len(entries)}":{{"name":"{rng.choice(WORDS)}","path":'
                       f'"/col{len(entries)}/","title":"{paragraph(rng, 6)}"}}')
        if len(entries) % 20 == 0:
            script = f"<script>var siteConfig = {{{','.join(entries)}}};</script>"
    return page.replace("</head>", script + "</head>", 1)


def column_page(rng: random.Random, site: int, target_kb: int, font_control: bool) -> str:
    side = "".join(f'<a href="/col1/sub{k}/">{rng.choice(WORDS)}</a>' for k in range(20))
    pager = "".join(f'<a href="index_{k}.html">{k}</a> ' for k in range(1, 11))
    body = (f'<div class="side box">{side}</div><div class="box" style="margin-left:280px">'
            f'<h2>通知公告</h2>{_links(rng, 1, 40)}<div class="pager">{pager}</div></div>')
    return _padded(_template(rng, site, f"通知公告 - 示范市{site}人民政府", body, font_control),
                   rng, target_kb)


def article_page(rng: random.Random, site: int, images: list[str], target_kb: int,
                 font_control: bool) -> str:
    title = paragraph(rng, 4).rstrip("。")
    text = "".join(f"<p>{paragraph(rng, 40)}</p>" for _ in range(10))
    pictures = "".join(f'<p><img src="/img/{images[k]}" width="600" height="375" '
                       f'alt="{paragraph(rng, 2)}"></p>' for k in (3, 9))
    body = (f'<div class="box article"><h1>{title}</h1><p class="info">发布时间：2026-03-05 '
            f"来源：示范市人民政府办公室</p>{text[:len(text) // 2]}{pictures}"
            f'{text[len(text) // 2:]}<div class="related"><h3>相关文章</h3>'
            f"{_links(rng, 2, 10)}</div></div>")
    return _padded(_template(rng, site, f"{title} - 示范市{site}人民政府", body, font_control),
                   rng, target_kb)


def build_portals(folder: Path) -> list[tuple[str, list[str]]]:
    """Three sites of three pages each; returns (site name, page paths) per site."""
    rng = random.Random(2026)
    (folder / "img").mkdir(parents=True)
    images = make_images(folder / "img", 30)
    (folder / "static").mkdir()
    (folder / "static" / "site.css").write_text(SITE_CSS, encoding="utf-8")
    (folder / "static" / "site.js").write_text(SITE_JS, encoding="utf-8")
    sites = []
    for site, (home_kb, column_kb, article_kb) in enumerate(((280, 140, 110), (200, 120, 100),
                                                             (150, 110, 100))):
        control = site != 2
        sub = folder / f"site{site}"
        sub.mkdir()
        pages = {"index.html": home_page(rng, site, images, home_kb, control),
                 "column.html": column_page(rng, site, column_kb, control),
                 "article.html": article_page(rng, site, images, article_kb, control)}
        for name, html in pages.items():
            (sub / name).write_text(html, encoding="utf-8")
        sites.append((f"site{site}", [f"site{site}/{name}" for name in pages]))
    return sites


def copy_tiny(folder: Path, count: int) -> list[tuple[str, list[str]]]:
    names = sorted(p.name for p in CORPUS.glob("*.html") if not p.name.startswith("search"))
    chosen = names[:: max(1, len(names) // count)][:count]
    (folder / "tiny").mkdir()
    for name in chosen:
        shutil.copy(CORPUS / name, folder / "tiny" / name)
    return [("tiny", [f"tiny/{name}" for name in chosen])]


# -- the ways ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mode:
    """One way to take a page: govaudit's capture or the screenshot alone, then `checks`
    (a module or class with prepare_context and check_page) unless None."""

    checks: Any = None
    whole: bool = True  # govaudit's capture (PNG, HTML, MHTML); False: the screenshot alone


async def screenshot(page: Any, cdp: Any) -> int:
    """The full page as govaudit's capture takes it: Page.captureScreenshot with Chromium's
    fast PNG encoder, in segments of the default height; returns the bytes taken."""
    size = await page.evaluate("() => ({width: Math.max(document.documentElement.scrollWidth,"
                               " innerWidth), height: document.documentElement.scrollHeight})")
    taken = 0
    for top in range(0, max(1, size["height"]), DEFAULT_MAX_HEIGHT):
        shot = await cdp.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": True,
            "clip": {"x": 0, "y": top, "width": size["width"],
                     "height": max(1, min(DEFAULT_MAX_HEIGHT, size["height"] - top)),
                     "scale": 1}})
        taken += len(shot["data"])
    return taken


def load_anchor(rev: str, folder: Path) -> Any:
    """The page_checks module of govaudit/conformance as commit `rev` had it, as a package of
    its own (its imports of govaudit.conformance renamed)."""
    listing = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", rev,
                              "govaudit/conformance"], capture_output=True, text=True, check=True)
    for name in listing.stdout.split():
        blob = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{name}"],
                              capture_output=True, check=True).stdout
        target = folder / ANCHOR / name.removeprefix("govaudit/conformance/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".py"):
            blob = blob.replace(b"govaudit.conformance", ANCHOR.encode())
        target.write_bytes(blob)
    sys.path.insert(0, str(folder))
    return importlib.import_module(f"{ANCHOR}.page_checks")


async def run_site(browser: Any, base: str, paths: list[str], mode: Mode,
                   times: dict[str, list[float]], evidence: Workspace) -> float:
    """Take every page of one site `mode`'s way in a context of its own; returns the time
    the context's set-up took (preparing it for the checks included). The evidence files
    are deleted after."""
    context = await browser.new_context(viewport=VIEWPORT)
    try:
        started = time.perf_counter()
        if mode.checks is not None:
            await mode.checks.prepare_context(context)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        setup = time.perf_counter() - started
        for path in paths:
            started = time.perf_counter()
            await page.goto(f"{base}/{path}", wait_until="load")
            if mode.whole:
                record = await capture_open_page(page, workspace=evidence, site="示范市")
                if record.error or len(record.files) < 3:
                    raise RuntimeError(f"{path}: the capture failed: {record.error}")
            else:
                await screenshot(page, cdp)
            if mode.checks is not None:
                await mode.checks.check_page(page)
            times[path].append(time.perf_counter() - started)
        return setup
    finally:
        await context.close()
        shutil.rmtree(evidence.evidence_dir, ignore_errors=True)


class AccessibilityCheck:
    """The accessibility check alone, as a page_checks module offers its checks: axe-core
    loaded with each page, run with its GB/T mapping and one-pass rules."""

    prepare_context = staticmethod(accessibility.prepare_context)

    @staticmethod
    async def check_page(page: Any) -> Any:
        return await accessibility.check_accessibility(page)


def describe(html: str) -> str:
    """KB, links and images of a page, as the per-page table shows them."""
    return (f"{round(len(html.encode()) / 1024):>5}{html.count('<a '):>6}"
            f"{html.count('<img'):>5}")


def report(title: str, sites: list[tuple[str, list[str]]], times: dict[str, dict],
           setup: dict[str, float], rounds: int, sizes: dict[str, str]) -> dict[str, float]:
    """The per-page table and the totals of each mode against the capture; returns what each
    checked mode added, as a share of the capture's time."""
    paths = [p for _, ps in sites for p in ps]
    modes = [m for m in times if m not in (CAPTURE, SCREENSHOT)]
    print(f"\n{title}: {len(paths)} pages x {rounds} rounds (per page: median of the rounds)")
    widths = {m: max(11, len(m) + 4) for m in modes}
    print(f"{'page':<26}{'KB':>5}{'links':>6}{'imgs':>5}{'screenshot s':>13}{'capture s':>11}"
          + "".join(f"{m + ' s':>{widths[m]}}{'added':>8}" for m in modes))
    for path in paths:
        a = statistics.median(times[CAPTURE][path])
        row = (f"{path:<26}{sizes[path]}{statistics.median(times[SCREENSHOT][path]):>13.2f}"
               f"{a:>11.2f}")
        for mode in modes:
            b = statistics.median(times[mode][path])
            row += f"{b:>{widths[mode]}.2f}{(b - a) / a:>8.0%}"
        print(row)
    count = len(paths) * rounds
    totals = {m: sum(sum(times[m][p]) for p in paths) + setup[m] for m in times}
    print(f"screenshot alone (open + full-page PNG): {totals[SCREENSHOT]:7.1f} s, "
          f"{totals[SCREENSHOT] / count:.2f} s a page")
    print(f"capture (open + govaudit's capture: PNG, HTML, MHTML): {totals[CAPTURE]:7.1f} s, "
          f"{totals[CAPTURE] / count:.2f} s a page")
    added = {}
    for mode in modes:
        extra = totals[mode] - totals[CAPTURE]
        added[mode] = extra / totals[CAPTURE]
        what = "axe-core alone" if mode == ACCESSIBILITY else "axe + 适老化 checks"
        print(f"capture + {what} ({mode}): {totals[mode]:7.1f} s, "
              f"{totals[mode] / count:.2f} s a page; added {added[mode]:.0%} "
              f"({extra / count:.2f} s a page; {extra / totals[SCREENSHOT]:.0%} of the "
              "screenshot alone)")
    print("  (context set-up included: "
          + ", ".join(f"{m} {setup[m]:.1f} s" for m in times) + ")")
    return added


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


async def main(rounds: int, tiny: int, anchor: str | None) -> int:
    folder = Path(tempfile.mkdtemp(prefix="conformance-cost-"))
    try:
        modes = {CAPTURE: Mode(), SCREENSHOT: Mode(whole=False)}
        if anchor:
            modes[f"anchor {anchor}"] = Mode(load_anchor(anchor, folder / "anchor"))
        modes["checked"] = Mode(page_checks)
        modes[ACCESSIBILITY] = Mode(AccessibilityCheck)
        evidence = init_workspace(folder / "workspace", "cstc-2020-local", "评估员")
        mixes = {"portal": build_portals(folder / "sites"),
                 "tiny": copy_tiny(folder / "sites", tiny)}
        sizes = {path: describe((folder / "sites" / path).read_text(encoding="utf-8"))
                 for sites in mixes.values() for _, paths in sites for path in paths}
        server, base = serve(folder / "sites")
        times: dict[str, dict[str, list[float]]] = {m: defaultdict(list) for m in modes}
        setup = {mix: dict.fromkeys(modes, 0.0) for mix in mixes}
        loads = [load()]
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_browser().path,
                                               args=launch_args())
            warm: dict[str, list[float]] = defaultdict(list)  # not counted
            for mode in modes.values():
                await run_site(browser, base, mixes["tiny"][0][1][:1], mode, warm, evidence)
                await run_site(browser, base, mixes["portal"][0][1][:1], mode, warm, evidence)
            names = list(modes)
            for r in range(rounds):
                for mix, sites in mixes.items():
                    for _, paths in sites:
                        for name in names[r % len(names):] + names[:r % len(names)]:
                            took = await run_site(browser, base, paths, modes[name],
                                                  times[name], evidence)
                            setup[mix][name] += took
                loads.append(load())
            await browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("conformance cost: govaudit's capture against capture + checks, side by side")
    print(f"load average (1, 5, 15 min) at the start and after each round: {'; '.join(loads)}"
          f" ({os.cpu_count()} CPUs)")
    portal = {mix: {m: {p: times[m][p] for _, ps in sites for p in ps} for m in modes}
              for mix, sites in mixes.items()}
    added = report("portal-sized pages (the realistic mix)", mixes["portal"], portal["portal"],
                   setup["portal"], rounds, sizes)
    report("tiny corpus pages (fixed costs dominate)", mixes["tiny"], portal["tiny"],
           setup["tiny"], rounds, sizes)
    met = added[ACCESSIBILITY] <= GOAL
    print(f"\ngoal: the accessibility check adds at most {GOAL:.0%} on the realistic mix: "
          f"{'met' if met else 'NOT met'} ({added[ACCESSIBILITY]:.0%}); every check together "
          f"(axe + 适老化) adds {added['checked']:.0%}")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tiny", type=int, default=8, help="corpus pages in the tiny mix")
    parser.add_argument("--anchor", metavar="REV",
                        help="also time the checks as commit REV had them (e.g. HEAD)")
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.rounds, options.tiny, options.anchor)))
