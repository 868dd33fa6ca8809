"""Evidence of real pages: GBK copies that open readably, pages of any height, what a capture
records about its selector and browser, capturing only what is missing."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

import pytest

from govaudit import Audit
from govaudit.capture import CaptureOptions, Target
from govaudit.model import Evidence, PageRef
from govaudit.store import Site, Store
from govaudit.workspace import Workspace, init_workspace

FIXTURES = Path(__file__).parent / "fixtures"
GBK_TEXT = "成都市人民政府门户网站：政府信息公开"
GBK_PAGES = {
    # declared and served as GBK
    "/gbk.html": ("text/html; charset=gbk",
                  f'<html><head><meta charset="gbk"><title>成都</title></head>'
                  f'<body><p id="t">{GBK_TEXT}</p></body></html>'),
    # a meta that lies: the header says GBK (and the bytes are GBK), the meta says utf-8
    "/liar.html": ("text/html; charset=gbk",
                   f'<html><head><meta http-equiv="Content-Type" '
                   f'content="text/html; charset=utf-8"><title>成都</title></head>'
                   f'<body><p id="t">{GBK_TEXT}</p></body></html>'),
    # no header charset, the old http-equiv form
    "/gb2312.html": ("text/html",
                     f'<html><head><meta http-equiv="Content-Type" '
                     f'content="text/html; charset=gb2312"><title>成都</title></head>'
                     f'<body><p id="t">{GBK_TEXT}</p></body></html>'),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in GBK_PAGES:
            ctype, text = GBK_PAGES[path]
            body = text.encode("gbk")
        else:
            ctype, body = "text/html; charset=utf-8", b"<p>not found</p>"
        self.send_response(200 if path in GBK_PAGES else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site_url(tmp_path: Path, serve_dir) -> str:
    return serve_dir(tmp_path, Handler)


def new_workspace(folder: Path, base: str) -> Workspace:
    ws = init_workspace(folder, str(FIXTURES / "mini.yaml"), "张三")
    Store(ws).add_sites([Site("成都市", f"{base}/gbk.html", "city")])
    return ws


def file_of(ws: Workspace, record: Evidence, kind: str) -> Path:
    return ws.root / next(f for f in record.files if f.kind == kind).path


def test_html_copy_of_a_gbk_page_opens_readably(tmp_path: Path, site_url: str,
                                                session_browser) -> None:
    ws = new_workspace(tmp_path / "ws", site_url)
    targets = [Target("成都市", f"{site_url}{path}") for path in GBK_PAGES]
    result = session_browser.capture(ws, Store(ws), targets,
                                     CaptureOptions(timeout_s=10, mhtml=False), concurrency=2)
    assert [r.error for r in result.records] == ["", "", ""]

    async def opened(browser: Any) -> list[tuple[str, str, str]]:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            shown = []
            for record in result.records:
                await page.goto(file_of(ws, record, "html").as_uri())
                shown.append((record.requested_url, await page.inner_text("#t"),
                              await page.title()))
            return shown
        finally:
            await context.close()

    for url, text, title in session_browser.run(opened):
        assert text == GBK_TEXT, url
        assert title == "成都"


SELECTOR_PAGE = ('<html><body style="margin:0"><div style="height:1800px"></div>'
                 '<div id="footer" style="margin-left:40px;width:500px;height:90px;'
                 'background:#c00">京ICP备05070218号</div></body></html>')


def test_element_capture_records_its_selector_and_box(tmp_path: Path, serve_dir,
                                                      session_browser) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "f.html").write_text(SELECTOR_PAGE, encoding="utf-8")
    base = serve_dir(folder)
    ws = new_workspace(tmp_path / "ws", base)
    targets = [Target("成都市", f"{base}/f.html")]
    [record] = session_browser.capture(ws, Store(ws), targets,
                                       CaptureOptions(selector="#footer", mhtml=False),
                                       concurrency=1).records
    assert record.error == ""
    assert record.selector == "#footer"
    assert record.box == {"x": 40, "y": 1800, "width": 500, "height": 90}
    [stored] = Store(ws).evidence()
    assert stored["selector"] == "#footer" and stored["box"]["y"] == 1800

    [record] = session_browser.capture(ws, Store(ws), targets,
                                       CaptureOptions(selector="#nowhere", timeout_s=5,
                                                      mhtml=False), concurrency=1).records
    assert record.selector == "#nowhere" and record.box is None
    [record] = session_browser.capture(ws, Store(ws), targets, CaptureOptions(mhtml=False),
                                       concurrency=1).records
    assert record.selector == "" and record.box is None


TALL_PAGE = ('<html><head><meta charset="utf-8"></head><body style="margin:0">'
             '<div style="height:59880px;background:linear-gradient(#fff,#00f)"></div>'
             '<div id="footer" style="height:120px;background:#c00;color:#fff">'
             '主办单位：成都市人民政府办公厅</div></body></html>')


def test_a_page_taller_than_the_cap_is_captured_whole_in_segments(tmp_path: Path, serve_dir,
                                                                  session_browser) -> None:
    import hashlib
    import io

    from PIL import Image

    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "tall.html").write_text(TALL_PAGE, encoding="utf-8")
    base = serve_dir(folder)
    ws = new_workspace(tmp_path / "ws", base)
    [record] = session_browser.capture(ws, Store(ws), [Target("成都市", f"{base}/tall.html")],
                                       CaptureOptions(mhtml=False), concurrency=1).records
    assert record.error == "" and record.capped_height is None
    segments = [f for f in record.files if f.kind == "png"]
    assert [f.segment for f in segments] == [1, 2, 3, 4]
    assert [(f.offset, f.height) for f in segments] == [
        (0, 15000), (15000, 15000), (30000, 15000), (45000, 15000)]
    footer = None
    for entry in segments:
        data = (ws.root / entry.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert image.size == (1366, entry.height)
        if entry.offset <= 59940 < entry.offset + entry.height:
            footer = image.getpixel((1300, 59940 - entry.offset))
    assert footer == (204, 0, 0)  # the footer is in the last segment
    assert len({f.path for f in segments}) == 4
    [stored] = Store(ws).evidence()
    assert stored["files"] == [f.to_dict() for f in record.files]

    # the report shows the first segment and links every one
    from govaudit.report.build import site_page_name

    page = (Audit(ws).report().parent / "sites" / site_page_name("成都市")).read_text("utf-8")
    names = [Path(f.path).name for f in segments]
    card = page[page.index(f'id="{record.id}"'):]
    card = card[:card.index("</figure>")]
    shot = card[card.index('class="shot"'):]
    assert names[0] in shot[:shot.index("</a>")]
    for number, name in enumerate(names, start=1):
        assert name in card
        assert f"截图 第{number}段" in card


def send_page(handler: http.server.BaseHTTPRequestHandler, status: int) -> None:
    """A small page titled with its path."""
    body = f"<html><head><title>{handler.path}</title></head><body>页面</body></html>".encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def paged_workspace(tmp_path: Path, base: str, pages: int) -> Workspace:
    """A workspace whose one site has /p0.html as home page and /p1.html… recorded."""
    ws = init_workspace(tmp_path / "ws", str(FIXTURES / "mini.yaml"), "张三")
    store = Store(ws)
    store.add_sites([Site("成都市", f"{base}/p0.html", "city")])
    for n in range(1, pages):
        store.record_page(PageRef("成都市", f"{base}/p{n}.html"))
    return ws


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """/p0.html answers at once, every other page after a long wait."""

    release = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if not self.path.startswith("/p0"):
            self.release.wait(60)
        send_page(self, 200)


def test_ctrl_c_keeps_what_was_captured_and_exits_130_quietly(tmp_path: Path,
                                                              serve_dir) -> None:
    import json
    import os
    import signal
    import subprocess
    import time

    from tests.conftest import GOVAUDIT

    SlowHandler.release.clear()
    base = serve_dir(tmp_path, SlowHandler)
    ws = paged_workspace(tmp_path, base, 4)
    # a session of its own: Ctrl-C in a terminal signals the whole process group, so the
    # browser and Playwright's driver get the SIGINT too
    process = subprocess.Popen([*GOVAUDIT, "evidence", "--concurrency", "2"], cwd=ws.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not Store(ws).evidence():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        SlowHandler.release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, (out, err)
    text = (out + err).strip()
    assert "Traceback" not in text and "Future exception" not in text, text
    assert len(text.splitlines()) == 1, text
    assert "interrupted" in text
    [record] = Store(ws).evidence()
    assert record["requested_url"] == f"{base}/p0.html" and record["error"] == ""
    [manifest] = ws.evidence_dir.glob("manifest-*.json")
    body = json.loads(manifest.read_text(encoding="utf-8"))
    assert [r["id"] for r in body["records"]] == [record["id"]]


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    """/p1.html fails until `fixed` is set; the other pages answer."""

    fixed = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        ok = not self.path.startswith("/p1") or self.fixed.is_set()
        send_page(self, 200 if ok else 503)


def test_missing_captures_only_pages_without_a_good_capture(tmp_path: Path, serve_dir,
                                                            cli) -> None:
    FlakyHandler.fixed.clear()
    base = serve_dir(tmp_path, FlakyHandler)
    ws = paged_workspace(tmp_path, base, 3)

    def captured(*args: str) -> list[str]:
        import json

        result = cli("evidence", "--json", "--timeout", "10", *args, "-w", str(ws.root))
        assert result.exit_code in (0, 1), result.output

        return sorted(c["url"].rsplit("/", 1)[1] for c in json.loads(result.output)["captures"])

    assert captured() == ["p0.html", "p1.html", "p2.html"]  # p1 failed: HTTP 503
    FlakyHandler.fixed.set()
    assert captured("--missing") == ["p1.html"]
    [p2] = [r for r in Store(ws).evidence() if r["requested_url"].endswith("/p2.html")]
    (ws.root / p2["files"][0]["path"]).unlink()
    assert captured("--missing") == ["p2.html"]
    result = cli("evidence", "--missing", "-w", str(ws.root))
    assert result.exit_code == 0
    assert "every page has a good capture already" in result.output
    assert len(Store(ws).evidence()) == 5
