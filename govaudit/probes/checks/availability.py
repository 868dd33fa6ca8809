"""可用性: several visits of the home page spread over the run (failures, status, latency); an
anti-bot challenge is decided by a browser, not counted as down."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from govaudit.i18n import _
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
    undecided: int = 0  # of `refused`: samples at a challenge no browser decided
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
        text = _("{value}/{samples} OK").format(
            value=self.samples - self.failures - self.refused, samples=self.samples)
        if self.refused:
            text += _(", {refused} not judged").format(refused=self.refused)
        if self.status is not None:
            text += (_(", HTTP {status}, median {latency_median_ms} ms, p95 {latency_p95_ms} "
            "ms, {value}").format(
                status=self.status, latency_median_ms=self.latency_median_ms,
                latency_p95_ms=self.latency_p95_ms, value='HTTPS' if self.https else _('no HTTPS')))
        if self.redirects and self.final_url:
            text += _(", redirected to {final_url}").format(final_url=self.final_url)
        if self.challenged:
            text += _("; {challenged} answered by an anti-bot challenge: {browser}").format(
                challenged=self.challenged, browser=self.browser)
        if self.errors:
            text += _("; errors: {listed}").format(listed='; '.join(self.errors))
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


async def run(ctx: ProbeContext) -> AvailabilityResult:
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

    return AvailabilityResult.from_dict(await probe_availability(
        ctx.fetcher, ctx.site.url, ctx.options.samples, ctx.options.interval, ctx.policy,
        decide))


def suggest(auto: str, result: AvailabilityResult) -> ProbeFinding:
    """Up when every request was answered; any failed request says no."""
    samples, failures = result.samples, result.failures
    cited = (result.final_url,) if result.final_url else ()
    errors = "; ".join(result.errors)
    if failures:
        return ProbeFinding(False, _("{failures} of {samples} requests failed ({errors})").format(
            failures=failures, samples=samples, errors=errors),
                            failures, cited)
    if result.refused:  # not requested where it led, or a challenge no browser decided
        why = _("met an anti-bot challenge that no browser decided") if result.undecided \
            else _("were not followed")
        return ProbeFinding(None,
            _("could not judge: {refused} of {samples} requests {why} ({errors})").format(
            refused=result.refused, samples=samples, why=why, errors=errors), None, cited)
    if result.challenged:
        answered = (_(
            "{samples}/{samples} requests answered; {challenged} by an anti-bot challenge, which "
            "a browser passed ({browser})").format(
            samples=samples, challenged=result.challenged, browser=result.browser))
        return ProbeFinding(True, answered, 0, cited)
    answered = _("{samples}/{samples} requests answered").format(samples=samples)
    if result.status is not None:
        answered += _(" HTTP {status}").format(status=result.status)
    if result.latency_median_ms is not None:
        answered += _(", median {latency_median_ms} ms").format(
            latency_median_ms=result.latency_median_ms)
    return ProbeFinding(True, answered, 0, cited)


PROBE = Probe(
    name="availability", title="the home page answers",
    answers=("availability",), reads=("http", "browser"), result=AvailabilityResult, run=run,
    suggest=suggest, order=10)
