"""What the attachments cost a plain `govaudit check`: time and bytes per site, side by side
with the same sites whose pages link no attachment.

A plain `check` runs every probe; the content probe downloads up to 10 attachments a site
(each at most `max_attachment_bytes`, 50 MB) and reads their text. Each site is served on
127.0.0.1 twice: "with" links ten attachments of the sizes government sites publish, "without"
is the same home page without those links. Each round checks every site both ways, in
alternating order; per-site figures are medians over the rounds. The bytes are counted by the
server: what it sent for the pages and for the attachments.

The attachments of a site (made up, generated once into a temporary folder; about 14 MB):
two 名单 workbooks (5,000 and 30,000 rows), a notice (docx) with a photograph, a short notice
(docx, doc, pdf and xls of the labelled corpus), a policy collection of 80 text pages (pdf), a
scanned document of 8 pages (pdf of images, no text layer), and a GBK 说明 (txt).

    .venv/bin/python benchmarks/content_attachments.py [--sites 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.server
import io
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govaudit import Audit  # noqa: E402
from govaudit.probes.options import CheckOptions  # noqa: E402
from govaudit.store import Site, Store  # noqa: E402
from govaudit.workspace import init_workspace  # noqa: E402
from tests.content_helpers import id_number  # noqa: E402

CORPUS = ROOT / "tests" / "content_corpus" / "files"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
TEXT = ("为深入贯彻落实市委、市政府决策部署，进一步优化营商环境，现将有关事项通知如下。"
        "各单位要高度重视，精心组织，确保各项工作落到实处。")


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randrange(1, 3)))


def _roster(rng: random.Random, rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["序号", "姓名", "身份证号码", "联系电话", "所在村（社区）", "补贴金额（元）"])
    for n in range(1, rows + 1):
        idn = id_number("510104", f"19{rng.randrange(40, 99)}0{rng.randrange(1, 10)}1"
                                  f"{rng.randrange(0, 9)}", f"{rng.randrange(100, 999)}")
        sheet.append([n, _person(rng), idn[:6] + "********" + idn[-4:],
                      f"1{rng.choice('3589')}{rng.randrange(0, 10)}****{rng.randrange(1000, 9999)}",
                      f"第{rng.randrange(1, 30)}社区", rng.randrange(200, 3000)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _photo(rng: random.Random, width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _notice(rng: random.Random) -> bytes:
    from docx import Document
    from docx.shared import Cm

    document = Document()
    document.add_heading("关于开展2026年度重点工作督查的通知", 1)
    for _ in range(1500):
        document.add_paragraph(TEXT * rng.randrange(1, 3))
    document.add_picture(io.BytesIO(_photo(rng, 1200, 900)), width=Cm(15))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _collection(pages: int) -> bytes:
    from pypdf import PdfReader, PdfWriter

    source = PdfReader(CORPUS / "notice-plain.pdf")
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for page in source.pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _scan(rng: random.Random, pages: int) -> bytes:
    from PIL import Image

    images = [Image.open(io.BytesIO(_photo(rng, 1240, 1754))) for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


def attachments(seed: int = 7) -> dict[str, bytes]:
    """The ten attachments of a site, by file name."""
    rng = random.Random(seed)
    return {
        "名单.xlsx": _roster(rng, 5000),
        "统计表.xlsx": _roster(rng, 30000),
        "通知全文.docx": _notice(rng),
        "通知.docx": (CORPUS / "notice-plain.docx").read_bytes(),
        "通知.doc": (CORPUS / "notice-plain.doc").read_bytes(),
        "通知.pdf": (CORPUS / "notice-plain.pdf").read_bytes(),
        "政策汇编.pdf": _collection(80),
        "扫描件.pdf": _scan(rng, 8),
        "名单.xls": (CORPUS / "list-plain.xls").read_bytes(),
        "说明.txt": (TEXT * 2500).encode("gbk"),
    }


def home(site: int, files: list[str]) -> bytes:
    news = "".join(f"<li><a href='/art/{k}.html'>{TEXT[:20]}</a><span>2026-03-0{k % 9 + 1}</span>"
                   "</li>" for k in range(30))
    links = "".join(f"<li><a href='/files/{name}'>{name}</a></li>" for name in files)
    return (f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>示例市{site}"
            f"人民政府</title></head><body><main><ul>{news}</ul><p>{TEXT * 20}</p>"
            f"<ul class='fj'>{links}</ul></main><footer>主办单位：示例市{site}人民政府办公室 "
            f"网站标识码：51010000{site:02d}</footer></body></html>").encode()


class Counter:
    """Bytes sent, by kind ("page", "attachment")."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def add(self, kind: str, n: int) -> None:
        with self.lock:
            self.sent[kind] += n

    def take(self) -> dict[str, int]:
        with self.lock:
            out, self.sent = dict(self.sent), defaultdict(int)
        return out


def serve(site: int, files: dict[str, bytes], linked: bool, counter: Counter) -> str:
    page = home(site, list(files) if linked else [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def answer(self, body: bool) -> None:
            path = unquote(self.path.split("?")[0])
            data, kind = page, "text/html; charset=utf-8"
            if path.startswith("/files/") and path[7:] in files:
                data, kind = files[path[7:]], "application/octet-stream"
            elif path not in ("/", "/index.html"):
                data = b"<!doctype html><title>x</title><p>" + TEXT.encode() + b"</p>"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                try:
                    self.wfile.write(data)
                except OSError:  # the reader stopped early
                    return
                counter.add("attachment" if path.startswith("/files/") else "page", len(data))

        def do_GET(self) -> None:  # noqa: N802
            self.answer(True)

        def do_HEAD(self) -> None:  # noqa: N802
            self.answer(False)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    files = attachments()
    made = time.perf_counter() - started
    total = sum(len(d) for d in files.values())
    print(f"attachments of a site: {len(files)} files, {total / 1e6:.1f} MB "
          f"(generated in {made:.1f} s): " + ", ".join(
              f"{name} {len(data) / 1e6:.2f} MB" for name, data in files.items()))
    counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws", "gov-2019-website", "基准")
        sites = []
        for n in range(args.sites):
            for linked in (True, False):
                name = f"示例市{n}-{'with' if linked else 'without'}"
                sites.append(Site(name, serve(n, files, linked, counter), "portal"))
        Store(ws).add_sites(sites)
        audit = Audit.open(ws.root)
        options = CheckOptions(allow_private=True, link_timeout=10)
        times: dict[str, list[float]] = defaultdict(list)
        sent: dict[str, list[dict[str, int]]] = defaultdict(list)
        read: dict[str, list[int]] = defaultdict(list)
        for round_ in range(args.rounds):
            order = sites if round_ % 2 == 0 else sites[::-1]
            for site in order:
                counter.take()
                clock = time.perf_counter()
                run = audit.check([site.name], options=options)
                elapsed = time.perf_counter() - clock
                if run.errors:
                    raise SystemExit(f"{site.name}: {run.errors}")
                mode = site.name.rsplit("-", 1)[1]
                times[mode].append(elapsed)
                sent[mode].append(counter.take())
                content = Store(ws).probe_results(site.name)["content"]
                read[mode].append(getattr(content, "attachments", 0))
        print(f"plain `check` (every probe), {args.sites} site(s) x {args.rounds} round(s), "
              "per site (median):")
        print(f"{'':10} {'time s':>8} {'pages MB':>9} {'attachments MB':>15} {'read':>5}")
        for mode in ("without", "with"):
            page_mb = statistics.median(s.get("page", 0) for s in sent[mode]) / 1e6
            file_mb = statistics.median(s.get("attachment", 0) for s in sent[mode]) / 1e6
            print(f"{mode:10} {statistics.median(times[mode]):8.2f} {page_mb:9.2f} "
                  f"{file_mb:15.2f} {statistics.median(read[mode]):5.0f}")
        extra = statistics.median(times["with"]) - statistics.median(times["without"])
        print(f"the attachments add {extra:.2f} s and "
              f"{statistics.median(s.get('attachment', 0) for s in sent['with']) / 1e6:.1f} MB "
              "per site")


if __name__ == "__main__":
    main()
