"""Probe benchmark: parse plus every page probe on one ~500 KB portal page, lxml against Lexbor.

The page is generated: a provincial portal's home page with a navigation bar,
many news columns (each item a dated link), a service hall of links and icons,
inline and external scripts, and a footer with every mark. It is well formed,
so that the lxml path reads the whole page too (on a page with a stray
`</html>` lxml stops there and does less work, and misses the footer).

Each run parses the page and runs the marks, features and freshness probes and
the link extraction of the links probe. The new path is govaudit's probes
(selectolax / Lexbor). The old path is the lxml-based probes as they were before
the move: their modules are read from git history (the last version of
govaudit/probes/html.py that imports lxml) into a temporary package, so this
file keeps no copy of them. Both must find the same marks.

Run: .venv/bin/python benchmarks/probes_bench.py [--runs 20] [--size 500]
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
OLD_MODULES = ("html", "marks", "features", "freshness", "links")
COLUMNS = ("要闻动态", "通知公告", "政策文件", "政策解读", "部门动态", "区县动态", "人事信息",
           "规划计划", "财政信息", "应急管理", "招标采购", "民生实事")
_WORDS = ("关于 开展 做好 进一步 加强 全省 全市 工作 通知 实施 意见 办法 印发 推进 高质量 "
           "发展 政务 服务 数字 政府 建设 会议 召开 部署 安排 调研 督查 专项 行动 方案 公示 "
           "结果")
WORDS = _WORDS.split()


def portal_page(target_kb: int) -> str:
    """A portal home page of about `target_kb` KB (UTF-8)."""
    rng = random.Random(11)
    nav = "".join(f'<li><a href="/{c}/index.html" target="_blank">{c}</a></li>'
                  for c in COLUMNS)
    head = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某省人民政府门户网站</title>
<meta name="SiteName" content="某省人民政府"><meta name="SiteIDCode" content="5100000062">
<link rel="stylesheet" href="/css/index.css"><script src="/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script");
hm.src = "https://hm.example.cn/hm.js?abc"; }})();</script></head>
<body><div class="header"><div class="top">今天是{TODAY.year}年{TODAY.month}月{TODAY.day}日
<a href="/wza/">无障碍</a> <a href="/zzms/">长者模式</a> <a href="/login">登录</a></div>
<form action="/search/index.html" method="get"><input type="text" name="searchword"
 placeholder="请输入关键词"><button type="submit">搜索</button></form>
<ul class="nav">{nav}</ul></div>
"""
    foot = """<div class="footer" id="footer"><div class="links"><a href="/wzdt/">网站地图</a>
<a href="/lxwm/">联系我们</a></div>
<p>主办单位：某省人民政府办公厅 承办单位：某省大数据中心</p>
<p>网站标识码：5100000062 蜀ICP备05003205号-1 川公网安备 51010402000507号</p>
<script src="//dcs.conac.cn/js/23/000/0000/60429971/CA230000000604299710001.js"></script>
</div></body></html>"""
    parts = [head]
    size = len(head.encode()) + len(foot.encode())
    number = 0
    while size < target_kb * 1024:
        column = COLUMNS[number % len(COLUMNS)]
        items = []
        for _ in range(20):
            number += 1
            day = TODAY - timedelta(days=rng.randrange(0, 400))
            title = "".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 14)))
            items.append(f'<li><a href="/{column}/{day:%Y%m}/t{day:%Y%m%d}_{number}.html" '
                         f'title="{title}" target="_blank">{title}</a>'
                         f'<span class="date">{day.isoformat()}</span></li>')
        block = (f'<div class="column"><h2><a href="/{column}/">{column}</a>'
                 f'<a class="more" href="/{column}/index.html">更多</a></h2>'
                 f'<ul class="list">{"".join(items)}</ul>'
                 f'<div class="icon"><img src="/images/{column}.png" alt="{column}"></div>'
                 '</div>\n')
        parts.append(block)
        size += len(block.encode())
    parts.append(foot)
    return "".join(parts)


def lxml_path_modules() -> dict[str, ModuleType]:
    """The lxml-based probe modules from git history, loaded as a temporary package."""
    revs = subprocess.run(["git", "-C", str(REPO), "log", "--format=%H", "--",
                           "govaudit/probes/html.py"], capture_output=True, text=True,
                          check=True).stdout.split()
    for rev in revs:
        text = _git_show(rev, "govaudit/probes/html.py")
        if "import lxml" in text:
            break
    else:
        raise SystemExit("no lxml-based govaudit/probes/html.py in the git history")
    folder = Path(tempfile.mkdtemp(prefix="lxml-probes-"))
    package = folder / "lxml_probes"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in OLD_MODULES:
        source = _git_show(rev, f"govaudit/probes/{name}.py")
        source = source.replace("govaudit.probes.html", "lxml_probes.html")
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(folder))
    print(f"lxml path: the probe modules of commit {rev[:10]}")
    return {name: importlib.import_module(f"lxml_probes.{name}") for name in OLD_MODULES}


def _git_show(rev: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{path}"],
                          capture_output=True, text=True, check=True).stdout


def run_probes(modules: dict[str, ModuleType], html: str, url: str) -> dict[str, Any]:
    doc = modules["html"].Document(html, url)
    marks = modules["marks"].find_marks(doc)
    features = modules["features"].find_features(doc)
    fresh = modules["freshness"].page_freshness(doc, TODAY)
    links, _invalid, _skipped = modules["links"].extract_links(doc)
    return {"marks": {k: marks[k] for k in ("site_code", "icp", "police", "conac_url",
                                            "sponsor", "organizer", "sitemap")},
            "features": {k: v["found"] for k, v in features.items()},
            "latest": fresh["latest"], "links": len(links)}


def timed(modules: dict[str, ModuleType], html: str, url: str, runs: int
          ) -> tuple[float, dict[str, Any]]:
    result = run_probes(modules, html, url)  # warm-up (imports, regex compilation)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run_probes(modules, html, url)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=500, help="page size in KB")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    new = {name: importlib.import_module(f"govaudit.probes.{name}") for name in OLD_MODULES}
    old = lxml_path_modules()
    html = portal_page(args.size)
    url = "http://www.example.gov.cn/"
    print(f"page: {len(html.encode()) / 1024:.0f} KB, {html.count('<a ')} links; "
          f"median of {args.runs} runs of parse + marks + features + freshness + link "
          "extraction")
    old_time, old_result = timed(old, html, url, args.runs)
    new_time, new_result = timed(new, html, url, args.runs)
    print(f"lxml (before)      : {old_time * 1000:7.1f} ms")
    print(f"selectolax (Lexbor): {new_time * 1000:7.1f} ms   ({old_time / new_time:.2f}x)")
    assert new_result["marks"] == old_result["marks"], (old_result["marks"],
                                                        new_result["marks"])
    assert new_result == old_result, (old_result, new_result)
    print(f"findings           : identical ({new_result['links']} links, newest date "
          f"{new_result['latest']}, marks {new_result['marks']})")


if __name__ == "__main__":
    main()
