"""Hostile pages for the capture, on loopback: a site, a partner site and an admin service.

The site runs on 127.0.0.1; a partner site on 127.0.0.3 is meant to be one of its recorded
pages (so its origin is allowed, and a frame of it is cross-site: a process of its own); an
internal admin service runs on 127.0.0.2, a private origin no page asked for. Everything the
admin service is asked for is counted in `Admin.hits`: a request there is a leak, whatever
the record says. Every response is bounded in time on the server side too.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

SECRET = "ADMIN-SECRET-4411"
FINAL = "终页"
BIG = 3_000_000  # bytes of the big download (the tests cap downloads at 1 MB)
SMALL = b"%PDF-1.4 " + bytes(range(256)) * 8


PATHS = ["/popup", "/popup-bomb", "/outer", "/frame", "/worker", "/refresh-private",
         "/script-private", "/meta", "/meta-quoted", "/meta-late", "/script-href",
         "/script-replace", "/script-timer", "/header-refresh", "/final", "/never", "/stall",
         "/big-download", "/small-download", "/missing"]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class _Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stop = threading.Event()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send(self, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class Admin(_Base):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Admin.hits.append(self.path)
        self.send(200, f"<html><title>{SECRET}</title><body>{SECRET}</body></html>")


def page(title: str, body: str = "", head: str = "") -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}'
            f'</head><body><h1>{title}</h1>{body}</body></html>')


def site_handler(admin: str, partner: str) -> type[_Base]:
    pages = {
        "/popup": page("弹窗", f'<script>window.open("{admin}/popup")</script>'),
        "/popup-bomb": page("弹窗炸弹", "<script>for (let i = 0; i < 50; i++) "
                            "window.open('/final?' + i)</script>"),
        "/outer": page("外层", f'<iframe src="{partner}/inner"></iframe>'),
        "/frame": page("框架", f'<iframe src="{admin}/frame"></iframe>'),
        "/worker": page("线程", "<script>new Worker('/worker.js')</script>"),
        "/refresh-private": page("跳转", head=f'<meta http-equiv="refresh" '
                                 f'content="0;url={admin}/refresh">'),
        "/script-private": page("脚本跳转", "<script>addEventListener('load', () => "
                                f"location.href = '{admin}/script')</script>"),
        "/meta": page("刷新", head='<meta http-equiv="refresh" content="0;url=/final">'),
        "/meta-quoted": page("刷新", head="<META HTTP-EQUIV='Refresh' "
                             "CONTENT=\"0; URL='/final'\">"),
        "/meta-late": page("刷新", head='<meta http-equiv="refresh" content="1; url=/final">'),
        "/script-href": page("脚本", "<script>location.href = '/final'</script>"),
        "/script-replace": page("脚本", "<script>addEventListener('load', () => "
                                "location.replace('/final'))</script>"),
        "/script-timer": page("脚本", "<script>setTimeout(() => { window.location = "
                              "'/final' }, 50)</script>"),
        "/final": page(FINAL),
        "/missing": page("404 页面不存在"),
    }

    class Site(_Base):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            if path == "/worker.js":
                return self.send(200, f"fetch('{admin}/worker')", "text/javascript")
            if path == "/header-refresh":
                return self.send(200, page("刷新头"), headers={"Refresh": "0; url=/final"})
            if path == "/never":
                self.stop.wait(30)
                return None
            if path == "/stall":  # a page that shows its start, then never ends
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(page("半截页面", "<p>正在加载").encode()[:-14])
                self.wfile.flush()
                self.stop.wait(30)
                return None
            if path in ("/big-download", "/small-download"):
                size = BIG if path == "/big-download" else len(SMALL)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Disposition", 'attachment; filename="file.pdf"')
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if size == len(SMALL):
                    self.wfile.write(SMALL)
                    return None
                sent, started = 0, time.monotonic()
                while sent < size and time.monotonic() - started < 30:
                    self.wfile.write(b"x" * 65536)
                    sent += 65536
                return None
            if path == "/hog":
                return self.send(200, page("吃内存", "<script>const keep = []; setInterval(() "
                                 "=> { for (let i = 0; i < 20; i++) keep.push(new Array(1e6)"
                                 ".fill(i)) }, 5)</script>"))
            status = 404 if path == "/missing" else 200
            if path in pages:
                return self.send(status, pages[path])
            return self.send(404, "not found")

    return Site


class Partner(_Base):
    admin = ""

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/inner":  # a cross-site frame that frames the admin page
            return self.send(200, page("合作方", f'<iframe src="{self.admin}/nested"></iframe>'))
        return self.send(200, page("合作方首页"))


def _serve(handler: type[_Base], host: str) -> _Server:
    server = _Server((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextlib.contextmanager
def capture_servers() -> Iterator[dict[str, str]]:
    """The site (127.0.0.1), its partner (127.0.0.3) and the admin service (127.0.0.2)."""
    _Base.stop.clear()
    admin_server = _serve(Admin, "127.0.0.2")
    admin = f"http://127.0.0.2:{admin_server.server_address[1]}"
    Partner.admin = admin
    partner_server = _serve(Partner, "127.0.0.3")
    partner = f"http://127.0.0.3:{partner_server.server_address[1]}"
    site_server = _serve(site_handler(admin, partner), "127.0.0.1")
    site = f"http://127.0.0.1:{site_server.server_address[1]}"
    try:
        yield {"site": site, "admin": admin, "partner": partner}
    finally:
        _Base.stop.set()
        for server in (site_server, partner_server, admin_server):
            server.shutdown()
            server.server_close()


PATHS = ["/popup", "/popup-bomb", "/outer", "/frame", "/worker", "/refresh-private",
         "/script-private", "/meta", "/meta-quoted", "/meta-late", "/script-href",
         "/script-replace", "/script-timer", "/header-refresh", "/final", "/never", "/stall",
         "/big-download", "/small-download", "/missing"]
