"""Report benchmark: 100 sites with 3,000 screenshots, built first from scratch, then again
with the thumbnails cached.

Run: .venv/bin/python benchmarks/report_bench.py [--sites 100] [--shots 3000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import struct
import tempfile
import time
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from govaudit import Audit, Evidence
from govaudit.probes.registry import probe_result
from govaudit.store import Answer, Site, Store, utc_now
from govaudit.workspace import init_workspace

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
HEADLINES = ("关于印发政务公开工作要点的通知", "政府信息公开工作年度报告",
             "重点民生实事项目进展情况", "优化营商环境若干措施",
             "政策解读：数字政府建设三年行动方案", "征集调查：公共交通线网优化")


def screenshot_like(height: int, seed: int) -> bytes:
    """A PNG that compresses and decodes like a real page screenshot: text, banners, photos."""
    rng = random.Random(seed)
    try:
        font = ImageFont.truetype(FONT, 15)
    except OSError:
        font = ImageFont.load_default()
    image = Image.new("RGB", (1366, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1366, 140), fill=(170 + rng.randint(0, 40), 30, 35))
    for y in range(170, height - 60, 26):
        draw.text((60, y), f"{rng.choice(HEADLINES)}　2026-11-{rng.randint(1, 21):02d}",
                  fill=(40, 40, 40), font=font)
    for _ in range(max(2, height // 500)):
        x, y = rng.randint(700, 1100), rng.randint(160, max(161, height - 260))
        photo = Image.effect_noise((220, 160), 40).convert("RGB")
        image.paste(photo, (x, y))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def unique_png(base: bytes, label: str) -> bytes:
    """The same picture with a tEXt chunk, so every file has its own SHA-256."""
    body = b"Comment\x00" + label.encode()
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + body) & 0xFFFFFFFF)
    return base[:-12] + chunk + base[-12:]  # before IEND


def populate(root: Path, site_count: int, shots: int) -> Path:
    ws = init_workspace(root / "ws", "cstc-2020-local", "基准")
    store = Store(ws)
    checklist = ws.checklist
    sites = [Site(f"基准市{i:03d}", f"https://www{i}.example.gov.cn/", "city")
             for i in range(site_count)]
    store.add_sites(sites)
    questions = [q for q in checklist.questions_at("city") if q.scored]
    rng = random.Random(7)
    now = utc_now()
    answers = []
    for site in sites:
        for q in questions:
            if q.type == "yes_no":
                value: str | int = rng.choice(("yes", "yes", "yes", "no", "na"))
            elif q.type == "graded":
                value = rng.choice(q.choices).label
            else:
                value = rng.randint(0, 20)
            answers.append(Answer(site.name, q.id, q.indicator_id, value, "基准", now,
                                  note=rng.choice(("", "", "首页底部可见", "栏目更新较慢"))))
    store.save_answers(answers)
    bases = [screenshot_like(768 if i % 3 else 2400, i) for i in range(24)]
    per_site = shots // site_count
    for index, site in enumerate(sites):
        folder = ws.root / "evidence" / f"site{index:03d}"
        folder.mkdir(parents=True)
        records = []
        for shot in range(per_site):
            data = unique_png(bases[(index + shot) % len(bases)], f"{index}-{shot}")
            name = f"shot{shot:02d}.png"
            (folder / name).write_bytes(data)
            question = questions[shot % len(questions)]
            records.append({
                "id": f"ev-{index:05d}{shot:07d}", "run": "bench", "site": site.name,
                "indicator": question.indicator_id, "question": question.id,
                "requested_url": site.url, "final_url": site.url, "status": 200, "ip": "",
                "title": f"{site.name}人民政府门户网站", "time": "2026-11-22T08:15:00Z",
                "viewport": "1366x768", "device": "", "user_agent": "", "browser": "",
                "govaudit": "bench", "duration_ms": 900, "capped_height": None,
                "files": [{"kind": "png", "path": f"evidence/site{index:03d}/{name}",
                           "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}],
                "error": ""})
        store.add_evidence([Evidence.from_dict(r) for r in records])
        store.save_probe_results(site.name, map(probe_result, [
            {"probe": "marks", "site": site.name, "url": site.url, "time": now,
             "site_code": "1234567890", "icp": None, "police": "京公网安备 11010202000001号",
             "conac": True, "conac_url": "https://bszs.conac.cn/x", "sponsor": "某市政府办公室",
             "organizer": None, "sitemap": site.url + "sitemap.html", "where": {}},
            {"probe": "links", "site": site.name, "url": site.url, "time": now, "checked": 120,
             "broken": [{"url": f"{site.url}old/{n}.html", "status": 404, "error": "",
                         "found_on": site.url, "text": "旧栏目"} for n in range(5)]}]))
    return ws.root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--shots", type=int, default=3000)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        started = time.perf_counter()
        ws_root = populate(root, args.sites, args.shots)
        pngs = list((ws_root / "evidence").rglob("*.png"))
        size = sum(p.stat().st_size for p in pngs)
        print(f"workspace: {args.sites} sites, {len(pngs)} screenshots "
              f"({size / 1e6:.0f} MB), made in {time.perf_counter() - started:.1f} s")
        from govaudit.workspace import open_workspace

        ws = open_workspace(ws_root, explicit=True)
        for label in ("first build (no thumbnails yet)", "second build (thumbnails cached)"):
            started, cpu = time.perf_counter(), time.process_time()
            index = Audit(ws).report()
            print(f"{label}: {time.perf_counter() - started:.2f} s "
                  f"({time.process_time() - cpu:.1f} s CPU over {os.cpu_count()} cores; "
                  f"load average {os.getloadavg()[0]:.1f})")
        report = index.parent
        thumbs = list((report / "thumbs").glob("*.jpg"))
        pages = list((report / "sites").glob("*.html"))
        print(f"report: {len(pages)} site pages, {len(thumbs)} thumbnails "
              f"({sum(t.stat().st_size for t in thumbs) / 1e6:.1f} MB), index "
              f"{index.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
