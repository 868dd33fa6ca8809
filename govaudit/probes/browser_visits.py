"""The browser of a `check` or `monitor` run, loaded when first needed.

Kept apart from govaudit.probes.visit, which govaudit.capture.visit itself imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from govaudit.netpolicy import AddressPolicy
    from govaudit.probes.visit import BrowserVisit, BrowserVisits


class BrowserOnDemand:
    """BrowserVisits (govaudit.capture.visit) imported and made on the first visit asked: a
    run that meets no challenge and renders nothing loads no browser code at all."""

    def __init__(self, browser_path: str | None = None, timeout: float = 30.0) -> None:
        self.browser_path = browser_path
        self.timeout = timeout
        self._visits: BrowserVisits | None = None

    async def visit(self, url: str, policy: AddressPolicy | None = None,
                    login: tuple[str, str] | None = None) -> BrowserVisit:
        if self._visits is None:
            from govaudit.capture.visit import BrowserVisits as Chromium

            self._visits = Chromium(self.browser_path, timeout=self.timeout)
        return await self._visits.visit(url, policy, login)

    async def aclose(self) -> None:
        if self._visits is not None:
            await self._visits.aclose()
