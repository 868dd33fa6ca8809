"""The browser of a `check` or `monitor` run, loaded when first needed.

Kept apart from govaudit.probes.visit, which govaudit.capture.visit itself imports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from govaudit.netpolicy import AddressPolicy
    from govaudit.probes.visit import BrowserVisit, BrowserVisits


T = TypeVar("T")


class BrowserOnDemand:
    """BrowserVisits (govaudit.capture.visit) imported and made on the first visit asked: a
    run that meets no challenge and renders nothing loads no browser code at all."""

    def __init__(self, browser_path: str | None = None, timeout: float = 30.0) -> None:
        self.browser_path = browser_path
        self.timeout = timeout
        self._visits: BrowserVisits | None = None

    def _chromium(self) -> BrowserVisits:
        if self._visits is None:
            from govaudit.capture.visit import BrowserVisits as Chromium

            self._visits = Chromium(self.browser_path, timeout=self.timeout)
        return self._visits

    async def visit(self, url: str, policy: AddressPolicy | None = None,
                    login: tuple[str, str] | None = None) -> BrowserVisit:
        return await self._chromium().visit(url, policy, login)

    async def with_page(self, url: str, work: Callable[[Any], Awaitable[T]],
                        policy: AddressPolicy | None = None,
                        login: tuple[str, str] | None = None,
                        prepare: Callable[[Any], Awaitable[None]] | None = None
                        ) -> tuple[T | None, str]:
        return await self._chromium().with_page(url, work, policy, login, prepare)

    async def aclose(self) -> None:
        if self._visits is not None:
            await self._visits.aclose()
