"""Evidence capture throughput: govaudit at concurrency 1 and its default vs `shot-scraper multi`.

Serves 40 realistic local pages (Chinese text, a few hundred KB of HTML and
images each, 4 sites x 10 pages) on 127.0.0.1 and captures them all with the
real `govaudit evidence` command, then with `shot-scraper multi` pointed at the
same Chromium. Prints pages per second and the peak memory (PSS, summed over
the whole process tree: Python, Playwright's driver and every Chromium
process). Linux only (memory is read from /proc).

shot-scraper is only needed here, not by govaudit:
    .venv/bin/pip install shot-scraper
Run:
    .venv/bin/python benchmarks/evidence_bench.py [--repeat 3] [--concurrency 1 4]
With --archive it only times `govaudit evidence` with and without --archive on
the same pages (goal: the archiving run takes at most 1.25x the time):
    .venv/bin/python benchmarks/evidence_bench.py --archive [--pages-per-site 3]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit.browser import find_browser, headless_shell_path, launch_args  # noqa: E402
from govaudit.capture import default_concurrency  # noqa: E402

SITES = 4
PAGES_PER_SITE = 10
WORDS = [
    "政府信息公开", "依申请公开", "政策解读", "互动交流", "办事服务", "通知公告", "部门动态",
    "人事信息", "财政预决算", "重大项目", "建议提案办理", "新闻发布会", "营商环境", "一网通办",
    "政务服务", "便民服务", "公共资源交易", "统计数据",
]


# -- the local site ---------------------------------------------------------------------------


def make_images(folder: Path, count: int) -> list[str]:
    """JPEG photos of about 40 KB each (smooth gradients with noise, like real photos)."""
    from PIL import Image

    names = []
    rng = random.Random(7)
    for i in range(count):
        base = Image.linear_gradient("L").resize((480, 300)).convert("RGB")
        tint = Image.new("RGB", (480, 300), (rng.randrange(256), rng.randrange(256),
                                             rng.randrange(256)))
        noise = Image.effect_noise((480, 300), 60).convert("RGB")
        image = Image.blend(Image.blend(base, tint, 0.5), noise, 0.25)
        name = f"img{i:02d}.jpg"
        image.save(folder / name, quality=88)
        names.append(name)
    return names


def paragraph(rng: random.Random, words: int) -> str:
    return "，".join(rng.choice(WORDS) for _ in range(words)) + "。"


def make_page(rng: random.Random, site: int, page: int, images: list[str]) -> str:
    nav = "".join(f'<li><a href="p{j}.html">{WORDS[j % len(WORDS)]}</a></li>'
                  for j in range(PAGES_PER_SITE))
    # the hidden drop-down menus and inline scripts that make real portals heavy
    menu = "".join(
        f'<div class="sub"><h3>{rng.choice(WORDS)}</h3>' + "".join(
            f'<a href="/col/{m}/{k}.html" title="{paragraph(rng, 2)}">{rng.choice(WORDS)}</a>'
            for k in range(25)) + "</div>" for m in range(12))
    script = "var cfg = " + json.dumps({f"k{k}": paragraph(rng, 6) for k in range(120)},
                                       ensure_ascii=False) + ";"
    news = "".join(
        f'<li><a href="p{(page + k) % PAGES_PER_SITE}.html">{paragraph(rng, 4)}</a>'
        f'<span class="date">2026-{1 + k % 12:02d}-{1 + k % 28:02d}</span></li>'
        for k in range(160))
    article = "".join(f"<p>{paragraph(rng, 60)}</p>" for _ in range(30))
    pics = "".join(
        f'<figure><img src="../img/{rng.choice(images)}" width="480" height="300" '
        f'{"loading=lazy " if k >= 2 else ""}alt="图片{k}"><figcaption>{paragraph(rng, 3)}'
        f"</figcaption></figure>" for k in range(6))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>示范市{site}人民政府 - {WORDS[page % len(WORDS)]}</title>
<link rel="stylesheet" href="../site.css"><script>{script}</script></head><body>
<header><h1>示范市{site}人民政府门户网站</h1><form><input name="q" placeholder="全站搜索">
<button>搜索</button></form></header><nav><ul>{nav}</ul><div class="menu">{menu}</div></nav>
<main><section class="pics">{pics}</section><section><h2>通知公告</h2><ul class="news">{news}</ul>
</section><article><h2>{paragraph(rng, 5)}</h2>{article}</article></main>
<footer id="footer"><p>主办单位：示范市{site}人民政府办公厅　网站标识码：51010000{site:02d}</p>
<p>京ICP备05070218号　京公网安备 11010202000001号</p><a href="sitemap.html">网站地图</a></footer>
</body></html>"""


CSS = """body{margin:0;font-family:"WenQuanYi Zen Hei",sans-serif;color:#222;background:#f4f6f9}
header{background:#b71c1c;color:#fff;padding:16px 40px}nav ul{display:flex;flex-wrap:wrap;
list-style:none;background:#c62828;margin:0;padding:0}nav a{color:#fff;padding:10px 18px;
display:block}main{max-width:1200px;margin:0 auto;background:#fff;padding:20px}
.pics{display:grid;grid-template-columns:1fr 1fr 1fr;gap:12px}.menu{display:none}
.news{columns:2;font-size:14px}article{font-size:14px;line-height:1.6}img{max-width:100%;height:auto}
.date{float:right;color:#888}footer{background:#333;color:#ddd;padding:20px 40px}
@keyframes blink{50%{opacity:.3}}header h1{animation:blink 2s infinite}"""


def build_site(folder: Path, pages_per_site: int = PAGES_PER_SITE) -> list[list[str]]:
    """Write the pages; returns each site's page paths (home page first)."""
    rng = random.Random(42)
    (folder / "img").mkdir(parents=True)
    images = make_images(folder / "img", 80)
    (folder / "site.css").write_text(CSS, encoding="utf-8")
    sites = []
    for s in range(SITES):
        sub = folder / f"site{s}"
        sub.mkdir()
        paths = []
        for p in range(pages_per_site):
            name = "index.html" if p == 0 else f"p{p}.html"
            (sub / name).write_text(make_page(rng, s, p, images), encoding="utf-8")
            paths.append(f"site{s}/{name}")
        sites.append(paths)
    return sites


def page_weight(folder: Path, sites: list[list[str]]) -> float:
    """Average bytes a page loads: its HTML, the style sheet and the images it shows."""
    import re

    total = 0
    for path in (p for paths in sites for p in paths):
        html = (folder / path).read_text(encoding="utf-8")
        total += len(html.encode()) + (folder / "site.css").stat().st_size
        total += sum((folder / "img" / name).stat().st_size
                     for name in re.findall(r'src="\.\./img/([^"]+)"', html))
    return total / sum(len(paths) for paths in sites)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# -- measuring a command ----------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return pids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(args: list[str], cwd: Path, env: dict[str, str] | None = None
            ) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command; its wall time (s) and peak memory of its process tree (MB, PSS)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kb(p) for p in _tree(process.pid)))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return seconds, peak / 1024, subprocess.CompletedProcess(args, process.returncode, out, err)


# -- the two tools -----------------------------------------------------------------------------


def govaudit_run(base: str, sites: list[list[str]], workdir: Path, concurrency: int,
                 *options: str) -> tuple[float, float]:
    """`govaudit evidence` over every page, with `options` (e.g. --archive)."""
    from govaudit.store import PageRecord, Site, Store
    from govaudit.workspace import init_workspace

    folder = Path(tempfile.mkdtemp(dir=workdir, prefix="ws-"))
    ws = init_workspace(folder / "ws", "cstc-2020-local", "基准")
    store = Store(ws)
    store.add_sites([Site(f"示范市{i}", f"{base}/{paths[0]}", "city")
                     for i, paths in enumerate(sites)])
    for i, paths in enumerate(sites):
        for path in paths[1:]:
            store.record_page(PageRecord(f"示范市{i}", f"{base}/{path}"))
    command = [sys.executable, "-m", "commands", "evidence", "--json",
               "--concurrency", str(concurrency), *options]
    seconds, peak, done = measure(command, ws.root)
    data = json.loads(done.stdout) if done.stdout.strip() else {}
    captured = len(data.get("captures", []))
    if done.returncode != 0 or captured != sum(len(paths) for paths in sites):
        sys.exit(f"govaudit evidence failed ({done.returncode}, {captured} captures):\n"
                 f"{done.stderr[-2000:]}\n{data.get('failed')}")
    shutil.rmtree(folder)
    return seconds, peak


def shot_scraper_env(workdir: Path, chromium: str) -> dict[str, str]:
    """A PLAYWRIGHT_BROWSERS_PATH whose headless shell is a link to the system Chromium."""
    shell = headless_shell_path(workdir / "pw-browsers")
    shell.parent.mkdir(parents=True, exist_ok=True)
    if not shell.exists():
        shell.symlink_to(chromium)
    return {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(workdir / "pw-browsers")}


def shot_scraper_run(base: str, sites: list[list[str]], workdir: Path, env: dict[str, str]
                     ) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(dir=workdir, prefix="shots-"))
    lines = []
    for paths in sites:
        for path in paths:
            name = path.replace("/", "-").replace(".html", ".png")
            lines.append(f"- url: {base}/{path}\n  output: {name}\n")
    (folder / "shots.yml").write_text("".join(lines), encoding="utf-8")
    command = [str(ROOT / ".venv" / "bin" / "shot-scraper"), "multi", "shots.yml", "--silent"]
    command += [f"--browser-arg={arg}" for arg in launch_args()]
    seconds, peak, done = measure(command, folder, env)
    shots = len(list(folder.glob("*.png")))
    if done.returncode != 0 or shots != SITES * PAGES_PER_SITE:
        sys.exit(f"shot-scraper failed ({done.returncode}, {shots} shots):\n{done.stderr[-2000:]}")
    shutil.rmtree(folder)
    return seconds, peak


# The floor: a bare Playwright script that only opens each page and takes a full-page PNG.
BARE_SCRIPT = """
import asyncio, sys
from playwright.async_api import async_playwright

async def main(chromium, args, concurrency, out, urls):
    queue = list(enumerate(urls))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=args)
        async def worker():
            context = await browser.new_context(viewport={"width": 1366, "height": 768})
            page = await context.new_page()
            while queue:
                n, url = queue.pop()
                await page.goto(url)
                await page.screenshot(path=f"{out}/{n}.png", full_page=True)
            await context.close()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()

chromium, args, concurrency, out, *urls = sys.argv[1:]
asyncio.run(main(chromium, args.split(), int(concurrency), out, urls))
"""


def bare_run(base: str, sites: list[list[str]], workdir: Path, chromium: str,
             concurrency: int) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(dir=workdir, prefix="bare-"))
    urls = [f"{base}/{path}" for paths in sites for path in paths]
    command = [sys.executable, "-c", BARE_SCRIPT, chromium, " ".join(launch_args()),
               str(concurrency), str(folder), *urls]
    seconds, peak, done = measure(command, folder)
    if done.returncode != 0 or len(list(folder.glob("*.png"))) != len(urls):
        sys.exit(f"the bare Playwright script failed:\n{done.stderr[-2000:]}")
    shutil.rmtree(folder)
    return seconds, peak


TALL_HEIGHT = 60000


def tall_run(workdir: Path) -> None:
    """Peak memory of `govaudit evidence` on one 60,000 px page (captured in segments)."""
    from govaudit.store import Site, Store
    from govaudit.workspace import init_workspace

    site = workdir / "tall"
    site.mkdir()
    (site / "tall.html").write_text(
        f'<html><body style="margin:0"><div style="height:{TALL_HEIGHT - 20}px;background:'
        'linear-gradient(#fff,#00f)"></div><footer>主办单位：示范市人民政府办公厅</footer>'
        '</body></html>', encoding="utf-8")
    server, base = serve(site)
    ws = init_workspace(workdir / "tall-ws", "cstc-2020-local", "基准")
    Store(ws).add_sites([Site("示范市", f"{base}/tall.html", "city")])
    command = [sys.executable, "-m", "commands", "evidence", "--json"]
    seconds, peak, done = measure(command, ws.root)
    server.shutdown()
    data = json.loads(done.stdout) if done.stdout.strip() else {}
    [capture] = data.get("captures") or [{"files": [], "error": done.stderr[-500:]}]
    segments = sum(1 for f in capture["files"] if f["kind"] == "png")
    problem = f"; {capture['error']}" if capture["error"] else ""
    print(f"{TALL_HEIGHT} px page: {segments} PNG segments in {seconds:.1f} s, peak memory "
          f"{peak:.0f} MB (PSS over the process tree){problem}")


def archive_run(workdir: Path, pages_per_site: int, repeat: int, levels: list[int]) -> None:
    """Pages/s of `govaudit evidence` without and with --archive, and the time ratio."""
    sites = build_site(workdir / "site", pages_per_site)
    server, base = serve(workdir / "site")
    pages = sum(len(paths) for paths in sites)
    print(f"{pages} pages on {SITES} sites; {os.cpu_count()} cores; median of {repeat} run(s)")
    for level in levels:
        times: dict[str, list[float]] = {"without --archive": [], "with --archive": []}
        for _ in range(repeat):
            times["without --archive"].append(govaudit_run(base, sites, workdir, level)[0])
            times["with --archive"].append(
                govaudit_run(base, sites, workdir, level, "--archive")[0])
        median = {name: statistics.median(runs) for name, runs in times.items()}
        for name, seconds in median.items():
            print(f"govaudit c={level} {name:<18} {seconds:6.1f} s  {pages / seconds:5.2f} "
                  "pages/s")
        ratio = median["with --archive"] / median["without --archive"]
        print(f"govaudit c={level}: --archive takes {ratio:.2f}x the time (goal: at most 1.25x)")
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tall", action="store_true",
                        help=f"only the peak memory of capturing one {TALL_HEIGHT} px page")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each (median reported)")
    parser.add_argument("--concurrency", type=int, nargs="*", default=None,
                        help="govaudit concurrencies to run (default: 1 and the default)")
    parser.add_argument("--archive", action="store_true",
                        help="only govaudit with and without --archive, on the same pages")
    parser.add_argument("--pages-per-site", type=int, default=PAGES_PER_SITE,
                        help=f"pages of each of the {SITES} sites (with --archive)")
    args = parser.parse_args()
    if args.archive:
        with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
            archive_run(Path(tmp), args.pages_per_site, args.repeat,
                        args.concurrency or [default_concurrency()])
        return
    if args.tall:
        with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
            tall_run(Path(tmp))
        return
    shot_scraper = ROOT / ".venv" / "bin" / "shot-scraper"
    chromium = find_browser()
    levels = args.concurrency or sorted({1, default_concurrency()})
    pages = SITES * PAGES_PER_SITE
    with tempfile.TemporaryDirectory(prefix="evidence-bench-") as tmp:
        workdir = Path(tmp)
        sites = build_site(workdir / "site")
        size = page_weight(workdir / "site", sites)
        server, base = serve(workdir / "site")
        env = shot_scraper_env(workdir, str(chromium.path))
        print(f"{pages} pages on {SITES} sites, {size / 1024:.0f} KB of HTML, CSS and "
              f"images per page on average; {chromium.version}; {os.cpu_count()} cores; "
              f"median of {args.repeat} run(s)")
        results: dict[str, list[tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for level in levels:
                results.setdefault(f"govaudit c={level}", []).append(
                    govaudit_run(base, sites, workdir, level))
                results.setdefault(f"bare Playwright c={level}", []).append(
                    bare_run(base, sites, workdir, str(chromium.path), level))
            if shot_scraper.exists():
                results.setdefault("shot-scraper multi", []).append(
                    shot_scraper_run(base, sites, workdir, env))
        server.shutdown()
    summary = {name: (statistics.median(s for s, _ in runs), max(m for _, m in runs))
               for name, runs in results.items()}
    for name, (seconds, peak) in summary.items():
        print(f"{name:<20} {seconds:6.1f} s  {pages / seconds:5.2f} pages/s  "
              f"peak memory {peak:6.0f} MB")
    if not shot_scraper.exists():
        print(f"{'shot-scraper multi':<20} not installed (make bench installs it)")
    for level in levels:
        ratio = summary[f"bare Playwright c={level}"][0] / summary[f"govaudit c={level}"][0]
        print(f"govaudit c={level} vs the bare Playwright script: {ratio:.2f}x its pages/s "
              "(goal: at least 0.8x)")
    shot = pages / summary["shot-scraper multi"][0] if "shot-scraper multi" in summary else None
    default = pages / summary[f"govaudit c={default_concurrency()}"][0] \
        if f"govaudit c={default_concurrency()}" in summary else None
    if default is not None and shot is not None:
        print(f"govaudit at its default concurrency ({default_concurrency()}) vs shot-scraper: "
              f"{default / shot:.2f}x the throughput (target: at least 2x); govaudit also "
              "writes HTML, MHTML, hashes, records and a manifest for every page")


if __name__ == "__main__":
    main()
