"""What the browser fetched for a page: every response as received, with its request.

`ResponseRecorder` listens to a Playwright page's responses and keeps, for each,
the method, URL, request headers and body, status, response headers and body,
the time and the server address, up to a size cap. The bodies are those the
browser received, never fetched again.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page, Response

MAX_TOTAL_BYTES = 64 * 1024 * 1024  # per page: bodies beyond this are left out (truncated)
MAX_BODY_BYTES = 32 * 1024 * 1024  # one response


@dataclass
class Exchange:
    """One HTTP request and the response the browser received for it."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    time: datetime
    status_text: str = ""
    request_body: bytes = b""
    ip: str = ""
    truncated: str = ""  # "length" when the body was left out because of the size cap


class ResponseRecorder:
    """Collect a page's responses: `attach(page)`, load it, then `await finish()`.

    Bodies are read as the responses arrive (`response.body()`), so they are what
    the browser received. Once `max_total` bytes of bodies are kept, later bodies
    are left out and their exchanges marked truncated; one body larger than
    `max_body` is left out too.
    """

    def __init__(self, max_total: int = MAX_TOTAL_BYTES, max_body: int = MAX_BODY_BYTES
                 ) -> None:
        self.max_total = max_total
        self.max_body = max_body
        self.exchanges: list[Exchange] = []
        self.kept_bytes = 0
        self._pending: set[asyncio.Task[None]] = set()
        self._page: Page | None = None

    def attach(self, page: Page) -> None:
        self._page = page
        page.on("response", self._on_response)

    def detach(self) -> None:
        if self._page is not None:
            self._page.remove_listener("response", self._on_response)
            self._page = None

    def _on_response(self, response: Response) -> None:
        if not response.url.startswith(("http://", "https://")):
            return
        task = asyncio.ensure_future(self._collect(response))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _collect(self, response: Response) -> None:
        from playwright.async_api import Error as PlaywrightError

        received = datetime.now(UTC)
        request = response.request
        try:
            request_headers = list((await request.all_headers()).items())
            response_headers = [(h["name"], h["value"]) for h in await response.headers_array()]
        except PlaywrightError:  # the page went away meanwhile
            return
        body = b""
        truncated = ""
        declared = _content_length(response_headers)
        if declared is not None and declared > min(self.max_body,
                                                   self.max_total - self.kept_bytes):
            truncated = "length"
        elif not 300 <= response.status < 400:  # a redirect has no body to read
            with contextlib.suppress(PlaywrightError):
                body = await response.body()
            if len(body) > min(self.max_body, self.max_total - self.kept_bytes):
                body, truncated = b"", "length"
        self.kept_bytes += len(body)
        ip = ""
        with contextlib.suppress(PlaywrightError):
            addr = await response.server_addr()
            ip = addr["ipAddress"] if addr else ""
        self.exchanges.append(Exchange(
            method=request.method, url=response.url, request_headers=request_headers,
            status=response.status, status_text=response.status_text,
            response_headers=response_headers, body=body, time=received,
            request_body=request.post_data_buffer or b"", ip=ip, truncated=truncated))

    async def finish(self, timeout_s: float = 10.0) -> list[Exchange]:
        """Wait (at most `timeout_s`) for the bodies still being read; the exchanges in order."""
        if self._pending:
            _done, late = await asyncio.wait(set(self._pending), timeout=timeout_s)
            for task in late:
                task.cancel()
        self.detach()
        return sorted(self.exchanges, key=lambda e: e.time)


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
