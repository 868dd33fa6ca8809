"""An attached SVG is shown by the report as an image only, an attached HTML page as an inert
copy: opened from the report in a real Chromium, the scripts and external resources in them
never run or load (a canary server on 127.0.0.1 must receive nothing)."""

from __future__ import annotations

import http.server
from pathlib import Path

import pytest

from govaudit import Audit
from govaudit.workspace import Workspace

SITE = "成都市"


@pytest.fixture
def canary(serve_site) -> tuple[str, list[str]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        do_POST = do_GET

    return serve_site(Handler), seen


def hostile_svg(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="120" height="60" onload="fetch('{base}/onload')">
  <script>fetch('{base}/script'); new Image().src = '{base}/script-img';</script>
  <rect width="120" height="60" fill="navy"/>
  <image href="{base}/image" width="10" height="10"/>
  <a xlink:href="javascript:fetch('{base}/js-link')"><text y="30">点击</text></a>
</svg>""".encode()


def hostile_html(base: str) -> bytes:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>附件页</title>"
            f"<script>fetch('{base}/script')</script>"
            f"<link rel='stylesheet' href='{base}/css'></head>"
            f"<body onload=\"fetch('{base}/onload')\"><h1>政务公开</h1>"
            f"<img src='{base}/img'><iframe src='{base}/frame'></iframe></body></html>"
            ).encode()


def opened_from_report(index: Path, page_name: str) -> tuple[list[str], dict[str, list[int]],
                                                             list[int]]:
    """Open a site page, then every link to an attached file, in Chromium: the links, the
    natural widths of the images each shows, and of the SVG images on the site page."""
    from playwright.sync_api import sync_playwright

    from govaudit.browser import find_browser, launch_args

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser().path, args=launch_args())
        try:
            page = browser.new_page()
            page.goto((index.parent / "sites" / page_name).resolve().as_uri(),
                      wait_until="load")
            links = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
            opened = [h for h in links if "/evidence/" in h or "/report/views/" in h]
            shown = page.eval_on_selector_all(
                "img", "els => els.filter(i => i.src.endsWith('.svg'))"
                ".map(i => i.naturalWidth)")
            widths = {}
            for href in opened:  # as a click on each link would
                page.goto(href, wait_until="load")
                page.wait_for_timeout(500)
                page.mouse.click(20, 60)  # on the picture: its javascript: link, if it were live
                widths[href] = page.eval_on_selector_all(
                    "img", "els => els.map(i => i.naturalWidth)")
            page.wait_for_timeout(1000)
        finally:
            browser.close()
    return opened, widths, shown


def attached_report(make_workspace, tmp_path: Path, name: str, data: bytes,
                    link_evidence: bool) -> Path:
    """A report of a workspace with `data` attached as `name`; its index.html."""
    ws: Workspace = make_workspace(sites=[(SITE, "https://www.chengdu.gov.cn/", "city")])
    audit = Audit.open(ws.root)
    audit.answer(SITE, "a1.q1", "yes")
    source = tmp_path / name
    source.write_bytes(data)
    audit.attach(SITE, "a1.q1", source)
    return audit.report(tmp_path / "report", link_evidence=link_evidence)


@pytest.mark.parametrize("link_evidence", [False, True])
def test_an_attached_html_page_opened_from_the_report_runs_nothing(
        make_workspace, tmp_path: Path, canary: tuple[str, list[str]],
        link_evidence: bool) -> None:
    from govaudit.report.build import site_page_name

    base, seen = canary
    index = attached_report(make_workspace, tmp_path, "页面.html", hostile_html(base),
                            link_evidence)
    opened, _, _ = opened_from_report(index, site_page_name(SITE))
    assert opened
    assert seen == []  # no script ran, nothing was fetched
    assert all("/report/views/" in h for h in opened), opened
    [view] = (index.parent / "views").glob("*.html")
    assert "政务公开" in view.read_text(encoding="utf-8")


@pytest.mark.parametrize("link_evidence", [False, True])
def test_an_attached_svg_opened_from_the_report_runs_nothing(
        make_workspace, tmp_path: Path, canary: tuple[str, list[str]],
        link_evidence: bool) -> None:
    from govaudit.report.build import site_page_name

    base, seen = canary
    index = attached_report(make_workspace, tmp_path, "图示.svg", hostile_svg(base),
                            link_evidence)
    opened, widths, shown = opened_from_report(index, site_page_name(SITE))
    assert opened
    assert seen == []  # no script ran, nothing was fetched
    assert not any(h.lower().endswith(".svg") for h in opened), opened
    assert set(map(tuple, widths.values())) == {(120,)}, widths  # an image page shows it
    assert shown == [120]  # the site page shows it too, as an image
