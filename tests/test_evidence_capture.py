"""Capture with real headless Chromium against pages served on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fixtures.probe_site import closed_port
from PIL import Image

from govaudit import Audit
from govaudit.capture import CaptureOptions, Target, build_targets, describe_failure
from govaudit.errors import GovauditError
from govaudit.store import Site, Store
from govaudit.workspace import Workspace, init_workspace

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURE_TIMEOUT_S = 10
CONTRACT_KEYS = {"id", "run", "site", "indicator", "question", "requested_url", "final_url",
                 "status", "ip", "title", "time", "viewport", "device", "user_agent", "browser",
                 "govaudit", "duration_ms", "capped_height", "files", "error", "selector", "box",
                 "endpoint", "headers", "timing", "failure", "navigation", "blocked"}
UNSAFE_SITE = 'a/b:c*?"<>|市 CON.'
ZH_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>成都市人民政府门户网站</title>
<style>body{margin:0;font-size:40px;color:#000;background:#fff} h1,p{margin:0}
.spin{animation:spin 1s linear infinite}@keyframes spin{to{transform:rotate(360deg)}}</style>
</head><body><div style="height:2000px"><h1 class="spin">政府信息公开</h1>
<p>依申请公开　政策解读　互动交流</p><a href="second.html" id="next">下一页</a></div>
<div id="footer" style="height:120px;width:600px;background:#c00;color:#fff">京ICP备05070218号</div>
</body></html>"""
SECOND_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>第二页</title></head>
<body style="margin:0"><p style="font-size:30px">这是第二页</p>
<div style="height:1500px"></div></body></html>"""

# a box that an endless animation keeps sliding past the right edge: while it runs the page is
# wider than the window; stopped for the screenshot, it is not
SLIDING_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0}
.slide{width:100px;height:100px;background:#c00;animation:slide 1s linear infinite}
@keyframes slide{from{transform:translateX(1500px)}to{transform:translateX(3000px)}}</style>
</head><body><div class="slide"></div><div style="height:1200px"></div></body></html>"""

LAZY_PAGES = {
    # content that appears only when the page is scrolled to it, three common ways
    "/lazy-io.html": """<div id="b" style="height:200px;width:200px"></div><script>
new IntersectionObserver(es => { if (es[0].isIntersecting)
  document.getElementById('b').style.background = '#f00'; }).observe(
  document.getElementById('b'));</script>""",
    "/lazy-scroll.html": """<div id="b" style="height:200px;width:200px"></div><script>
window.addEventListener('scroll', () => { if (window.scrollY > 1500)
  document.getElementById('b').style.background = '#00f'; });</script>""",
    "/lazy-img.html": '<img loading="lazy" src="green.png" width="200" height="200">',
}


def green_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200), (0, 255, 0)).save(buffer, "PNG")
    return buffer.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
             extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: C901 - one route per test case
        path = self.path.split("?")[0]
        if path in ("/", "/zh.html") or path.startswith("/%E6%94%BF"):
            self.send(200, ZH_PAGE.encode())
        elif path in LAZY_PAGES:
            self.send(200, ('<html><body style="margin:0"><div style="height:3000px"></div>'
                            + LAZY_PAGES[path] + "</body></html>").encode())
        elif path == "/green.png":
            self.send(200, green_png(), "image/png")
        elif path == "/second.html":
            self.send(200, SECOND_PAGE.encode())
        elif path == "/redirect":
            self.send(302, b"", extra={"Location": "/zh.html"})
        elif path == "/missing":
            self.send(404, "<h1>404 页面不存在</h1>".encode())
        elif path == "/broken":
            self.send(500, "<h1>500 服务器错误</h1>".encode())
        elif path == "/hang":
            self.release.wait(60)
        elif path == "/never-loads.html":
            self.send(200, '<html><body><h1>加载中</h1><img src="hang"></body></html>'.encode())
        elif path == "/tall.html":
            self.send(200, b'<html><body style="margin:0"><div style="height:14000px;'
                      b'background:linear-gradient(#fff,#00f)"></div></body></html>')
        elif path == "/download":
            self.send(200, b"%PDF-1.4 fake report", "application/octet-stream",
                      {"Content-Disposition": 'attachment; filename="report.pdf"'})
        elif path == "/sliding.html":
            self.send(200, SLIDING_PAGE.encode())
        elif path == "/alert.html":
            self.send(200, '<html><body><p>欢迎</p><script>alert("本站维护中")</script>'
                      '</body></html>'.encode())
        else:
            self.send(404, b"not found")


@pytest.fixture(scope="module")
def site_url(site_server) -> Iterator[str]:
    Handler.release.clear()
    base = site_server.add(Handler)
    yield base
    Handler.release.set()
    site_server.remove(base)


@pytest.fixture(scope="module")
def tls_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTPS server with a self-signed certificate the browser does not trust."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed, so no self-signed certificate can be made")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/zh.html"
    server.shutdown()
    server.server_close()


def new_workspace(folder: Path, base: str) -> Workspace:
    ws = init_workspace(folder, str(FIXTURES / "mini.yaml"), "张三")
    Store(ws).add_sites([Site("成都市", f"{base}/zh.html", "city"),
                         Site(UNSAFE_SITE, f"{base}/zh.html", "city")])
    return ws


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, site_url: str, tls_url: str,
          session_browser) -> tuple[Workspace, dict[str, dict[str, Any]], Any, list]:
    """One batch through every failure kind, in the session's Chromium; records keyed by a
    short name."""
    ws = new_workspace(tmp_path_factory.mktemp("batch") / "ws", site_url)
    store = Store(ws)
    store.save_answer("成都市", "a1.q1", "a1", "yes", "张三")
    long_path = "/" + quote("政府信息公开" * 30) + "?q=a:b*c|d&x=<1>"
    targets = {
        "zh": Target("成都市", f"{site_url}/zh.html", "a1", "a1.q1"),
        "redirect": Target("成都市", f"{site_url}/redirect"),
        "missing": Target("成都市", f"{site_url}/missing"),
        "broken": Target("成都市", f"{site_url}/broken"),
        "refused": Target("成都市", f"http://127.0.0.1:{closed_port()}/"),
        "hang": Target("成都市", f"{site_url}/hang"),
        "never": Target("成都市", f"{site_url}/never-loads.html"),
        "tall": Target("成都市", f"{site_url}/tall.html"),
        "download": Target("成都市", f"{site_url}/download"),
        "alert": Target("成都市", f"{site_url}/alert.html"),
        "sliding": Target("成都市", f"{site_url}/sliding.html"),
        "tls": Target("成都市", tls_url),
        "unsafe": Target(UNSAFE_SITE, f"{site_url}{long_path}"),
        **{name[1:-5]: Target("成都市", f"{site_url}{name}") for name in LAZY_PAGES},
    }
    progress: list[tuple[int, int, int]] = []
    # generous beside the kill loops on two cores; the hanging pages still end at it
    options = CaptureOptions(timeout_s=CAPTURE_TIMEOUT_S, max_height=6000)
    result = session_browser.capture(ws, Store(ws), list(targets.values()), options,
                                     concurrency=4, on_progress=lambda done, total, failed,
                                     rec: progress.append((done, total, failed)))
    # every context and page it opened is closed, and the browser is left open
    assert session_browser.open_targets() == ([], [])
    assert session_browser.browser.is_connected()
    by_url = {(r.site, r.requested_url): r for r in result.records}
    records = {name: by_url[(t.site, t.url)] for name, t in targets.items()}
    return ws, records, result, progress


def png_of(ws: Workspace, record: dict[str, Any]) -> Image.Image:
    entry = next(f for f in record.files if f.kind == "png")
    return Image.open(io.BytesIO((ws.root / entry.path).read_bytes()))


def test_every_record_has_the_contract_fields(batch) -> None:
    ws, records, result, progress = batch
    assert len(result.records) == len(records) == 16
    for record in records.values():
        assert set(record.to_dict()) == CONTRACT_KEYS
        assert record.id.startswith("ev-") and len(record.id) == 15
        assert record.run == result.run
        assert record.time.endswith("Z") and len(record.time) == 20
        assert record.browser.startswith("Chromium ")
        assert record.viewport == "1366x768"
        assert "HeadlessChrome" not in record.user_agent


def test_chinese_page_png_html_mhtml_with_hashes(batch) -> None:
    ws, records, _, _ = batch
    record = records["zh"]
    assert record.error == ""
    assert record.status == 200
    assert record.ip == "127.0.0.1"
    assert record.title == "成都市人民政府门户网站"
    assert [f.kind for f in record.files] == ["png", "html", "mhtml"]
    for entry in record.files:
        data = (ws.root / entry.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert entry.bytes == len(data)
        assert entry.path.startswith("evidence/成都市/")
    image = png_of(ws, record).convert("RGB")
    assert image.size == (1366, 2120)  # full page: 2000 px block + 120 px footer
    # not blank: black Chinese glyphs near the top, the red footer at the bottom
    top = image.crop((0, 0, 1366, 200))
    dark = sum(1 for px in top.get_flattened_data() if sum(px) < 150)
    assert dark > 500
    assert image.getpixel((100, 2060)) == (204, 0, 0)
    html = (ws.root / record.files[1].path).read_text(encoding="utf-8")
    assert "京ICP备05070218号" in html
    mhtml = (ws.root / record.files[2].path).read_text(encoding="utf-8")
    assert "multipart/related" in mhtml


def test_redirect_records_final_url(batch) -> None:
    _, records, _, _ = batch
    record = records["redirect"]
    assert record.error == ""
    assert record.requested_url.endswith("/redirect")
    assert record.final_url.endswith("/zh.html")
    assert record.status == 200


@pytest.mark.parametrize(("name", "status"), [("missing", 404), ("broken", 500)])
def test_error_pages_are_captured_with_their_status(batch, name: str, status: int) -> None:
    ws, records, _, _ = batch
    record = records[name]
    assert record.status == status
    assert record.error.startswith(f"HTTP {status}")
    assert {f.kind for f in record.files} == {"png", "html", "mhtml"}
    assert png_of(ws, record).width == 1366
    # a failure with its evidence: what kept it, the headers as received, the timing
    assert record.failure == "http"
    headers = {name.lower(): value for name, value in record.headers}
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert record.timing["elapsed_ms"] >= 0 and record.timing["responseStart"] >= 0


def test_refused_port(batch) -> None:
    ws, records, _, _ = batch
    record = records["refused"]
    assert "connection refused" in record.error
    assert record.status is None and record.failure == "network"
    # what the browser showed: its error page, as a screenshot
    [entry] = record.files
    assert entry.kind == "png" and png_of(ws, record).width == 1366
    assert record.timing["elapsed_ms"] >= 0 and record.headers == ()


def test_page_that_never_answers_times_out(batch) -> None:
    ws, records, _, _ = batch
    record = records["hang"]
    assert record.error == f"timed out after {CAPTURE_TIMEOUT_S}s waiting for 'load'"
    assert record.failure == "timeout" and record.timing["elapsed_ms"] >= CAPTURE_TIMEOUT_S * 1000
    # what the window showed at the deadline (a reused tab is emptied first: never the
    # site's previous page), marked as such
    [entry] = record.files
    assert "_hang-deadline-" in entry.path and entry.taken == "deadline"


def test_page_that_never_finishes_loading_is_captured_as_far_as_it_got(batch) -> None:
    ws, records, _, _ = batch
    record = records["never"]
    assert record.error.startswith(f"timed out after {CAPTURE_TIMEOUT_S}s")
    assert record.status == 200
    assert png_of(ws, record).width == 1366


def test_the_page_is_as_wide_as_it_is_once_its_animations_stop(batch) -> None:
    """The screenshot stops the page's animations: its width is measured after that, not
    while a moving element still widens the page (a strip of empty page on the right)."""
    ws, records, _, _ = batch
    record = records["sliding"]
    assert record.error == ""
    assert png_of(ws, record).size == (1366, 1300)


def test_tall_page_is_captured_in_segments_of_the_cap(batch) -> None:
    ws, records, _, _ = batch
    record = records["tall"]
    assert record.error == ""
    assert record.capped_height is None
    segments = [f for f in record.files if f.kind == "png"]
    assert [(f.segment, f.offset, f.height) for f in segments] == [
        (n + 1, n * 6000, 6000 if n < 2 else 2000) for n in range(3)]
    assert png_of(ws, record).size == (1366, 6000)
    assert records["zh"].capped_height is None


def test_download_instead_of_a_page(batch) -> None:
    ws, records, _, _ = batch
    record = records["download"]
    assert record.error == ("the URL starts a download instead of showing a page "
                               "(saved as an attachment)")
    [entry] = record.files
    assert entry.kind == "attachment" and entry.path.endswith(".pdf")
    assert (ws.root / entry.path).read_bytes() == b"%PDF-1.4 fake report"


def test_javascript_alert_is_recorded_and_dismissed(batch) -> None:
    _, records, _, _ = batch
    record = records["alert"]
    assert "JavaScript dialog: alert '本站维护中'" in record.error
    assert "png" in {f.kind for f in record.files}


def test_untrusted_certificate_is_a_tls_error(batch) -> None:
    _, records, _, _ = batch
    record = records["tls"]
    assert record.error.startswith("TLS error: ERR_CERT_")
    assert record.failure == "tls"
    assert [f.kind for f in record.files] in ([], ["png"])  # the browser's warning page


def test_unsafe_site_name_and_url_give_portable_file_names(batch) -> None:
    ws, records, _, _ = batch
    record = records["unsafe"]
    assert record.error == ""
    for entry in record.files:
        path = Path(entry.path)
        assert (ws.root / path).is_file()
        for part in path.parts:
            assert not set(part) & set('<>:"\\|?*')
            assert len(part.encode()) <= 120
            assert not part.endswith((".", " "))
        assert path.parts[1] != "CON"


def test_records_are_stored_linked_and_in_a_manifest(batch) -> None:
    ws, records, result, progress = batch
    store = Store(ws)
    stored = {r.id: r for r in store.evidence_records()}
    assert set(stored) == {r.id for r in result.records}
    [answer] = store.answers("成都市")
    assert answer.evidence == [records["zh"].id]
    manifest = result.manifest
    assert manifest is not None and manifest.parent == ws.evidence_dir
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    sums = manifest.with_name(manifest.name + ".sha256").read_text()
    assert sums == f"{digest}  {manifest.name}\n"
    body = json.loads(manifest.read_text(encoding="utf-8"))
    assert body["run"] == result.run and len(body["records"]) == len(records) == 16
    # no page kept: refused, hang, never (not loaded), download, tls; a 404, a 500 and a page
    # with a dismissed alert were shown, and are captures
    assert result.failed == 5
    assert progress[-1] == (16, 16, 5)
    # the total is known from the start; the records come back in the list's order
    assert [p[0] for p in progress] == list(range(17)) and progress[0] == (0, 16, 0)
    assert [(r.site, r.requested_url) for r in result.records] == [
        (r.site, r.requested_url) for r in records.values()]


def test_selector_and_mobile_device(tmp_path: Path, site_url: str, session_browser) -> None:
    ws = new_workspace(tmp_path / "ws", site_url)
    targets = [Target("成都市", f"{site_url}/zh.html")]
    result = session_browser.capture(ws, Store(ws), targets, CaptureOptions(selector="#footer"),
                                     concurrency=1)
    [record] = result.records
    assert record.error == ""
    image = png_of(ws, record).convert("RGB")
    assert image.size == (600, 120)
    assert image.getpixel((5, 5)) == (204, 0, 0)

    result = session_browser.capture(ws, Store(ws), targets,
                                     CaptureOptions(device="iPhone 13", full_page=False),
                                     concurrency=1)
    [record] = result.records
    assert record.error == ""
    assert record.device == "iPhone 13"
    assert record.viewport == "390x664"
    assert "iPhone" in record.user_agent
    assert png_of(ws, record).size == (390, 664)


def test_missing_selector_falls_back_to_the_page(tmp_path: Path, site_url: str,
                                                  session_browser) -> None:
    ws = new_workspace(tmp_path / "ws", site_url)
    result = session_browser.capture(ws, Store(ws), [Target("成都市", f"{site_url}/second.html")],
                                     CaptureOptions(selector="#nowhere", timeout_s=5),
                                     concurrency=1)
    [record] = result.records
    assert "selector '#nowhere' matched no visible element" in record.error
    assert png_of(ws, record).width == 1366


def test_bad_options_are_refused_before_starting(tmp_path: Path, site_url: str) -> None:
    audit = Audit.open(new_workspace(tmp_path / "ws", site_url).root)
    with pytest.raises(GovauditError, match="^viewport 'wide'"):
        audit.capture(["成都市"], options=CaptureOptions(viewport="wide"))
    with pytest.raises(GovauditError, match="^wait_until 'never'"):
        audit.capture(["成都市"], options=CaptureOptions(wait_until="never"))
    with pytest.raises(GovauditError, match="unknown device"):
        audit.capture(["成都市"], options=CaptureOptions(device="Nokia 3310"))
    assert audit.evidence() == []


def test_build_targets(tmp_path: Path, site_url: str) -> None:
    from govaudit.store import PageRecord

    ws = new_workspace(tmp_path / "ws", site_url)
    store = Store(ws)
    store.record_page(PageRecord("成都市", f"{site_url}/second.html", "a2", "a2.q1"))
    def build(*, sites: list[str] | None = None, **kwargs: str) -> list[Target]:
        return build_targets(ws.checklist, store, sites=store.select(sites) if sites else None,
                             **kwargs)

    targets = build()
    assert Target("成都市", f"{site_url}/zh.html") in targets
    assert Target("成都市", f"{site_url}/second.html", "a2", "a2.q1") in targets
    assert len(targets) == 3
    only = build(sites=["成都市"], indicator="a2")
    assert only == [Target("成都市", f"{site_url}/second.html", "a2", "a2.q1")]
    home = build(sites=["成都市"], question="a1.q1")
    assert home == [Target("成都市", f"{site_url}/zh.html", "a1", "a1.q1")]
    one = build(sites=["成都市"], url=f"{site_url}/x", indicator="a1")
    assert one == [Target("成都市", f"{site_url}/x", "a1", "")]
    with pytest.raises(GovauditError, match="share its host"):
        build(url=f"{site_url}/x")
    with pytest.raises(GovauditError, match="unknown indicator"):
        build(indicator="zz")
    with pytest.raises(GovauditError, match="not http"):
        build(sites=["成都市"], url="ftp://example.org/")


def test_failure_reasons_from_browser_errors() -> None:
    from playwright.async_api import Error, TimeoutError

    options = CaptureOptions(timeout_s=7)
    url = "http://www.example.gov.cn/"
    assert describe_failure(Error("net::ERR_NAME_NOT_RESOLVED at " + url), url, options) == (
        "DNS lookup failed: no such host www.example.gov.cn (ERR_NAME_NOT_RESOLVED)")
    assert describe_failure(Error("net::ERR_CERT_DATE_INVALID at " + url), url, options) == (
        "TLS error: ERR_CERT_DATE_INVALID for www.example.gov.cn")
    assert describe_failure(TimeoutError("Timeout 7000ms exceeded."), url, options) == (
        "timed out after 7s waiting for 'load'")
    assert describe_failure(Error("net::ERR_SOMETHING_NEW"), url, options) == (
        "network error ERR_SOMETHING_NEW")


def test_duration_is_measured(batch) -> None:
    _, records, _, _ = batch
    assert records["hang"].duration_ms >= CAPTURE_TIMEOUT_S * 1000 - 100
    assert all(r.duration_ms > 0 for r in records.values())


@pytest.mark.parametrize(("name", "colour"), [("lazy-io", (255, 0, 0)),
                                              ("lazy-scroll", (0, 0, 255)),
                                              ("lazy-img", (0, 255, 0))])
def test_content_loaded_on_scroll_is_in_the_screenshot(batch, name: str,
                                                       colour: tuple[int, int, int]) -> None:
    ws, records, _, _ = batch
    record = records[name]
    assert record.error == ""
    image = png_of(ws, record).convert("RGB")
    assert image.size == (1366, 3200)
    assert image.getpixel((100, 3100)) == colour
