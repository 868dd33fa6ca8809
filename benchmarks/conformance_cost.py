"""What the accessibility and 适老化 checks add to a capture, side by side in one run.

A capture here opens the page in Chromium and takes a full-page screenshot; the checked run
does the same and then `govaudit.conformance.page_checks.check_page` (axe-core up to 二级 and
every 适老化 check). Pages: the labelled corpus (tests/conformance_corpus/) and a portal-sized
home page made here (12 columns of 30 dated links, 40 images, a long footer), served on
127.0.0.1. Each round takes every page both ways, alternating which goes first; the figures
are sums over all rounds.

    .venv/bin/python benchmarks/conformance_cost.py [--rounds 3] [--pages 12]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.async_api import async_playwright

from govaudit.browser import find_browser, launch_args
from govaudit.conformance.page_checks import check_page

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "conformance_corpus" / "pages"
GOAL = 0.30


def portal() -> str:
    columns = "".join(
        f'<section class="col"><h2>栏目{c}</h2><ul>' + "".join(
            f'<li><a href="/c{c}/{i}.html">关于第{c}栏目第{i}条信息的公告通知</a>'
            f"<span>2026-03-{i % 28 + 1:02d}</span></li>" for i in range(30)) + "</ul></section>"
        for c in range(12))
    images = "".join(f'<img src="/img/{i}.png" alt="图片{i}" width="180" height="100">'
                     for i in range(40))
    nav = "".join(f'<a href="/n{i}/">导航{i}</a>' for i in range(12))
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title>'
            "<style>body{font-size:16px;line-height:1.6}.col{display:inline-block;width:30%;"
            "vertical-align:top}nav a{margin:4px}</style></head><body><header>"
            f'<a href="/login/">登录</a></header><nav>{nav}</nav><main>{images}{columns}</main>'
            "<footer>主办：测试市人民政府办公室 网站标识码：5101000001 " + "友情链接 " * 80 +
            "</footer></body></html>")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


async def capture(browser, url: str, checks: bool) -> float:
    started = time.perf_counter()
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        await page.goto(url, wait_until="load")
        await page.screenshot(full_page=True)
        if checks:
            await check_page(page)
    finally:
        await page.close()
    return time.perf_counter() - started


async def main(rounds: int, count: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="conformance-cost-"))
    try:
        names = sorted(p.name for p in CORPUS.glob("*.html") if not p.name.startswith("search"))
        for name in names[:: max(1, len(names) // count)][:count]:
            shutil.copy(CORPUS / name, folder / name)
        (folder / "portal.html").write_text(portal(), encoding="utf-8")
        pages = sorted(p.name for p in folder.glob("*.html"))
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        plain = checked = 0.0
        portal_plain = portal_checked = 0.0
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_browser().path,
                                               args=launch_args())
            await capture(browser, f"{base}/{pages[0]}", True)  # warm-up, not counted
            for r in range(rounds):
                for name in pages:
                    order = (False, True) if r % 2 == 0 else (True, False)
                    for checks in order:
                        took = await capture(browser, f"{base}/{name}", checks)
                        if checks:
                            checked += took
                            portal_checked += took if name == "portal.html" else 0
                        else:
                            plain += took
                            portal_plain += took if name == "portal.html" else 0
            await browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    added = (checked - plain) / plain
    print(f"conformance cost: {len(pages)} pages x {rounds} rounds")
    print(f"capture (open + full-page screenshot): {plain:.1f} s, "
          f"{plain / (len(pages) * rounds):.2f} s a page")
    print(f"capture + axe + 适老化 checks:         {checked:.1f} s, "
          f"{checked / (len(pages) * rounds):.2f} s a page")
    print(f"added: {added:.0%} (goal at most {GOAL:.0%}); portal page alone: "
          f"{(portal_checked - portal_plain) / portal_plain:.0%}")
    return 0 if added <= GOAL else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=12)
    options = parser.parse_args()
    sys.exit(asyncio.run(main(options.rounds, options.pages)))
