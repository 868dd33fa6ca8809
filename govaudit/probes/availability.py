"""Availability: several visits of the home page spread over the run.

Each sample opens the home page as a reader does (govaudit.probes.visit: HTTP, client-side
redirects) and is told opened, down, or an anti-bot challenge (govaudit.page.challenges). A
challenge is not an outage: a browser decides, once for the run (the capture browser,
govaudit.capture.visit). If Chromium gets the page, the challenged samples opened; if it
does not, they failed; with no browser they are not judged. A sample whose request or
redirect was refused (a private address the policy refuses, a scheme other than http and
https) is not judged either: neither up nor failed, its refusal kept among the errors.
"""

from __future__ import annotations

import asyncio
import math
import statistics
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from govaudit.netpolicy import AddressPolicy, refused_private
from govaudit.page.challenges import Outcome
from govaudit.probes.fetch import Fetcher
from govaudit.probes.visit import open_page

if TYPE_CHECKING:
    from govaudit.probes.visit import BrowserVisit


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 3 samples is the largest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


async def probe_availability(fetcher: Fetcher, url: str, samples: int = 3,
                             interval: float = 2.0, policy: AddressPolicy | None = None,
                             decide: Callable[[], Awaitable[BrowserVisit | None]] | None = None
                             ) -> dict[str, Any]:
    """`samples` visits, `interval` seconds apart (see the module docstring); `decide` is
    the browser visit asked when a sample meets a challenge (None: no browser)."""
    results: list[dict[str, Any]] = []
    for index in range(max(1, samples)):
        if index and interval > 0:
            await asyncio.sleep(interval)
        opened = await open_page(fetcher, url, policy=policy)
        page = opened.answer
        results.append({
            "status": page.status, "final_url": page.final_url or None,
            "redirects": opened.redirects, "latency_ms": page.elapsed_ms,
            "error": "" if opened.opened else opened.reason, "tls_error": page.tls_error,
            "outcome": opened.outcome.value,
        })
    challenged = [r for r in results if r["outcome"] == Outcome.CHALLENGE]
    browser: BrowserVisit | None = None
    if challenged and decide is not None:
        browser = await decide()
    undecided = []
    for result in challenged:
        if browser is None or not browser.decided:
            undecided.append(result)
            result["error"] += f"; {browser.reason}" if browser is not None else \
                "; no browser asked"
        elif browser.opened:
            result.update(error="", outcome=Outcome.OPENED.value,
                          browser=f"challenge passed: {browser.reason}")
        else:
            result.update(error=f"{result['error']}; {browser.reason}",
                          outcome=Outcome.DOWN.value)
    refused = [r for r in results if refused_private(r["error"])]
    failures = [r for r in results if r["error"] and r not in refused and r not in undecided]
    judged = len(results) - len(refused) - len(undecided)
    answered = [r["latency_ms"] for r in results if r["status"] is not None]
    last = next((r for r in reversed(results) if r["status"] is not None), results[-1])
    final = last["final_url"] or url
    return {
        "samples": len(results),
        "failures": len(failures),
        "refused": len(refused) + len(undecided),
        "undecided": len(undecided),
        "challenged": len(challenged),
        "browser": browser.reason if browser is not None else "",
        "failure_rate": round(len(failures) / judged, 4) if judged else 0.0,
        "status": last["status"],
        "final_url": last["final_url"],
        "redirects": last["redirects"],
        "https": urlsplit(final).scheme == "https",
        "tls_error": next((r["tls_error"] for r in results if r["tls_error"]), ""),
        "latency_median_ms": round(statistics.median(answered), 1) if answered else None,
        "latency_p95_ms": round(percentile(answered, 0.95), 1) if answered else None,
        "errors": sorted({r["error"] for r in [*failures, *refused, *undecided]}),
        "results": results,
    }
