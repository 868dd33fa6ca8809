"""Capturing with a browser govaudit did not launch: a CDP endpoint, and an open page."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govaudit import Audit
from govaudit.browser import find_browser, launch_args
from govaudit.capture import capture_open_page
from govaudit.errors import OptionError
from govaudit.store import Store

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body style="margin:0"><h1>{title}</h1><a id="go" href="/two.html">下一页</a>'
        '<div style="height:2400px"></div></body></html>')


@pytest.fixture
def site(tmp_path: Path, serve_dir) -> str:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "one.html").write_text(PAGE.format(title="第一页"), encoding="utf-8")
    (folder / "two.html").write_text(PAGE.format(title="第二页"), encoding="utf-8")
    return serve_dir(folder)


@pytest.fixture
def cdp_endpoint(tmp_path: Path) -> Iterator[str]:
    """A Chromium started by the test on 127.0.0.1 with --remote-debugging-port, stopped after."""
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [find_browser().path, "--headless", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", *launch_args(),
         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Chromium with --remote-debugging-port did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def run_server(tmp_path: Path) -> Iterator[str]:
    """A `playwright run-server` on 127.0.0.1 whose headless shell is the system Chromium."""
    from govaudit.browser import headless_shell_path

    shell = headless_shell_path(tmp_path / "pw")
    shell.parent.mkdir(parents=True)
    shell.symlink_to(find_browser().path)
    server = Path(sys.executable).parent / "playwright"
    process = subprocess.Popen([str(server), "run-server", "--port", "0", "--host", "127.0.0.1"],
                               env={**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "pw")},
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               start_new_session=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("Listening on "):
            pytest.fail(f"playwright run-server did not start: {line!r}")
        yield line.split()[-1]
    finally:
        stop_process_group(process)


def stop_process_group(process: subprocess.Popen[str]) -> None:
    """Stop `playwright run-server`: the script runs a Node driver as its child, which
    outlives the script once a browser has connected unless its whole group is stopped."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(10)
    deadline = time.monotonic() + 3
    try:
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_capture_through_a_playwright_run_server(make_workspace, site: str,
                                                 run_server: str) -> None:
    audit = Audit.open(make_workspace(sites=[("成都市", f"{site}/one.html", "city")]).root)
    result = audit.capture(["成都市"], browser_endpoint=run_server)
    [record] = result.records
    assert record.error == "" and record.title == "第一页"
    assert [f.kind for f in record.files] == ["png", "html", "mhtml"]


def test_capture_through_a_cdp_endpoint(make_workspace, site: str, cdp_endpoint: str) -> None:
    audit = Audit.open(make_workspace(sites=[("成都市", f"{site}/one.html", "city")]).root)
    audit.sites.record_page("成都市", f"{site}/two.html")
    result = audit.capture(["成都市"], cdp_endpoint=cdp_endpoint, concurrency=2)
    assert result.failed == 0, [r.error for r in result.records]
    titles = sorted(r.title for r in result.records)
    assert titles == ["第一页", "第二页"]
    for record in result.records:
        assert record.browser == f"Chromium {find_browser().version.split()[-1]}"
        assert [f.kind for f in record.files] == ["png", "html", "mhtml"]
    assert len(audit.evidence()) == 2


def test_unreachable_cdp_endpoint_is_one_clear_error(make_workspace, site: str) -> None:
    audit = Audit.open(make_workspace(sites=[("成都市", f"{site}/one.html", "city")]).root)
    with pytest.raises(OptionError, match="http://127.0.0.1:9: cannot connect") as raised:
        audit.capture(["成都市"], cdp_endpoint="http://127.0.0.1:9")
    assert raised.value.field == "cdp_endpoint"  # the CLI shows --cdp-endpoint
    assert audit.evidence() == []


def test_capture_open_page_takes_what_the_page_shows_now(make_workspace, site: str,
                                                         session_browser) -> None:
    ws = make_workspace(sites=[("成都市", f"{site}/one.html", "city")])

    async def browse_then_capture(browser) -> tuple[dict, float]:
        context = await browser.new_context(viewport={"width": 1000, "height": 700})
        try:
            page = await context.new_page()
            await page.goto(f"{site}/one.html")
            await page.click("#go")  # the evaluator browses on by hand
            await page.wait_for_url("**/two.html")
            await page.evaluate("window.scrollTo(0, 500)")
            record = await capture_open_page(page, workspace=ws, site="成都市", indicator="a1",
                                             question="a1.q1", run="20261122T081500Z-ab12")
            scrolled = await page.evaluate("window.scrollY")
            return record, scrolled
        finally:
            await context.close()

    record, scrolled = session_browser.run(browse_then_capture)
    assert record.error == ""
    assert record.final_url == record.requested_url == f"{site}/two.html"
    assert record.title == "第二页" and record.status == 200
    assert record.run == "20261122T081500Z-ab12"
    assert (record.indicator, record.question) == ("a1", "a1.q1")
    assert record.viewport == "1000x700"
    assert scrolled == 500  # the evaluator's place on the page is kept
    assert [f.kind for f in record.files] == ["png", "html", "mhtml"]
    for entry in record.files:
        data = (ws.root / entry.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry.sha256
    from PIL import Image

    with Image.open(ws.root / record.files[0].path) as image:
        assert image.width == 1000 and image.height > 2400
    assert Store(ws).evidence() == []  # returned, not stored


def test_captures_record_the_remote_endpoint_without_its_password(
        make_workspace, site: str, cdp_endpoint: str, run_server: str) -> None:
    ws = make_workspace(sites=[("成都市", f"{site}/one.html", "city")])
    audit = Audit.open(ws.root)
    with_login = cdp_endpoint.replace("http://", "http://evaluator:s3cret@")
    result = audit.capture(["成都市"], cdp_endpoint=with_login)
    [record] = result.records
    assert record.error == ""
    assert record.endpoint == cdp_endpoint
    with_token = f"{run_server.rstrip('/')}/?token=s3cret-token"
    result = audit.capture(["成都市"], url=f"{site}/two.html", browser_endpoint=with_token)
    [record] = result.records
    shown = f"{run_server.rstrip('/')}/?token=REDACTED"
    assert record.error == "" and record.endpoint == shown
    [stored] = [r for r in Store(ws).evidence() if r["id"] == record.id]
    assert stored["endpoint"] == shown
    manifest = result.manifest.read_text(encoding="utf-8")
    assert "s3cret" not in manifest and shown in manifest


def test_a_local_browser_records_no_endpoint(make_workspace, site: str) -> None:
    audit = Audit.open(make_workspace(sites=[("成都市", f"{site}/one.html", "city")]).root)
    [record] = audit.capture(["成都市"]).records
    assert record.error == "" and record.endpoint == ""
