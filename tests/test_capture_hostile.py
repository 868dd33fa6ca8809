"""Hostile pages through the capture, with real Chromium on loopback (see
tests/hostile_capture_server.py: the site, a cross-site partner, a private admin service)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands import evidence as evidence_command
from govaudit import Audit
from govaudit.capture import CaptureOptions, Target, run_captures
from govaudit.capture.memory import DEFAULT_MEMORY_LIMIT_MB
from govaudit.capture.options import DEFAULT_MAX_DOWNLOAD_MB
from govaudit.store import Site, Store
from govaudit.workspace import Workspace, init_workspace
from tests.hostile_capture_server import FINAL, PATHS, SMALL, Admin, capture_servers

FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUT = 6  # seconds a page may take: /never and /stall use all of it


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    with capture_servers() as urls:
        yield urls


def _workspace(folder: Path, site: str) -> Workspace:
    ws = init_workspace(folder, str(FIXTURES / "mini.yaml"), "张三")
    Store(ws).add_sites([Site("门户市", f"{site}/final", "city")])
    return ws


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, servers: dict[str, str]
          ) -> tuple[Workspace, dict[str, dict[str, Any]]]:
    """One run through every hostile page: records keyed by path."""
    ws = _workspace(tmp_path_factory.mktemp("hostile") / "ws", servers["site"])
    targets = [Target("门户市", servers["site"] + path) for path in PATHS]
    targets.append(Target("门户市", servers["partner"] + "/"))  # its origin is the site's too
    Admin.hits.clear()
    result = run_captures(ws, Store(ws),
                          targets, CaptureOptions(timeout_s=TIMEOUT, max_download_mb=1),
                          concurrency=3)
    records = {r.requested_url.removeprefix(servers["site"]): r for r in result.records}
    return ws, records


def test_nothing_reaches_the_private_host(batch) -> None:
    """Popups, frames inside cross-site frames, workers, refreshes: none reaches 127.0.0.2."""
    assert Admin.hits == []


def _blocked(record: dict[str, Any]) -> dict[str, str]:
    return {b["url"].rsplit("/", 1)[-1]: b["what"] for b in record.blocked}


def test_popup_is_refused_and_recorded(batch, servers) -> None:
    _, records = batch
    record = records["/popup"]
    assert record.error == "" and record.title == "弹窗"
    assert _blocked(record) == {"popup": "popup"}
    # a page that opens fifty windows is captured, its popups refused
    bomb = records["/popup-bomb"]
    assert bomb.error == "" and len(bomb.blocked) == 50
    assert {b["what"] for b in bomb.blocked} == {"popup"}


def test_frame_inside_a_cross_site_frame_is_refused(batch) -> None:
    _, records = batch
    record = records["/outer"]
    assert record.error == ""
    [blocked] = record.blocked
    assert blocked["what"] == "frame" and blocked["url"].endswith("/nested")
    assert "private address 127.0.0.2" in blocked["reason"]


def test_blocked_frame_is_recorded_with_its_reason(batch) -> None:
    _, records = batch
    record = records["/frame"]
    assert record.error == "" and not record.failed
    [blocked] = record.blocked
    assert blocked == {"url": blocked["url"], "what": "frame", "reason": blocked["reason"]}
    assert blocked["url"].endswith("/frame")
    assert blocked["reason"].startswith("request to a private address 127.0.0.2")


def test_worker_request_is_refused(batch) -> None:
    _, records = batch
    assert _blocked(records["/worker"]) == {"worker": "fetch"}


@pytest.mark.parametrize("path", ["/refresh-private", "/script-private"])
def test_the_browsers_blocked_page_is_a_refused_capture(batch, path: str) -> None:
    _, records = batch
    record = records[path]
    assert record.failure == "refused" and record.failed
    assert record.error.startswith("request to a private address 127.0.0.2")
    assert record.status is None
    # what is kept is the browser's own page, as a screenshot: nothing of the target
    assert [f.kind for f in record.files] == ["png"]


@pytest.mark.parametrize(("path", "via"), [
    ("/meta", "meta refresh"), ("/meta-quoted", "meta refresh"), ("/meta-late", "meta refresh"),
    ("/script-href", "script"), ("/script-replace", "script"), ("/script-timer", "script"),
    ("/header-refresh", "refresh header")])
def test_page_redirects_are_followed_and_recorded(batch, servers, path: str, via: str) -> None:
    ws, records = batch
    record = records[path]
    assert record.error == "", record.error
    assert record.title == FINAL and record.final_url == servers["site"] + "/final"
    assert record.requested_url == servers["site"] + path
    assert list(record.navigation) == [
        {"url": servers["site"] + path, "via": "", "status": 200},
        {"url": servers["site"] + "/final", "via": via, "status": 200}]
    assert {f.kind for f in record.files} == {"png", "html", "mhtml"}


def test_timed_out_pages_keep_a_screenshot_taken_at_the_deadline(batch) -> None:
    ws, records = batch
    for path in ("/never", "/stall"):
        record = records[path]
        assert record.failure == "timeout", record
        assert record.error.startswith(f"timed out after {TIMEOUT}s")
        shots = [f for f in record.files if f.kind == "png"]
        assert shots and all(f.taken == "deadline" for f in shots), record.files
        assert (ws.root / shots[0].path).read_bytes().startswith(b"\x89PNG")
    assert records["/stall"].status == 200 and records["/stall"].title == "半截页面"


def test_download_over_the_cap_is_cut_and_deleted(batch) -> None:
    ws, records = batch
    record = records["/big-download"]
    assert record.failure == "download" and record.files == ()
    assert "over the 1.0 MB download limit, deleted" in record.error
    assert not any(p.is_file() for p in (ws.evidence_dir / "门户市").glob("*big-download*"))
    small = records["/small-download"]
    [entry] = small.files
    data = (ws.root / entry.path).read_bytes()
    assert data == SMALL and entry.sha256 == hashlib.sha256(SMALL).hexdigest()


def test_error_page_shown_is_a_capture_and_the_list_order_is_kept(batch, servers) -> None:
    ws, records = batch
    record = records["/missing"]
    assert record.failure == "http" and record.status == 404
    assert not record.failed
    assert list(records) == [*PATHS, servers["partner"] + "/"]


def test_report_marks_what_govaudit_blocked_and_what_failed(batch, tmp_path: Path) -> None:
    ws, records = batch
    Audit.open(ws.root).report(tmp_path / "report")
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "report").rglob("*.html"))
    frame = records["/frame"].blocked[0]["url"]
    assert "govaudit 已拦截" in html and f"框架 {frame}：request to a private address" in html
    assert "已采集（网站返回错误）：HTTP 404" in html
    assert f"采集失败：timed out after {TIMEOUT}s" in html
    assert "（超时截止时所见）" in html


def test_memory_limit_ends_the_capture_and_the_batch_goes_on(tmp_path: Path,
                                                             servers) -> None:
    ws = _workspace(tmp_path / "ws", servers["site"])
    started = time.monotonic()
    result = run_captures(ws, Store(ws), [Target("门户市", servers["site"] + "/hog"),
                               Target("门户市", servers["site"] + "/final")],
                          CaptureOptions(timeout_s=10, memory_limit_mb=96), concurrency=2,
                          save=False)
    hog, final = result.records
    assert hog.failure == "memory" and "96 MB memory limit" in hog.error, hog.error
    assert final.error == "" and final.title == FINAL
    assert time.monotonic() - started < 40  # well before the capture's own limit (45 s)


def test_command_defaults_are_the_librarys() -> None:
    assert evidence_command.DEFAULT_MAX_DOWNLOAD_MB == DEFAULT_MAX_DOWNLOAD_MB
    assert evidence_command.DEFAULT_MEMORY_LIMIT_MB == DEFAULT_MEMORY_LIMIT_MB


def test_a_404_asked_for_is_captured_evidence(make_workspace, cli, servers) -> None:
    ws = make_workspace(sites=[("门户市", servers["site"] + "/final", "city")])
    done = cli("evidence", "--url", servers["site"] + "/missing", "--timeout", "5",
               cwd=ws.root)
    assert done.exit_code == 0, done.output
    assert "1 captured, 0 failed" in done.output
