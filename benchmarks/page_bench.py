"""Page model benchmark: parse plus every fact on one ~100 KB portal home page, in ms/page.

Two generated pages: a county portal as CMS templates write them (`typical`: a top bar with
the clock and utility links, a search form, a navigation bar, news blocks as ul/li with date
spans, tables and [11-20] forms, a service hall, friendly links, inline scripts and styles, a
footer with every mark; ASCII paths such as /xwzx/ywdt/202611/t20261120_1.html), and
probes_bench's portal page (`cjk-paths`: its links are Chinese paths, which take the link
normaliser's slow path).

Measured in one run, each the median of --runs, in CPU time of this process (the machine is
shared: wall-clock time would time the neighbours too):

- page: govaudit.page over the static HTML: Page.from_bytes, its lists, links and newest
  date, columns, a column page's state, features and marks (find_marks on the static Dom);
  "first visit" with the remembered link targets (dom.link_target) cleared before each run,
  "again" with them kept, as when the monitor visits the same page again;
- page+rendered: the same with a capture of the same HTML (the rendered DOM parsed too).

`check` and `monitor` read every page this way (one Page a page, read once).

Run: .venv/bin/python benchmarks/page_bench.py [--runs 30] [--size 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from probes_bench import TODAY, WORDS, portal_page

from govaudit.page import Capture, Page
from govaudit.page.columns import column_state, find_columns
from govaudit.page.dom import link_target
from govaudit.page.features import find_features as page_features
from govaudit.probes.marks import find_marks

URL = "http://www.example.gov.cn/"
COLUMNS = (("xwzx/ywdt", "要闻动态"), ("xwzx/bmdt", "部门动态"), ("xwzx/xzdt", "乡镇动态"),
           ("zwgk/tzgg", "通知公告"), ("zwgk/zcwj", "政策文件"), ("zwgk/zcjd", "政策解读"),
           ("zwgk/rsxx", "人事信息"), ("zwgk/ghjh", "规划计划"), ("zwgk/czxx", "财政信息"),
           ("hdjl/zxft", "在线访谈"), ("ztzl/ztzl", "专题专栏"), ("bsfw/bszn", "办事指南"))


def typical_portal(target_kb: int) -> str:
    """A county portal's home page of about `target_kb` KB (UTF-8), as CMS templates write it."""
    rng = random.Random(7)
    nav = "".join(f'<li class="nav-item"><a href="/{path}/">{name}</a></li>'
                  for path, name in COLUMNS)
    style = ".w1200{width:1200px;margin:0 auto}" * 60
    head = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>某县人民政府</title>
<meta name="SiteName" content="某县人民政府"><meta name="SiteIDCode" content="5108230001">
<style>{style}</style><script src="/js/jquery.min.js"></script></head><body>
<div class="top"><div class="w1200"><span class="clock">今天是{TODAY.year}年{TODAY.month}月
{TODAY.day}日 星期六</span><a href="javascript:void(0)" id="wza">无障碍</a>
<a href="/zzms/">长者模式</a><a href="/en/">English</a><a href="/user/login.html">登录</a>
</div></div><div class="header w1200"><img src="/images/logo.png" alt="某县人民政府">
<form action="/search/" method="get">
<input type="text" name="searchword" placeholder="请输入关键字"><input type="submit" value="搜索">
</form></div>
<div class="nav w1200"><ul><li><a href="/">首页</a></li>{nav}</ul></div>
"""
    foot = """<div class="yqlj w1200">友情链接：<a href="http://www.gov.cn/">中国政府网</a>
<a href="http://www.sc.gov.cn/">四川省人民政府</a><a href="http://www.cd.gov.cn/">成都市人民政府</a></div>
<div class="footer"><div class="w1200"><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a>
<p>主办单位：某县人民政府办公室 承办单位：某县大数据中心</p>
<p>网站标识码：5108230001 蜀ICP备12007815号-1
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=51082302000117">
川公网安备 51082302000117号</a></p>
<script src="//dcs.conac.cn/js/23/051/0000/60423156/CA230510000604231560001.js"></script>
</div></div></body></html>"""
    parts, size, number = [head], len(head.encode()) + len(foot.encode()), 0
    while size < target_kb * 1024:
        path, name = COLUMNS[number % len(COLUMNS)]
        rows = []
        for index in range(10):
            number += 1
            day = TODAY - timedelta(days=rng.randrange(0, 300))
            title = "".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 12)))
            href = f"/{path}/{day:%Y%m}/t{day:%Y%m%d}_{number}.html"
            if number % 3 == 0:
                rows.append(f'<tr><td class="dot">·</td><td><a href="{href}" target="_blank">'
                            f'{title}</a></td><td class="date">{day.isoformat()}</td></tr>')
            else:
                shown = f"[{day:%m-%d}]" if index % 2 else day.isoformat()
                rows.append(f'<li><a href="{href}" title="{title}" target="_blank">{title}</a>'
                            f'<span class="date">{shown}</span></li>')
        lis = "".join(r for r in rows if r.startswith("<li"))
        trs = "".join(r for r in rows if r.startswith("<tr"))
        block = (f'<div class="box w1200"><div class="tit"><h3>{name}</h3>'
                 f'<a class="more" href="/{path}/">更多&gt;&gt;</a></div><ul class="list">{lis}'
                 f'</ul><table class="tlist">{trs}</table></div>\n'
                 f'<script>$(".box").eq({number % 7}).find("li").hover(function(){{'
                 f'$(this).addClass("on")}},function(){{$(this).removeClass("on")}});</script>\n')
        parts.append(block)
        size += len(block.encode())
    parts.append(foot)
    return "".join(parts)


def all_facts(page: Page) -> dict[str, Any]:
    return {"lists": page.lists, "links": page.links, "newest": page.newest,
            "columns": find_columns(page), "state": column_state(page),
            "features": page_features(page), "marks": find_marks(page.static)}


def median_ms(work: Callable[[], object], runs: int, cold: bool = False) -> float:
    work()  # imports, and the regex caches
    times = []
    for _ in range(runs):
        if cold:
            link_target.cache_clear()
        started = time.process_time()
        work()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size", type=int, default=100, help="page size in KB")
    args = parser.parse_args()
    for name, html in (("typical", typical_portal(args.size)),
                       ("cjk-paths", portal_page(args.size))):
        measure(name, html, args.runs)


def measure(name: str, html: str, runs: int) -> None:
    body = html.encode("utf-8")
    capture = Capture(URL, html)

    facts = all_facts(Page.from_bytes(body, URL, "text/html; charset=utf-8", today=TODAY))
    items = sum(len(found.items) for found in facts["lists"])
    print(f"{name} page: {len(body) / 1024:.0f} KB; govaudit.page finds "
          f"{len(facts['lists'])} lists, {items} items, newest {facts['newest']}, "
          f"{len(facts['links'])} links, {len(facts['columns'])} columns")

    def static() -> object:
        return all_facts(Page.from_bytes(body, URL, "text/html; charset=utf-8", today=TODAY))

    def rendered() -> object:
        return all_facts(Page.from_bytes(body, URL, "text/html; charset=utf-8", today=TODAY,
                                         capture=capture))

    measured = (
        ("page, static: first visit", static, True),
        ("page, static: again", static, False),
        ("page, static+rendered: first visit", rendered, True),
    )
    for label, work, cold in measured:
        print(f"  {label:<44} {median_ms(work, runs, cold):7.1f} ms/page (CPU)")


if __name__ == "__main__":
    main()
