"""Running the probes over sites: concurrency, and failures recorded per probe.

The workspace's side (its sites in, the results stored) is govaudit.probes.stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import govaudit.asyncrun as asyncrun
from govaudit.errors import OptionError
from govaudit.i18n import _
from govaudit.model import FailedProbe, ProbeResult, Site, utc_now
from govaudit.netpolicy import AddressPolicy
from govaudit.probes import registry
from govaudit.probes.context import ProbeContext, SitePages
from govaudit.probes.errors import ProbeFailed
from govaudit.probes.fetch import Fetcher
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import HostLimiter
from govaudit.probes.options import CheckOptions
from govaudit.urls import Origin, origin, origin_logins, redact_data, redact_url

if TYPE_CHECKING:
    from govaudit.page import Capture


@dataclass
class ProgressEvent:
    site: str
    probe: str
    finished: bool
    detail: str = ""


ProgressFn = Callable[[ProgressEvent], None]


@dataclass
class SiteCheck:
    """One site's probe results: {probe: typed result}; a failed probe is a FailedProbe."""

    site: str
    url: str
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    time: str = ""
    stored: tuple[str, ...] = ()  # the probes whose results were read from the store, not run

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"probe": name, "error": result.error} for name, result in self.probes.items()
                if isinstance(result, FailedProbe)]

    def records(self) -> list[ProbeResult]:
        """The results Store.save_probe_results keeps (those run now)."""
        return [r for name, r in self.probes.items() if name not in self.stored]

    def to_dict(self) -> dict[str, Any]:
        out = {"site": self.site, "url": self.url, "time": self.time,
               "probes": {name: r.to_dict() for name, r in self.probes.items()},
               "errors": self.errors}
        if self.stored:
            out["stored"] = list(self.stored)
        return out


@dataclass
class CheckRun:
    """The results of one `check` run, site by site (already stored)."""

    sites: list[SiteCheck]
    started: str = ""
    finished: str = ""

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"site": s.site, **e} for s in self.sites for e in s.errors]

    @property
    def probed(self) -> list[str]:
        """The sites some probe ran for in this run."""
        return [s.site for s in self.sites if set(s.probes) - set(s.stored)]

    @property
    def reused(self) -> list[str]:
        """The sites whose stored results were used instead of probing (some or all)."""
        return [s.site for s in self.sites if s.stored]

    def to_dict(self) -> dict[str, Any]:
        return {"started": self.started, "finished": self.finished,
                "sites": [s.to_dict() for s in self.sites]}


def resolve_probes(names: Iterable[str] | None) -> tuple[str, ...]:
    """Probe names in running order; an `auto:` key ("marks.icp") selects its probe."""
    return registry.resolve_probes(names)


def validate_options(options: CheckOptions) -> None:
    resolve_probes(options.probes)
    if options.samples < 1:
        raise OptionError("samples", _("must be at least 1"))
    if options.links.depth < 0:
        raise OptionError("depth", _("must be 0 or more"))
    if options.links.concurrency < 1 or options.links.per_host < 1:
        raise OptionError("concurrency", _("and per_host must be at least 1"))
    if options.limits.deadline <= 0 or options.link_timeout <= 0:
        raise OptionError("timeout", _("must be more than 0 seconds"))


def check_sites(sites: list[Site], options: CheckOptions | None = None,
                pages: dict[str, list[str]] | None = None,
                on_progress: ProgressFn | None = None,
                on_site_done: Callable[[SiteCheck], None] | None = None,
                captures: Mapping[str, Capture] | None = None, *,
                credentials: Mapping[str, tuple[str, str]] | None = None) -> list[SiteCheck]:
    """Probe sites without a workspace; `pages` maps a site to its recorded pages (columns).

    `captures` maps a site to its home page as Chromium rendered it (the capture contract of
    govaudit.page.capture), which the page model reads beside the static page. A browser
    is launched only when needed: a page answered by an anti-bot challenge, `render`.
    `credentials` maps a site name to the basic-auth (username, password) for its origin; a
    site URL's own `user:password@` is used the same way. Results hold no credentials.
    """
    options = options or CheckOptions()
    validate_options(options)
    clean, logins = origin_logins(sites, credentials)
    return asyncrun.run(_run(clean, options, pages or {}, on_progress, on_site_done,
                          captures or {}, logins))


async def _run(sites: list[Site], options: CheckOptions, pages: dict[str, list[str]],
               on_progress: ProgressFn | None,
               on_site_done: Callable[[SiteCheck], None] | None,
               captures: Mapping[str, Capture],
               logins: dict[Origin, tuple[str, str]]) -> list[SiteCheck]:
    from govaudit.probes.browser_visits import BrowserOnDemand

    link_limits = replace(options.limits, deadline=options.link_timeout,
                          connect_timeout=min(options.limits.connect_timeout,
                                              options.link_timeout))
    limiter = HostLimiter(options.links.per_host)
    site_slots = asyncio.Semaphore(max(1, options.jobs))
    browser = BrowserOnDemand(options.browser_path, timeout=max(options.limits.deadline, 15.0))
    async with Fetcher(options.limits, lanes=max(4, 2 * options.jobs),
                       credentials=logins) as fetcher, \
            LinkFetcher(link_limits, lanes=options.links.concurrency,
                        credentials=logins) as link_fetcher:

        async def one(site: Site) -> SiteCheck:
            own = origin(site.url)
            async with site_slots:
                result = await _check_site(site, pages.get(site.name, []), options, fetcher,
                                           link_fetcher, limiter, on_progress, SitePages(
                                               site, options, fetcher, None,
                                               captures.get(site.name), browser,
                                               logins.get(own) if own else None))
            if on_site_done:
                on_site_done(result)
            return result

        try:
            return list(await asyncio.gather(*(one(s) for s in sites)))
        finally:
            await browser.aclose()


async def _check_site(site: Site, column_pages: list[str], options: CheckOptions,
                      fetcher: Fetcher, link_fetcher: Fetcher, limiter: HostLimiter,
                      on_progress: ProgressFn | None, pages: SitePages) -> SiteCheck:
    result = SiteCheck(site.name, site.url, time=utc_now())
    chosen = resolve_probes(options.probes)
    wanted = [p for p in registry.probes() if p.name in chosen]
    pages.whole = any("page" in p.reads for p in wanted)
    # the site's own pages may be on a private address; where they lead must be public
    pages.policy = None if options.allow_private else AddressPolicy(
        [site.url, *(urljoin(site.url, p) for p in column_pages)])

    def emit(probe: str, finished: bool, detail: str = "") -> None:
        if on_progress:
            on_progress(ProgressEvent(site.name, probe, finished, detail))

    async def guarded(probe: registry.Probe[Any]) -> None:
        name = probe.name
        emit(name, False)
        context = ProbeContext(pages, link_fetcher, limiter, column_pages,
                               lambda detail: emit(name, False, detail))
        typed: ProbeResult
        try:
            found = await probe.run(context)
            typed = replace(found, site=site.name, time=result.time)
            data = typed.to_dict()
            clean = redact_data(data)  # links found on pages may hold passwords
            if clean != data:
                typed = probe.read(clean)
        except ProbeFailed as exc:
            typed = FailedProbe(site=site.name, time=result.time, name=name,
                                error=redact_url(str(exc)))
        except Exception as exc:  # a probe's own bug must not end the run: record it
            typed = FailedProbe(site=site.name, time=result.time, name=name,
                                error=redact_url(f"{type(exc).__name__}: {exc}"))
        result.probes[name] = typed
        emit(name, True, typed.error if isinstance(typed, FailedProbe) else "")

    await asyncio.gather(*(guarded(p) for p in wanted))
    result.probes = {p.name: result.probes[p.name] for p in wanted}
    return result


__all__ = ["CheckOptions", "CheckRun", "ProgressEvent", "ProgressFn", "SiteCheck",
           "check_sites", "resolve_probes", "validate_options"]
