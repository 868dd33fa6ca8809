"""The corpus server: every site of the corpus on 127.0.0.1, one free port, one path prefix a site.

`corpus_server()` serves `sites/<site>/…` at `/<site>/…`, so that the same page URL works in
`check`, `monitor` and a browser. What is not a plain page comes from `routes.yaml` beside the
pages: the Content-Type (and so the charset) of each site's pages, the dead links (404, 410, 500,
503), the soft 404, the redirects, a server that refuses HEAD, and the sites behind an anti-bot
challenge. A challenged path answers 412 with a script page and a first cookie; the script
computes a second cookie from the first and reloads, and the request with both cookies gets the
page. A port on 127.0.0.1 is held bound and not listening for the whole run, so that a link to it
is refused; pages name it `__CLOSED_PORT__`, which the server replaces in what it sends.
"""

from __future__ import annotations

import http.server
import secrets
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
BODIES = HERE / "bodies"
ROUTES = HERE / "routes.yaml"
CLOSED_PORT_TOKEN = "__CLOSED_PORT__"
NONCE_TOKEN = "__NONCE__"
# The first cookie is set by the 412 answer, the second by the challenge script.
CHALLENGE_COOKIE = "jsc_a"
ANSWER_COOKIE = "jsc_b"
HTML_SUFFIXES = (".html", ".htm", ".shtml")
TYPES = {".css": "text/css", ".js": "application/javascript", ".json": "application/json",
         ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
         ".pdf": "application/pdf", ".xml": "application/rss+xml"}
REASONS = {404: "Not Found", 410: "Gone", 500: "Internal Server Error",
           503: "Service Temporarily Unavailable", 405: "Not Allowed"}


def solve(nonce: str) -> str:
    """The answer the challenge script computes from the first cookie (the same arithmetic)."""
    value = 0
    for char in nonce:
        value = (value * 31 + ord(char)) % 1_000_000_007
    return str(value)


def error_body(status: int) -> bytes:
    """The error page of an nginx in front of a CMS."""
    title = f"{status} {REASONS.get(status, 'Error')}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}"
            f"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()


@dataclass(frozen=True)
class Routes:
    """routes.yaml: Content-Types by path prefix, special routes by path, challenged prefixes."""

    content_types: dict[str, str]
    routes: dict[str, dict[str, Any]]
    challenge: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = ROUTES) -> Routes:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        return cls(dict(data["content_types"]), {k: dict(v) for k, v in data["routes"].items()},
                   tuple(data.get("challenge") or ()))

    def html_type(self, path: str) -> str:
        prefixes = [p for p in self.content_types if path.startswith(p)]
        return self.content_types[max(prefixes, key=len)] if prefixes else "text/html"

    def challenged(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.challenge)


def file_for(path: str) -> Path | None:
    """The file under sites/ that serves `path` ("/x/" is "/x/index.html"), if there is one."""
    relative = path.lstrip("/")
    if not relative or relative.endswith("/"):
        relative += "index.html"
    target = (SITES / relative).resolve()
    if SITES not in target.parents or not target.is_file():
        return None
    return target


def content_type(routes: Routes, path: str, file: Path) -> str:
    if file.suffix in HTML_SUFFIXES:
        return routes.html_type(path)
    return TYPES.get(file.suffix, "application/octet-stream")


class CorpusHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart
    server_version = "nginx"
    sys_version = ""
    routes: Routes  # set on the subclass that corpus_server makes
    closed_port: int
    nonce: str

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _send(self, status: int, body: bytes, ctype: str | None, head: bool,
              headers: dict[str, str] | None = None) -> None:
        body = body.replace(CLOSED_PORT_TOKEN.encode(), str(self.closed_port).encode())
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _passed(self) -> bool:
        cookies = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie") or "")
        except CookieError:
            return False
        first, answer = cookies.get(CHALLENGE_COOKIE), cookies.get(ANSWER_COOKIE)
        return (first is not None and answer is not None and first.value == self.nonce
                and answer.value == solve(self.nonce))

    def _answer(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        routes = self.routes
        if routes.challenged(path) and not self._passed():
            page = (BODIES / "challenge.html").read_bytes().replace(NONCE_TOKEN.encode(),
                                                                   self.nonce.encode())
            self._send(412, page, "text/html; charset=utf-8", head,
                       {"Set-Cookie": f"{CHALLENGE_COOKIE}={self.nonce}; Path=/",
                        "Cache-Control": "no-store"})
            return
        route = routes.routes.get(path, {})
        if head and "head" in route:
            self._send(route["head"], b"", "text/html", head)
            return
        status = route.get("status", 200)
        if "location" in route:
            self._send(status, b"", "text/html", head, {"Location": route["location"]})
            return
        if "body" in route:
            self._send(status, (BODIES / route["body"]).read_bytes(),
                       route.get("type", "text/html; charset=utf-8"), head)
            return
        file = file_for(path)
        if status >= 400 and not route.get("page"):
            self._send(status, error_body(status), "text/html", head)
        elif file is not None:
            self._send(status, file.read_bytes(),
                       route.get("type") or content_type(routes, path, file), head)
        elif path != "/" and (SITES / path.strip("/")).is_dir():
            self._send(301, b"", "text/html", head, {"Location": path + "/"})
        else:
            self._send(404, error_body(404), "text/html", head)


@dataclass(frozen=True)
class CorpusServer:
    """A running corpus server: its base URL and the port it holds closed."""

    base: str  # http://127.0.0.1:PORT, no trailing slash
    closed_port: int

    def url(self, target: str) -> str:
        """A label's URL made absolute: a path is on this server; the closed port filled in."""
        target = target.replace(CLOSED_PORT_TOKEN, str(self.closed_port))
        return self.base + target if target.startswith("/") else target


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing of a client that closed its connection (a browser or a pool dropping
        a kept-alive one): it is no fault of the corpus."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        super().handle_error(request, client_address)


@contextmanager
def corpus_server() -> Iterator[CorpusServer]:
    """Serve the corpus on 127.0.0.1 (a free port) for the time of the `with` block."""
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    handler = type("BoundCorpusHandler", (CorpusHandler,),
                   {"routes": Routes.load(), "closed_port": closed.getsockname()[1],
                    "nonce": secrets.token_hex(8)})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="corpus-server", daemon=True)
    thread.start()
    try:
        yield CorpusServer(f"http://127.0.0.1:{server.server_address[1]}",
                           closed.getsockname()[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        closed.close()


def main() -> None:
    """Serve the corpus until interrupted: `python tests/corpus/server.py`."""
    with corpus_server() as running:
        print(f"corpus at {running.base}/ (closed port {running.closed_port}); Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
