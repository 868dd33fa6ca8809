"""The address policy in the browser: every page, frame, popup and worker of a context.

Two layers. A context route sees the first request of everything the context
loads (its tabs, their frames at any depth, cross-site ones included, popups,
workers) and fails a refused one before it is sent. Playwright continues
redirect hops without asking a route, so the capture's own tab also pauses its
documents over CDP, hops included (frames of the tab's own process). What is
left (a redirect hop of a resource, or inside a cross-site frame) is caught
after the fact from the context's requests: such a page is not kept.

Popups are never loaded: a capture is of the page asked for, and a page that
opens windows (or hundreds of them) gets none. window.open opens nothing (an
init script in every frame, as a popup blocker), and a window opened another
way (a link with a target, a form) has its page refused and is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from govaudit.netpolicy import AddressPolicy

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, CDPSession, Page, Request, Route

POPUP_REASON = "a popup window; popups are not loaded"


def _what(request: Request, page: Page) -> str:
    """What a request loads, in the record's words: page, frame, popup or its resource type."""
    from playwright.async_api import Error as PlaywrightError

    if not request.is_navigation_request():
        return request.resource_type
    try:
        frame = request.frame
    except PlaywrightError:  # a window whose page is not known yet: a popup
        return "popup"
    if frame.parent_frame is not None:
        return "frame"
    return "page" if frame.page == page else "popup"


class ContextGuard:
    """Fails the requests of a context that the policy refuses, and refuses its popups.

    `blocked` lists what was refused during the current visit ({url, what, reason}).
    """

    def __init__(self, policy: AddressPolicy | None, page: Page) -> None:
        self.policy = policy
        self.page = page
        self.blocked: list[dict[str, str]] = []
        self._cdp: CDPSession | None = None
        self._main_frame = ""  # the tab's main frame id over CDP
        self._tasks: set[asyncio.Task[None]] = set()

    def clear(self) -> None:
        self.blocked = []

    def reasons(self) -> dict[str, str]:
        return {b["url"]: b["reason"] for b in self.blocked}

    def _block(self, url: str, what: str, reason: str) -> None:
        if not any(b["url"] == url and b["what"] == what for b in self.blocked):
            self.blocked.append({"url": url, "what": what, "reason": reason})

    async def start(self, context: BrowserContext, cdp: CDPSession | None) -> None:
        from govaudit.capture.page import script

        await context.expose_binding("__govauditPopup", self._on_window_open)
        await context.add_init_script(script("popups"))
        await context.route("**/*", self._on_route)
        context.on("page", self._on_page)
        if self.policy is not None and cdp is not None:
            self._cdp = cdp
            tree = await cdp.send("Page.getFrameTree")
            self._main_frame = tree["frameTree"]["frame"]["id"]
            cdp.on("Fetch.requestPaused", self._on_paused)
            await cdp.send("Fetch.enable", {"patterns": [
                {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}]})

    def _on_window_open(self, source: dict[str, Any], url: str) -> None:
        """A page's window.open, which opened nothing (see js/popups.js)."""
        base = getattr(source.get("frame"), "url", "")
        self._block(urljoin(base, url) if url else "about:blank", "popup", POPUP_REASON)

    def _on_page(self, page: Page) -> None:
        if page != self.page:  # a popup: it was refused its page; close its window
            self._spawn(page.close())

    def _spawn(self, work: Any) -> None:
        from playwright.async_api import Error as PlaywrightError

        async def quietly() -> None:
            with contextlib.suppress(PlaywrightError):
                await work

        task = asyncio.ensure_future(quietly())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_route(self, route: Route) -> None:
        from playwright.async_api import Error as PlaywrightError

        request = route.request
        reason = ""
        try:
            what = _what(request, self.page)
            if what == "popup":
                reason = POPUP_REASON
            elif self.policy is not None:
                reason = await self.policy.refusal(request.url)
        finally:  # whatever happens, the request must not stay paused
            with contextlib.suppress(PlaywrightError):
                if reason:
                    self._block(request.url, what, reason)
                    await route.abort("blockedbyclient")
                else:
                    await route.fallback()

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._decide(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self, event: dict[str, Any]) -> None:
        from playwright.async_api import Error as PlaywrightError

        assert self.policy is not None and self._cdp is not None
        url = event["request"]["url"]
        reason = ""
        try:
            reason = await self.policy.refusal(url, bool(event.get("redirectedRequestId")))
        finally:  # whatever happens, the request must not stay paused
            with contextlib.suppress(PlaywrightError):
                if reason:
                    what = "page" if event.get("frameId") == self._main_frame else "frame"
                    self._block(url, what, reason)
                    await self._cdp.send("Fetch.failRequest", {
                        "requestId": event["requestId"], "errorReason": "BlockedByClient"})
                else:
                    await self._cdp.send("Fetch.continueRequest",
                                         {"requestId": event["requestId"]})

    async def refusal(self, requested: dict[str, bool], page_url: str, peer: str) -> str:
        """Why what the context loaded may not be kept ("" when it may): a request that
        reached a refused destination (a redirect hop the layers above could not hold
        back), or a page whose connection landed on a private address."""
        if self.policy is None:
            return ""
        blocked = self.reasons()
        for url, redirect in list(requested.items()):
            reason = "" if url in blocked else await self.policy.refusal(url, redirect)
            if reason:
                return reason
        return self.policy.peer_refusal(page_url, peer)
