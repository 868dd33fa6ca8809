"""可用性: several GETs of the home page spread over the run (failures, status, latency)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from govaudit.model import Fact, ProbeFinding, ProbeResult
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe


@dataclass(frozen=True)
class AvailabilityResult(ProbeResult):
    """Several GETs of the home page: failures, status, latency, HTTPS."""

    probe: ClassVar[str] = "availability"
    nullable: ClassVar[frozenset[str]] = frozenset(
        {"status", "final_url", "latency_median_ms", "latency_p95_ms"})
    samples: int = 0
    failures: int = 0
    refused: int = 0  # samples not sent where they led (netpolicy): not judged
    failure_rate: float = 0.0
    status: int | None = None
    final_url: str | None = None
    redirects: tuple[str, ...] = ()
    https: bool = False
    tls_error: str = ""
    latency_median_ms: float | None = None
    latency_p95_ms: float | None = None
    errors: tuple[str, ...] = ()
    results: tuple[Mapping[str, Any], ...] = ()  # each sample: status, latency_ms, error…

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AvailabilityResult:
        known = cls._fields(data)
        known["redirects"] = tuple(known.get("redirects") or ())
        known["errors"] = tuple(known.get("errors") or ())
        known["results"] = tuple(dict(r) for r in known.get("results") or ())
        return cls(**known)

    def summary(self) -> str:
        text = f"{self.samples - self.failures - self.refused}/{self.samples} OK"
        if self.refused:
            text += f", {self.refused} not judged"
        if self.status is not None:
            text += (f", HTTP {self.status}, median {self.latency_median_ms} ms, "
                     f"p95 {self.latency_p95_ms} ms, {'HTTPS' if self.https else 'no HTTPS'}")
        if self.redirects and self.final_url:
            text += f", redirected to {self.final_url}"
        if self.errors:
            text += f"; errors: {'; '.join(self.errors)}"
        if self.tls_error:
            text += f"; {self.tls_error}"
        return text

    def facts(self) -> list[Fact]:
        text = (f"{self.samples} 次访问，失败 {self.failures} 次"
                + (f"，{self.refused} 次无法判断" if self.refused else "")
                + f"；状态 {self.status}；"
                f"{'HTTPS' if self.https else '未使用 HTTPS'}")
        if self.latency_median_ms is not None:
            text += f"；响应中位数 {self.latency_median_ms} ms"
        errors = "；".join(self.errors)
        return [("可用性", text + (f"（{errors}）" if errors else ""),
                 self.failure_rate > 0 or self.refused > 0)]


async def run(ctx: ProbeContext) -> dict[str, Any]:
    from govaudit.probes.availability import probe_availability

    return await probe_availability(ctx.fetcher, ctx.site.url, ctx.options.samples,
                                    ctx.options.interval, ctx.policy)


def suggest(auto: str, result: AvailabilityResult) -> ProbeFinding:
    """Up when every request was answered; any failed request says no."""
    samples, failures = result.samples, result.failures
    cited = (result.final_url,) if result.final_url else ()
    errors = "; ".join(result.errors)
    if failures:
        return ProbeFinding(False, f"{failures} of {samples} requests failed ({errors})",
                            failures, cited)
    if result.refused:  # where the site led was not requested: neither up nor down
        return ProbeFinding(None, f"could not judge: {result.refused} of {samples} requests "
                                  f"were not followed ({errors})", None, cited)
    answered = f"{samples}/{samples} requests answered"
    if result.status is not None:
        answered += f" HTTP {result.status}"
    if result.latency_median_ms is not None:
        answered += f", median {result.latency_median_ms} ms"
    return ProbeFinding(True, answered, 0, cited)


PROBE = Probe(
    name="availability", title="the home page answers",
    answers=("availability",), reads=("http",), result=AvailabilityResult, run=run,
    suggest=suggest, order=10)
