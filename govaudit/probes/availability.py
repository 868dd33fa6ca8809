"""Availability: several GETs of the home page spread over the run."""

from __future__ import annotations

import asyncio
import math
import statistics
from typing import Any
from urllib.parse import urlsplit

from govaudit.netpolicy import AddressPolicy, refused_private
from govaudit.probes.fetch import Fetcher


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 3 samples is the largest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


async def probe_availability(fetcher: Fetcher, url: str, samples: int = 3,
                             interval: float = 2.0, policy: AddressPolicy | None = None
                             ) -> dict[str, Any]:
    """`samples` GETs, `interval` seconds apart; a sample fails on an error or HTTP >= 400.

    A sample whose request or redirect was refused (a private address `policy` refuses,
    a scheme other than http and https) is not judged: neither up nor failed, its refusal
    kept among the errors.
    """
    results: list[dict[str, Any]] = []
    for index in range(max(1, samples)):
        if index and interval > 0:
            await asyncio.sleep(interval)
        page = await fetcher.page(url, read_body=True, policy=policy)
        results.append({
            "status": page.status, "final_url": page.final_url or None,
            "redirects": page.redirects, "latency_ms": page.elapsed_ms,
            "error": page.failure, "tls_error": page.tls_error,
        })
    refused = [r for r in results if refused_private(r["error"])]
    failures = [r for r in results if r["error"] and r not in refused]
    judged = len(results) - len(refused)
    answered = [r["latency_ms"] for r in results if r["status"] is not None]
    last = next((r for r in reversed(results) if r["status"] is not None), results[-1])
    final = last["final_url"] or url
    return {
        "samples": len(results),
        "failures": len(failures),
        "refused": len(refused),
        "failure_rate": round(len(failures) / judged, 4) if judged else 0.0,
        "status": last["status"],
        "final_url": last["final_url"],
        "redirects": last["redirects"],
        "https": urlsplit(final).scheme == "https",
        "tls_error": next((r["tls_error"] for r in results if r["tls_error"]), ""),
        "latency_median_ms": round(statistics.median(answered), 1) if answered else None,
        "latency_p95_ms": round(percentile(answered, 0.95), 1) if answered else None,
        "errors": sorted({r["error"] for r in [*failures, *refused]}),
        "results": results,
    }
