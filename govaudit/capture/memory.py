"""Memory limits of captures: one page's heap, and the browser's processes as a whole.

A page can take gigabytes (a million nodes, a body of gigabytes, a script that
allocates without end); at a few captures at once that is more than a laptop has.
Each capture's page is measured over CDP (Runtime.getHeapUsage: the JavaScript
heap, the DOM's heap and array buffers) and ended past the limit. A browser
launched here also gets V8's own cap on its heaps (--max-old-space-size: a page
over it crashes, alone), and the private memory of all its processes is watched:
past limit × captures at once (plus a base for the browser itself) the capture
whose page holds the most is ended, else the one running longest. Each ending is
recorded with its reason; the batch goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govaudit.i18n import _

if TYPE_CHECKING:
    from playwright.async_api import CDPSession

DEFAULT_MEMORY_LIMIT_MB = 1024
BROWSER_BASE_MB = 512  # the browser, GPU and network processes, and idle renderers
POLL_S = 0.25
MB = 1 << 20


def js_flags(limit_mb: int) -> list[str]:
    """Launch flags that cap each page's V8 heap near the limit (a page over it crashes)."""
    return [f"--js-flags=--max-old-space-size={max(16, limit_mb)}"]


def heap_bytes(usage: dict[str, Any]) -> int:
    """What a page holds by Runtime.getHeapUsage: JS heap, DOM (embedder) heap, buffers."""
    return int(usage.get("usedSize", 0) + usage.get("embedderHeapUsedSize", 0)
               + usage.get("backingStorageSize", 0))


@dataclass
class Flight:
    """A capture in progress, as the memory watch sees it."""

    task: asyncio.Task[Any]
    started: float = field(default_factory=time.monotonic)
    heap: int = 0
    reason: str = ""

    def end(self, reason: str) -> None:
        if not self.reason and not self.task.done():
            self.reason = reason
            self.task.cancel()


async def watch_page(flight: Flight, cdp: CDPSession, limit_mb: int) -> None:
    """End `flight` when its page holds more than `limit_mb` (runs until cancelled)."""
    from playwright.async_api import Error as PlaywrightError

    while not flight.task.done():
        try:
            usage = await asyncio.wait_for(cdp.send("Runtime.getHeapUsage"), 2.0)
        except (PlaywrightError, TimeoutError):
            usage = None  # a page busy or between documents: ask again
        if usage is not None:
            flight.heap = heap_bytes(usage)
            if flight.heap > limit_mb * MB:
                flight.end(_("the page used {used:,.0f} MB of memory, over the {limit:,} MB "
                             "memory limit; capture ended").format(used=flight.heap / MB,
                                                                   limit=limit_mb))
                return
        await asyncio.sleep(POLL_S)


def browser_memory() -> int | None:
    """Private resident bytes (resident less shared) of the Chromium processes this process
    started (None: none found). Plain RSS counts the libraries and shared memory every
    Chromium process maps once per process: four idle tabs would seem to take 1.6 GB."""
    import psutil

    total, found = 0, False
    try:
        children = psutil.Process(os.getpid()).children(recursive=True)
    except psutil.Error:
        return None
    for child in children:
        with contextlib.suppress(psutil.Error):
            name = child.name().lower()
            if "chrom" in name or "headless_shell" in name:
                memory = child.memory_info()
                total += memory.rss - getattr(memory, "shared", 0)
                found = True
    return total if found else None


async def watch_browser(flights: Callable[[], list[Flight]], limit_mb: int,
                        measure: Callable[[], int | None] = browser_memory) -> None:
    """End the biggest capture in flight while the browser's processes hold more than
    `limit_mb` for each capture at once, plus a base (runs until cancelled)."""
    quiet_until = 0.0
    while True:
        await asyncio.sleep(POLL_S * 2)
        now = flights()
        if any(f.reason for f in now):  # one is being ended: its memory is not free yet
            quiet_until = time.monotonic() + 1.0
            continue
        running = [f for f in now if not f.task.done()]
        if not running or time.monotonic() < quiet_until:
            continue
        used = await asyncio.to_thread(measure)
        ceiling = (limit_mb * len(running) + BROWSER_BASE_MB) * MB
        if used is None or used <= ceiling:
            continue
        biggest = max(running, key=lambda f: f.heap)
        victim = biggest if biggest.heap > limit_mb * MB // 4 else min(
            running, key=lambda f: f.started)
        victim.end(_("the browser's processes used {used:,.0f} MB, over the {ceiling:,.0f} MB "
                     "allowed for {count} capture(s) at a memory limit of {limit:,} MB each; "
                     "this capture was ended").format(used=used / MB, ceiling=ceiling / MB,
                                                      count=len(running), limit=limit_mb))
