"""Evidence under attack: inert HTML snapshots."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from govaudit.store import Store

SITE = "成都市"
MARK = "govaudit-test-script-ran"


# -- servers ---------------------------------------------------------------------------------


class _Logged(http.server.BaseHTTPRequestHandler):
    """Records every request; subclasses say what to answer."""

    log: list[str]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).log.append(self.path)
        status, ctype, body = self.answer()
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def answer(self) -> tuple[int, str, bytes]:
        return 204, "", b""


def _serve(handler: type[_Logged]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class BeaconHandler(_Logged):
    """A second server that only counts requests: 204, so a refresh to it stays on the page."""

    log: list[str] = []


def hostile_page(beacon: str) -> str:
    """A page whose scripts leave a mark each time they run, in every common way."""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="0;url={beacon}/refresh">
<title>政府门户</title>
<link rel="stylesheet" href="/style.css">
<link rel="dns-prefetch" href="{beacon}/">
<script>
  document.title += " +script";
  console.log("{MARK}");
  fetch("{beacon}/fetch").catch(() => {{}});
</script>
</head>
<body onload="document.title += ' +onload'; new Image().src = '{beacon}/onload'">
<h1>政府信息公开</h1>
<p>依申请公开　政策解读</p>
<img src="/green.png" width="20" height="20" onerror="fetch('{beacon}/onerror')">
<a id="js" href=" java&#x09;script:document.title += ' +jsurl'">点我</a>
<iframe srcdoc="<script>parent.document.title += ' +srcdoc'; fetch('{beacon}/srcdoc')</script>">
</iframe>
<svg><a href="javascript:fetch('{beacon}/svg')"><text y="20">svg</text></a></svg>
<script>
  document.body.insertAdjacentHTML("beforeend", "<p id='added'>脚本添加的内容</p>");
</script>
</body></html>"""


class SiteHandler(_Logged):
    log: list[str] = []
    beacon = ""

    def answer(self) -> tuple[int, str, bytes]:
        path = self.path.split("?")[0]
        if path == "/style.css":
            return 200, "text/css", b"h1 { color: rgb(200, 0, 0); }"
        if path == "/green.png":
            return 200, "image/png", png_bytes("green")
        if path == "/":
            return 200, "text/html; charset=utf-8", hostile_page(self.beacon).encode()
        return 404, "text/plain", b"not found"


@pytest.fixture
def beacon() -> Iterator[str]:
    BeaconHandler.log = []
    yield from _serve(BeaconHandler)


@pytest.fixture
def hostile_site(beacon: str) -> Iterator[str]:
    SiteHandler.log = []
    SiteHandler.beacon = beacon
    yield from _serve(SiteHandler)


def png_bytes(colour: str, size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_bytes(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, "JPEG")
    return out.getvalue()


# -- point 6: HTML snapshots are inert ---------------------------------------------------------


def test_html_snapshot_runs_no_script_and_makes_no_request(make_workspace, hostile_site: str,
                                                           beacon: str) -> None:
    from playwright.sync_api import sync_playwright
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.browser import find_browser, launch_args
    from govaudit.capture import CaptureOptions, Target, run_captures

    ws = make_workspace(sites=[(SITE, f"{hostile_site}/", "city")])
    result = run_captures(ws, [Target(SITE, f"{hostile_site}/")],
                          CaptureOptions(timeout_s=15), concurrency=1)
    [record] = result.records
    assert record["error"] == "", record["error"]
    html_entry = next(f for f in record["files"] if f["kind"] == "html")
    assert html_entry["inert"] is True
    snapshot = ws.root / html_entry["path"]
    data = snapshot.read_bytes()
    assert hashlib.sha256(data).hexdigest() == html_entry["sha256"]
    assert html_entry["bytes"] == len(data)
    [stored] = [r for r in Store(ws).evidence() if r["id"] == record["id"]]
    assert next(f for f in stored["files"] if f["kind"] == "html")["inert"] is True

    tree = LexborHTMLParser(data.decode("utf-8"))
    captured_title = tree.css_first("title").text()
    assert "+script" in captured_title and "+onload" in captured_title  # they ran live
    first = tree.head.child
    while first is not None and not first.is_element_node:
        first = first.next
    assert first is not None and first.tag == "meta"
    assert first.attributes["http-equiv"].lower() == "content-security-policy"
    policy = first.attributes["content"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert tree.css("script, meta[http-equiv=refresh], link") == []
    for node in tree.root.traverse():
        if node.is_element_node:
            for name, value in node.attributes.items():
                assert not name.lower().startswith("on"), (node.tag, name)
                assert "script:" not in (value or "").replace("\t", "").lower(), (node.tag, name)

    BeaconHandler.log.clear()
    SiteHandler.log.clear()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            page = browser.new_page()
            console: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.on("pageerror", lambda e: console.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(snapshot.resolve().as_uri(), wait_until="load")
            page.click("#js")
            # an onload handler or a refresh would act right after "load"; give them the chance
            page.wait_for_timeout(1500)
            assert page.url == snapshot.resolve().as_uri()
            assert page.title() == captured_title
            text = page.inner_text("body")
            assert "政府信息公开" in text and "依申请公开" in text
            assert "脚本添加的内容" in text  # the page as it was shown, scripts' work included
            color = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
            assert color == "rgb(200, 0, 0)"  # the site's stylesheet, kept inside the file
        finally:
            browser.close()
    assert BeaconHandler.log == []
    assert SiteHandler.log == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert not [m for m in console if MARK in m]


@pytest.mark.parametrize("hostile", [
    '<noscript><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/"></noscript>',
    '<template shadowrootmode="open"><script>alert(1)</script></template>',
    '<svg><set attributeName="href" to="javascript:alert(1)"/><script>alert(2)</script></svg>',
    '<svg><animate attributeName="href" values="#;JaVaScRiPt:alert(1)"/></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<form action="javascript:alert(1)"><button formaction="vbscript:x">go</button></form>',
    '<object data="http://127.0.0.1:9/x.swf"><embed src="http://127.0.0.1:9/y"></object>',
    '<base href="http://127.0.0.1:9/"><a ping="http://127.0.0.1:9/" href="/x">x</a>',
    '<frameset><frame src="http://127.0.0.1:9/"></frameset>',
    '<div ONMOUSEOVER="alert(1)" xml:onclick="alert(2)">x</div>',
])
def test_inert_rendering_of_hostile_markup(hostile: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.inert_html import render_inert

    out = render_inert(f"<!doctype html><html><head><meta charset=gbk></head><body>{hostile}"
                       "<p>正文</p></body></html>").decode("utf-8")
    lowered = out.lower()
    for word in ("<script", "javascript:", "vbscript:", "refresh", "<object", "<embed",
                 "<base", "ping=", "shadowrootmode", "onmouseover", "onclick"):
        assert word not in lowered, (word, out)
    tree = LexborHTMLParser(out)
    assert [m.attributes.get("charset") for m in tree.css("meta[charset]")] == ["utf-8"]
    assert "http://127.0.0.1:9/" not in str(tree.css_first("frame") or "")


def test_inert_rendering_keeps_stylesheets_that_cannot_break_out() -> None:
    from selectolax.lexbor import LexborHTMLParser

    from govaudit.inert_html import render_inert

    page = ('<html><head><link rel="stylesheet" href="a.css" media="print">'
            '<link rel="stylesheet" href="gone.css"></head><body><p>x</p></body></html>')
    out = render_inert(page, {"a.css": "p{color:red}</style><script>alert(1)</script>"})
    tree = LexborHTMLParser(out.decode("utf-8"))
    [style] = tree.css("style")
    assert style.attributes["media"] == "print"
    assert "alert(1)" in style.text() and tree.css("script, link") == []
