"""Compression bombs and odd Content-Encodings: decoding stops at the size cap, with a reason.

Each bomb is built here by compressing zeros a megabyte at a time: after a full flush the
compressor starts afresh, so every further megabyte compresses to the same bytes, which are
repeated instead of compressing gigabytes. The streams are cut off after their last block
(no trailer): a reader that keeps to its cap stops long before their end.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.server
import json
import resource
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from govaudit.probes.fetch import Fetcher, FetchLimits
from tests.conftest import run_govaudit

FIXTURE = Path(__file__).parent / "fixtures" / "probes.yaml"
LIMIT_AS = 3 << 29  # 1.5 GB
PAGE = "<html><head><title>压缩页面</title></head><body><p>政府信息公开</p></body></html>"


def _zeros(wbits: int, megabytes: int) -> Iterator[bytes]:
    """A zlib-family stream (gzip: 31, zlib: 15) of that many MB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zero = bytes(1 << 20)
    yield compressor.compress(zero) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zero) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(megabytes - 1):
        yield again


def _compressed(data: bytes | Iterator[bytes], wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    blocks = [data] if isinstance(data, bytes) else data
    return b"".join(compressor.compress(b) for b in blocks) + compressor.flush()


try:
    import brotli
except ImportError:  # br is then refused as unsupported, and not asked for
    brotli = None


def _brotli_zeros(megabytes: int) -> bytes:
    compressor = brotli.Compressor()
    zero = bytes(1 << 20)
    return b"".join(compressor.process(zero) for _ in range(megabytes)) + compressor.finish()


BOMBS = {
    # 10 GB of zeros, gzipped twice: about 30 KB on the wire
    "/gzip-gzip": ("gzip, gzip", _compressed(_zeros(31, 10 * 1024), 31)),
    "/gzip": ("gzip", b"".join(_zeros(31, 300))),        # 300 MB in about 300 KB
    "/deflate": ("deflate", b"".join(_zeros(15, 300))),  # zlib-wrapped, as the RFC says
}
PAGES = {
    "/plain": ("", PAGE.encode()),
    "/gzip-page": ("gzip", gzip.compress(PAGE.encode())),
    "/x-gzip-page": ("x-gzip", gzip.compress(PAGE.encode())),
    "/gzip-gzip-page": ("gzip, gzip", gzip.compress(gzip.compress(PAGE.encode()))),
    "/deflate-page": ("deflate", zlib.compress(PAGE.encode())),
    "/raw-deflate-page": ("deflate", _compressed(PAGE.encode(), -15)),  # what IIS sends
    "/identity-gzip-page": ("identity, GZIP", gzip.compress(PAGE.encode())),
    "/unknown": ("x-unknown", PAGE.encode()),
    "/compress": ("compress", PAGE.encode()),
    "/not-gzip": ("gzip", PAGE.encode()),
    # a tiny body that decodes to nothing, followed by junk the decoder must not read on
    "/gzip-trailing": ("gzip", gzip.compress(PAGE.encode()) + bytes(2_000_000)),
    "/br-page": ("br", brotli.compress(PAGE.encode()) if brotli else PAGE.encode()),
}
if brotli is not None:
    BOMBS["/br"] = ("br", _brotli_zeros(50))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        encoding, body = {**BOMBS, **PAGES}.get(self.path, ("", b""))
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # a client that stops reading ends this: the point

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str, **limits):
    async def go():
        async with Fetcher(FetchLimits(**limits)) as fetcher:
            return await fetcher.page(url)

    return asyncio.run(go())


def test_bombs_in_check_end_with_the_reason(server: str, make_workspace):
    """`govaudit check` under a 1.5 GB address-space limit: each bomb is a recorded failure."""
    sites = [(f"炸弹{n}", server + path, "city") for n, path in enumerate(BOMBS)]
    ws = make_workspace(FIXTURE, sites=sites)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))

    # a process of its own: the memory limit holds for the command, not for the test run
    result = run_govaudit("check", "--json", "--probe", "availability", "--probe", "marks",
                          "--samples", "1", "--interval", "0", "--timeout", "20",
                          cwd=ws.root, timeout=120, preexec_fn=limit)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    data = {s["url"]: s for s in json.loads(result.stdout)["sites"]}
    for path, (encoding, _body) in BOMBS.items():
        reason = f"decoded body exceeds 5 MB (Content-Encoding: {encoding})"
        probes = data[server + path]["probes"]
        assert probes["availability"]["errors"] == [reason], path
        assert probes["marks"]["failed"] is True
        assert reason in probes["marks"]["error"]


@pytest.mark.parametrize("path", list(BOMBS))
def test_bomb_stops_at_the_cap(server: str, path: str):
    page = fetch(server + path, max_bytes=1_000_000)
    encoding = BOMBS[path][0]
    assert page.status == 200
    assert page.error == f"decoded body exceeds 1 MB (Content-Encoding: {encoding})"
    assert page.html is None


@pytest.mark.parametrize("path", ["/plain", "/gzip-page", "/x-gzip-page", "/gzip-gzip-page",
                                  "/deflate-page", "/raw-deflate-page", "/identity-gzip-page",
                                  "/gzip-trailing"])
def test_encoded_pages_are_decoded(server: str, path: str):
    page = fetch(server + path)
    assert (page.status, page.error) == (200, "")
    assert page.html == PAGE
    assert page.size == len(PAGE.encode()) and page.truncated is False


@pytest.mark.parametrize(("path", "error"), [
    ("/unknown", "unsupported Content-Encoding 'x-unknown'"),
    ("/compress", "unsupported Content-Encoding 'compress'"),
    ("/not-gzip", "cannot decode the gzip body"),
])
def test_unknown_or_broken_encodings_are_failures(server: str, path: str, error: str):
    page = fetch(server + path)
    assert page.status == 200
    assert page.error.startswith(error), page.error
    assert page.html is None


def test_br_is_decoded_only_with_brotli(server: str):
    page = fetch(server + "/br-page")
    if brotli is None:
        assert page.error == "unsupported Content-Encoding 'br' (brotli is not installed)"
    else:
        assert (page.error, page.html) == ("", PAGE)
