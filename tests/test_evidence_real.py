"""Evidence of real pages: GBK copies that open readably, pages of any height, what a capture
records about its selector and browser, capturing only what is missing."""

from __future__ import annotations

import http.server
from pathlib import Path
from typing import Any

import pytest

from govaudit.capture import CaptureOptions, Target, run_captures
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


def file_of(ws: Workspace, record: dict[str, Any], kind: str) -> Path:
    return ws.root / next(f for f in record["files"] if f["kind"] == kind)["path"]


def test_html_copy_of_a_gbk_page_opens_readably(tmp_path: Path, site_url: str) -> None:
    from playwright.sync_api import sync_playwright

    from govaudit.browser import find_browser, launch_args

    ws = new_workspace(tmp_path / "ws", site_url)
    targets = [Target("成都市", f"{site_url}{path}") for path in GBK_PAGES]
    result = run_captures(ws, targets, CaptureOptions(timeout_s=10, mhtml=False), concurrency=2)
    assert [r["error"] for r in result.records] == ["", "", ""]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(find_browser().path),
                                     args=launch_args())
        try:
            page = browser.new_page()
            for record in result.records:
                page.goto(file_of(ws, record, "html").as_uri())
                assert page.inner_text("#t") == GBK_TEXT, record["requested_url"]
                assert page.title() == "成都"
        finally:
            browser.close()


SELECTOR_PAGE = ('<html><body style="margin:0"><div style="height:1800px"></div>'
                 '<div id="footer" style="margin-left:40px;width:500px;height:90px;'
                 'background:#c00">京ICP备05070218号</div></body></html>')


def test_element_capture_records_its_selector_and_box(tmp_path: Path, serve_dir) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "f.html").write_text(SELECTOR_PAGE, encoding="utf-8")
    base = serve_dir(folder)
    ws = new_workspace(tmp_path / "ws", base)
    targets = [Target("成都市", f"{base}/f.html")]
    [record] = run_captures(ws, targets, CaptureOptions(selector="#footer", mhtml=False),
                            concurrency=1).records
    assert record["error"] == ""
    assert record["selector"] == "#footer"
    assert record["box"] == {"x": 40, "y": 1800, "width": 500, "height": 90}
    [stored] = Store(ws).evidence()
    assert stored["selector"] == "#footer" and stored["box"]["y"] == 1800

    [record] = run_captures(ws, targets, CaptureOptions(selector="#nowhere", timeout_s=5,
                                                        mhtml=False), concurrency=1).records
    assert record["selector"] == "#nowhere" and record["box"] is None
    [record] = run_captures(ws, targets, CaptureOptions(mhtml=False), concurrency=1).records
    assert record["selector"] == "" and record["box"] is None
