"""可用性: several visits of the home page spread over the run (failures, status, latency); an
anti-bot challenge is decided by a browser, not counted as down."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from govaudit.model import Fact, ProbeFinding, ProbeResult
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe

if TYPE_CHECKING:
    from govaudit.probes.visit import BrowserVisit


@dataclass(frozen=True)
class AvailabilityResult(ProbeResult):
    """Several GETs of the home page: failures, status, latency, HTTPS."""

    probe: ClassVar[str] = "availability"
    nullable: ClassVar[frozenset[str]] = frozenset(
        {"status", "final_url", "latency_median_ms", "latency_p95_ms"})
    samples: int = 0
    failures: int = 0
    refused: int = 0  # samples not judged: not sent where they led (netpolicy), or a
    #                   challenge no browser decided
    challenged: int = 0  # samples answered by an anti-bot challenge (a browser decides)
    browser: str = ""  # what the browser saw of a challenged home page
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
        if self.challenged:
            text += f"; {self.challenged} answered by an anti-bot challenge: {self.browser}"
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
        if self.challenged:
            text += f"；{self.challenged} 次遇到防护验证页，由浏览器判断：{self.browser}"
        errors = "；".join(self.errors)
        return [("可用性", text + (f"（{errors}）" if errors else ""),
                 self.failure_rate > 0 or self.refused > 0)]


async def run(ctx: ProbeContext) -> dict[str, Any]:
    from govaudit.probes.availability import probe_availability

    async def decide() -> BrowserVisit | None:
        """The browser's visit of a challenged home page (that of the run's home page)."""
        opened = await ctx.opened()
        if opened.challenged and opened.browser is not None:
            return opened.browser
        browser = ctx.pages.browser
        if browser is None:
            return None
        return await browser.visit(opened.final_url, ctx.policy, ctx.pages.login)

    return await probe_availability(ctx.fetcher, ctx.site.url, ctx.options.samples,
                                    ctx.options.interval, ctx.policy, decide)


def suggest(auto: str, result: AvailabilityResult) -> ProbeFinding:
    """Up when every request was answered; any failed request says no."""
    samples, failures = result.samples, result.failures
    cited = (result.final_url,) if result.final_url else ()
    errors = "; ".join(result.errors)
    if failures:
        return ProbeFinding(False, f"{failures} of {samples} requests failed ({errors})",
                            failures, cited)
    if result.refused:  # not requested where it led, or a challenge no browser decided
        why = "met an anti-bot challenge that no browser decided" if result.challenged and \
            any("challenge" in e for e in result.errors) else "were not followed"
        return ProbeFinding(None, f"could not judge: {result.refused} of {samples} requests "
                                  f"{why} ({errors})", None, cited)
    if result.challenged:
        answered = (f"{samples}/{samples} requests answered; {result.challenged} by an "
                    f"anti-bot challenge, which a browser passed ({result.browser})")
        return ProbeFinding(True, answered, 0, cited)
    answered = f"{samples}/{samples} requests answered"
    if result.status is not None:
        answered += f" HTTP {result.status}"
    if result.latency_median_ms is not None:
        answered += f", median {result.latency_median_ms} ms"
    return ProbeFinding(True, answered, 0, cited)


PROBE = Probe(
    name="availability", title="the home page answers",
    answers=("availability",), reads=("http", "browser"), result=AvailabilityResult, run=run,
    suggest=suggest, order=10)
