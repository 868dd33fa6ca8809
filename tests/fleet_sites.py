"""Many small government-like sites on one asyncio server on 127.0.0.1, told apart by path.

Site N is http://127.0.0.1:PORT/s/N/: a home page with a dated list, one column (栏目) page
and two links (one of them dead). Every `fail_every`-th site answers 503. Each answer waits
`delay` seconds first (a site that takes its time, so that a round lasts). The server counts
the home pages it has sent whole, by site. Used by tests/test_monitor_fleet.py and
benchmarks/monitor_scale.py (which runs it in a process of its own: `python
tests/fleet_sites.py PORT DELAY FAIL_EVERY`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections import Counter
from datetime import date

TODAY = date.today().isoformat()


def home_page(n: int) -> str:
    return (f"<html><head><title>站点{n}</title></head><body>"
            f"<nav><a href='/s/{n}/news/'>新闻动态</a></nav>"
            f"<main><ul><li><a href='/s/{n}/a1.html'>关于开展工作的通知</a>"
            f"<span>{TODAY}</span></li>"
            f"<li><a href='/s/{n}/gone.html'>旧通知</a><span>{TODAY}</span></li></ul></main>"
            "</body></html>")


def column_page(n: int) -> str:
    return (f"<html><head><title>新闻动态</title></head><body><main><ul>"
            f"<li><a href='/s/{n}/a1.html'>要闻一</a><span>{TODAY}</span></li>"
            "</ul></main></body></html>")


class Sites:
    """The server: `start()` in a thread of its own (tests) or `serve_forever()`."""

    def __init__(self, delay: float = 0.0, fail_every: int = 0, port: int = 0) -> None:
        self.delay = delay
        self.fail_every = fail_every
        self.port = port
        self.homes: Counter[int] = Counter()  # home pages sent whole, by site number
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/s/{n}/"

    def answer(self, path: str) -> tuple[int, str, int | None]:
        """(status, body, home page's site number or None)."""
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) < 2 or parts[0] != "s" or not parts[1].isdigit():
            return 404, "<html><title>404</title>not found</html>", None
        n = int(parts[1])
        rest = "/".join(parts[2:])
        if self.fail_every and n % self.fail_every == 0:
            return 503, "<html><title>503</title>down</html>", (n if not rest else None)
        if not rest:
            return 200, home_page(n), n
        if rest == "news":
            return 200, column_page(n), None
        if rest == "a1.html":
            return 200, "<html><title>通知</title><main>正文</main></html>", None
        return 404, "<html><title>404</title>not found</html>", None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                method, path = line.split(" ")[:2]
                self.requests += 1
                if self.delay:
                    await asyncio.sleep(self.delay)
                status, body, home = self.answer(path)
                data = body.encode("utf-8")
                reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
                writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; "
                             f"charset=utf-8\r\nContent-Length: {len(data)}\r\n\r\n"
                             .encode("latin-1") + (data if method != "HEAD" else b""))
                await writer.drain()
                if home is not None and method != "HEAD":
                    self.homes[home] += 1
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                ValueError):
            pass
        finally:
            writer.close()

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        async with server:
            await server.serve_forever()

    def serve_forever(self) -> None:
        with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
            asyncio.run(self._serve())

    def start(self) -> Sites:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)


if __name__ == "__main__":
    port, delay, fail_every = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    Sites(delay, fail_every, port).serve_forever()
