"""WACZ web archives of what a real Chromium fetched from a site on 127.0.0.1."""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import http.server
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from govaudit.archive.recorder import Exchange, ResponseRecorder
from govaudit.archive.wacz import (
    INDEX_PATH,
    PAGES_PATH,
    WARC_PATH,
    Page,
    build_wacz,
    check_wacz,
    save_wacz,
)
from govaudit.evidence import new_record

WACZ = Path(sys.executable).parent / "wacz"
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>成都市人民政府</title>
<link rel="stylesheet" href="style.css"></head>
<body><h1>政府信息公开</h1><p>依申请公开　政策解读</p><img src="logo.png" width="40" height="40">
</body></html>""".encode()
CSS = b"h1 { color: #c00 } /* govaudit-css-marker */"


@functools.cache
def logo_png() -> bytes:
    buffer = io.BytesIO()  # noise: a PNG much larger than the page
    Image.effect_noise((200, 200), 80).save(buffer, "PNG")
    return buffer.getvalue()


class Site(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        headers: dict[str, str] = {}
        if self.path == "/":
            ctype, body = "text/html; charset=utf-8", PAGE
        elif self.path == "/style.css":  # sent compressed: the archive keeps it decoded
            ctype, body = "text/css", gzip.compress(CSS)
            headers["Content-Encoding"] = "gzip"
        elif self.path == "/logo.png":
            ctype, body = "image/png", logo_png()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site_url(site_server) -> Iterator[str]:
    base = site_server.add(Site)
    yield base + "/"
    site_server.remove(base)


def record_page(url: str, **limits: int) -> tuple[list[Exchange], str]:
    """Load `url` in the real Chromium with a ResponseRecorder attached."""
    from playwright.async_api import async_playwright

    from govaudit.browser import launch_browser

    async def run() -> tuple[list[Exchange], str]:
        async with async_playwright() as pw:
            browser = await launch_browser(pw)
            try:
                page = await browser.new_page()
                recorder = ResponseRecorder(**limits)
                recorder.attach(page)
                await page.goto(url, wait_until="load")
                title = await page.title()
                return await recorder.finish(), title
            finally:
                await browser.close()

    return asyncio.run(run())


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WACZ), "validate", "-f", str(path)], capture_output=True,
                          text=True, timeout=120)


def responses(wacz: Path) -> dict[str, tuple[dict[str, str], bytes, str]]:
    """Replay offline: URL -> (HTTP headers, body, WARC-Truncated) of each response record."""
    with zipfile.ZipFile(wacz) as archive:
        warc = archive.read(WARC_PATH)
    found = {}
    for record in ArchiveIterator(io.BytesIO(warc)):
        if record.rec_type == "response":
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            found[record.rec_headers.get_header("WARC-Target-URI")] = (
                headers, record.content_stream().read(),
                record.rec_headers.get_header("WARC-Truncated") or "")
    return found


def test_a_captured_page_replays_offline_from_a_valid_wacz(site_url: str, tmp_path: Path
                                                            ) -> None:
    exchanges, title = record_page(site_url)
    urls = [e.url for e in exchanges]
    assert urls.count(site_url) == 1
    assert {site_url + "style.css", site_url + "logo.png"} <= set(urls)
    page = next(e for e in exchanges if e.url == site_url)
    assert page.method == "GET" and page.status == 200 and page.ip == "127.0.0.1"
    assert any(k.lower() == "user-agent" for k, _ in page.request_headers)
    assert [v for k, v in page.response_headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]

    path = tmp_path / "page.wacz"
    path.write_bytes(build_wacz(exchanges, [Page(site_url, page.time, title)], title=title))
    checked = validate(path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the passed WACZ is valid" in checked.stdout
    assert check_wacz(path) == ""

    replay = responses(path)
    headers, body, _ = replay[site_url]
    assert "政府信息公开" in body.decode("utf-8")
    assert replay[site_url + "logo.png"][1] == logo_png()
    css_headers, css, _ = replay[site_url + "style.css"]
    assert css == CSS  # decoded, and the headers say so
    assert "content-encoding" not in css_headers
    assert css_headers["x-archive-orig-content-encoding"] == "gzip"
    assert css_headers["content-length"] == str(len(CSS))
    with zipfile.ZipFile(path) as archive:
        pages = [json.loads(line) for line in archive.read(PAGES_PATH).splitlines()]
        index = archive.read(INDEX_PATH).decode()
        package = json.loads(archive.read("datapackage.json"))
        assert archive.getinfo(WARC_PATH).compress_type == zipfile.ZIP_STORED
    assert pages[0]["format"] == "json-pages-1.0"
    assert pages[1]["url"] == site_url and pages[1]["title"] == "成都市人民政府"
    assert site_url + "logo.png" in index
    assert package["wacz_version"] == "1.1.1" and package["mainPageURL"] == site_url
    assert {r["path"] for r in package["resources"]} == {WARC_PATH, INDEX_PATH, PAGES_PATH}


def test_a_capture_keeps_its_wacz_as_an_evidence_file(site_url: str, make_workspace) -> None:
    ws = make_workspace(sites=[("成都市", site_url, "city")])
    exchanges, title = record_page(site_url)
    record = new_record(run="20261122T081500Z-ab12", site="成都市", requested_url=site_url)
    record.update(final_url=site_url, title=title, browser="Chromium 1")
    entry = save_wacz(ws, record, exchanges)
    path = ws.root / entry["path"]
    assert entry["kind"] == "wacz" and path.suffix == ".wacz" and record["files"] == [entry]
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert check_wacz(path) == "" and validate(path).returncode == 0
    with zipfile.ZipFile(path) as archive:
        package = json.loads(archive.read("datapackage.json"))
    assert package["title"] == "成都市人民政府" and package["mainPageURL"] == site_url
    assert "成都市: " in package["description"]


def test_bodies_beyond_the_size_cap_are_left_out_and_marked_truncated(site_url: str,
                                                                      tmp_path: Path) -> None:
    exchanges, _ = record_page(site_url, max_body=len(logo_png()) // 2)
    logo = next(e for e in exchanges if e.url.endswith("logo.png"))
    assert logo.body == b"" and logo.truncated == "length"
    path = tmp_path / "capped.wacz"
    path.write_bytes(build_wacz(exchanges, [Page(site_url, exchanges[0].time)]))
    assert validate(path).returncode == 0
    replay = responses(path)
    assert replay[site_url + "logo.png"][2] == "length"
    assert "政府信息公开" in replay[site_url][1].decode()


def _rewrite(source: Path, target: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, data if info.filename == name else old.read(info.filename))


def test_a_corrupt_wacz_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    good = tmp_path / "good.wacz"
    good.write_bytes(build_wacz([Exchange("GET", "http://127.0.0.1/", [], 200,
                                          [("Content-Type", "text/html")], "首页".encode(), now)],
                                [Page("http://127.0.0.1/", now)]))
    assert check_wacz(good) == ""

    edited = tmp_path / "edited.wacz"  # a whole zip, but pages.jsonl no longer matches its hash
    _rewrite(good, edited, PAGES_PATH, b'{"format": "json-pages-1.0", "id": "pages"}\n')
    assert check_wacz(edited) == "pages/pages.jsonl does not match its hash in datapackage.json"
    assert validate(edited).returncode != 0

    flipped = tmp_path / "flipped.wacz"  # one byte of the stored WARC changed on disk
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo(WARC_PATH)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    assert check_wacz(flipped) == f"{WARC_PATH}: damaged inside the zip (CRC mismatch)"

    cut = tmp_path / "cut.wacz"
    cut.write_bytes(good.read_bytes()[:200])
    assert check_wacz(cut).startswith("not a readable zip")
    assert check_wacz(tmp_path / "none.wacz") == "missing"

    digest = tmp_path / "digest.wacz"
    _rewrite(good, digest, "datapackage-digest.json",
             b'{"path": "datapackage.json", "hash": "sha256:00"}')
    assert check_wacz(digest) == "datapackage.json does not match the hash in " \
        "datapackage-digest.json"
