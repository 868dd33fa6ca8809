"""The live browser of `collect --open`, headless, against pages served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from govaudit.capture import LiveBrowser
from govaudit.errors import GovauditError

PAGES = {
    "index.html": "<title>成都市人民政府</title><h1>首页</h1><a href='open/'>政府信息公开</a>",
    "open/index.html": "<title>政府信息公开专栏</title><h1>法定主动公开</h1>",
}


@pytest.fixture
def site(tmp_path: Path, serve_dir) -> str:
    root = tmp_path / "site"
    for name, body in PAGES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html><head><meta charset='utf-8'>{body}</head></html>",
                        encoding="utf-8")
    return serve_dir(root)


def test_live_browser_opens_pages_and_captures_them(make_workspace, site):
    ws = make_workspace()
    live = LiveBrowser(headed=False).start()
    try:
        live.goto(f"{site}/")
        live.show_pages(["http://127.0.0.1:1/", f"{site}/open/"])
        assert live.wait_for_pages()
        [problem] = live.errors()
        assert problem.startswith("http://127.0.0.1:1/: the browser refuses to open this port")

        async def while_the_main_thread_runs_a_loop() -> dict:
            # prompt_toolkit owns the main thread's event loop; the browser keeps its own
            return live.capture(ws, site="成都市", indicator="a1", question="a1.q1")

        record = asyncio.run(while_the_main_thread_runs_a_loop())
        assert record.error == "" and record.status == 200
        assert record.final_url == f"{site}/open/" and record.title == "政府信息公开专栏"
        assert (record.site, record.indicator, record.question, record.run) == (
            "成都市", "a1", "a1.q1", live.run)
        for entry in record.files:
            data = (ws.root / entry.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry.sha256
        home = live.capture(ws, site="成都市", url=f"{site}/")
        assert home.title == "成都市人民政府" and home.requested_url == f"{site}/"
        with pytest.raises(GovauditError, match="refuses to open this port"):
            live.capture(ws, site="成都市", url="http://127.0.0.1:1/")
    finally:
        live.close()
    live.close()  # twice is fine
    with pytest.raises(GovauditError, match="the browser is closed"):
        live.goto(f"{site}/")
