"""A hostile web server on 127.0.0.1: every way a site can hang, lie or overflow a client.

Each path is bounded on the server side too (a trickle or an endless body stops after a
minute, or when the client goes away), so a test that fails cannot leave work running.
"""

from __future__ import annotations

import contextlib
import http.server
import socketserver
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

from tests.fixtures.probe_site import serve_in_thread

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body><p>政府信息公开</p>{body}</body></html>')
SERVER_LIMIT = 60.0  # seconds any one response may run on the server side


def _page(title: str, body: str = "") -> bytes:
    return PAGE.format(title=title, body=body).encode()


# path -> (what it is, in a table's words)
PATHS = {
    "/chain/0": "a chain of 50 redirects",
    "/loop": "a redirect loop",
    "/to-file": "a redirect to file:///etc/passwd",
    "/to-javascript": "a redirect to javascript:",
    "/to-ftp": "a redirect to ftp://",
    "/trickle": "a body trickled a byte a second",
    "/never": "a server that never answers",
    "/endless-chunked": "an endless chunked body",
    "/huge-length": "a 2 GB Content-Length",
    "/bad-utf8": "invalid UTF-8",
    "/lying-charset": "a charset that lies (GBK sent as UTF-8)",
    "/links": "100,000 links",
    "/auth": "a basic-auth prompt",
    "/dialogs": "alert, confirm and print dialogs",
    "/download": "a download instead of a page",
    "/infinite-scroll": "infinite scroll",
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._send(302, b"", {"Location": location})

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError,
                                 ssl.SSLError, OSError):
            self._route(self.path.split("?")[0])

    def _route(self, path: str) -> None:
        started = time.monotonic()
        if path.startswith("/chain/"):
            hop = int(path.rsplit("/", 1)[1])
            if hop < 50:
                return self._redirect(f"/chain/{hop + 1}")
            return self._send(200, _page("第50跳"))
        if path == "/loop":
            return self._redirect("/loop")
        if path == "/to-file":
            return self._redirect("file:///etc/passwd")
        if path == "/to-javascript":
            return self._redirect("javascript:alert(document.cookie)")
        if path == "/to-ftp":
            return self._redirect("ftp://127.0.0.1/pub/")
        if path == "/trickle":
            body = _page("慢站点") * 10
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:
                if time.monotonic() - started > SERVER_LIMIT:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(1)
            return None
        if path == "/never":
            while time.monotonic() - started < SERVER_LIMIT:
                time.sleep(0.5)
            return None
        if path == "/endless-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + "无尽".encode() * 5000 + b"</p>"
            while time.monotonic() - started < SERVER_LIMIT:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            return None
        if path == "/huge-length":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(2 << 30))
            self.end_headers()
            block = b"<p>" + b"x" * 65_536 + b"</p>"
            while time.monotonic() - started < SERVER_LIMIT:
                self.wfile.write(block)
            return None
        if path == "/bad-utf8":
            body = _page("坏编码").replace("政府".encode(), b"\xff\xfe\xc3\x28\xed\xa0\x80")
            return self._send(200, body)
        if path == "/lying-charset":
            return self._send(200, PAGE.format(title="谎报编码", body="<p>网站标识码</p>")
                              .replace('charset="utf-8"', "").encode("gbk"))
        if path == "/links":
            links = "".join(f'<a href="/l/{n}">{n}</a>' for n in range(100_000))
            return self._send(200, _page("十万链接", links))
        if path.startswith("/l/"):
            return self._send(200, _page("链接"))
        if path == "/auth":
            return self._send(401, b"login", {"WWW-Authenticate": 'Basic realm="gov"'})
        if path == "/dialogs":
            return self._send(200, _page("对话框", "<script>alert('维护');confirm('继续？');"
                                         "print();prompt('x')</script>"))
        if path == "/download":
            return self._send(200, b"PK\x03\x04" + bytes(1000),
                              {"Content-Disposition": 'attachment; filename="a.zip"'},
                              ctype="application/octet-stream")
        if path == "/infinite-scroll":
            return self._send(200, _page("无限滚动", """<div id=feed></div><script>
function more(){for(let i=0;i<50;i++){const p=document.createElement('p');
p.style.height='40px';p.textContent='新闻'+i;feed.appendChild(p);}}
more();window.addEventListener('scroll',()=>{if(innerHeight+scrollY>=document.body.scrollHeight-200)more();});
new IntersectionObserver(()=>more()).observe(document.body);</script>"""))
        return self._send(404, _page("404"))


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    block_on_close = False


@contextlib.contextmanager
def hostile_server(tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve the hostile paths on 127.0.0.1; yields the base URL (https with tls)."""
    server = _Server(("127.0.0.1", 0), Handler)
    scheme = serve_in_thread(server, tls)
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
