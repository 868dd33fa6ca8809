"""Running the probes over sites: concurrency, and failures recorded per probe.

The workspace's side (its sites in, the results stored) is govaudit.probes.stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urljoin

import govaudit.asyncrun as asyncrun
from govaudit.errors import GovauditError, OptionError
from govaudit.model import FailedProbe, ProbeResult, Site, probe_result, utc_now
from govaudit.netpolicy import AddressPolicy
from govaudit.probes.availability import probe_availability
from govaudit.probes.errors import ProbeFailed
from govaudit.probes.features import find_features
from govaudit.probes.fetch import Fetcher, FetchLimits, Page, page_facts
from govaudit.probes.freshness import page_freshness, today_in_china
from govaudit.probes.html import Document
from govaudit.probes.ipv6 import probe_ipv6
from govaudit.probes.linkcheck import LinkFetcher
from govaudit.probes.links import HostLimiter, LinkOptions, probe_links
from govaudit.probes.marks import find_marks
from govaudit.probes.names import AUTO_NAMES, MARK_KEYS, PROBE_NAMES, probe_of
from govaudit.probes.rendered import render_page
from govaudit.urls import Origin, origin_logins, redact_data

T = TypeVar("T")


@dataclass
class CheckOptions:
    """What to probe and how hard. Defaults are polite to real government servers."""

    probes: tuple[str, ...] = PROBE_NAMES
    samples: int = 3            # availability requests per site
    interval: float = 2.0       # seconds between availability requests
    links: LinkOptions = field(default_factory=LinkOptions)
    limits: FetchLimits = field(default_factory=FetchLimits)  # pages: size, redirects, deadline
    link_timeout: float = 15.0  # deadline of one link check
    jobs: int = 2               # sites probed at once
    today: date | None = None   # "today" for freshness (default: today in China)
    allow_private: bool = False  # follow redirects and links to private addresses (netpolicy)
    render: bool = False        # marks, features: render the home page when no capture has
    browser_path: str | None = None  # the Chromium that renders it (default: found)


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

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"probe": name, "error": result.error} for name, result in self.probes.items()
                if isinstance(result, FailedProbe)]

    def records(self) -> list[ProbeResult]:
        """The results Store.save_probe_results keeps."""
        return list(self.probes.values())

    def to_dict(self) -> dict[str, Any]:
        return {"site": self.site, "url": self.url, "time": self.time,
                "probes": {name: r.to_dict() for name, r in self.probes.items()},
                "errors": self.errors}


@dataclass
class CheckRun:
    """The results of one `check` run, site by site (already stored)."""

    sites: list[SiteCheck]
    started: str = ""
    finished: str = ""

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"site": s.site, **e} for s in self.sites for e in s.errors]

    def to_dict(self) -> dict[str, Any]:
        return {"started": self.started, "finished": self.finished,
                "sites": [s.to_dict() for s in self.sites]}


def resolve_probes(names: Iterable[str] | None) -> tuple[str, ...]:
    """Probe names in run order; an `auto:` name ("marks.icp") selects its probe."""
    if not names:
        return PROBE_NAMES
    wanted: set[str] = set()
    for name in names:
        probe = probe_of(name.strip())
        if probe not in PROBE_NAMES or ("." in name and name.strip() not in AUTO_NAMES):
            raise GovauditError(f"unknown probe {name!r} (probes: {', '.join(PROBE_NAMES)})")
        wanted.add(probe)
    return tuple(p for p in PROBE_NAMES if p in wanted)


def validate_options(options: CheckOptions) -> None:
    resolve_probes(options.probes)
    if options.samples < 1:
        raise OptionError("samples", "must be at least 1")
    if options.links.depth < 0:
        raise OptionError("depth", "must be 0 or more")
    if options.links.concurrency < 1 or options.links.per_host < 1:
        raise OptionError("concurrency", "and per_host must be at least 1")
    if options.limits.deadline <= 0 or options.link_timeout <= 0:
        raise OptionError("timeout", "must be more than 0 seconds")


def check_sites(sites: list[Site], options: CheckOptions | None = None,
                pages: dict[str, list[str]] | None = None,
                on_progress: ProgressFn | None = None,
                on_site_done: Callable[[SiteCheck], None] | None = None,
                rendered: dict[str, tuple[str, str]] | None = None, *,
                credentials: Mapping[str, tuple[str, str]] | None = None) -> list[SiteCheck]:
    """Probe sites without a workspace; `pages` maps a site to column pages for freshness.

    `rendered` maps a site to its home page as Chromium rendered it (HTML, URL), which
    marks and features read as well as the static page. `credentials` maps a site name
    to the basic-auth (username, password) for its origin; a site URL's own
    `user:password@` is used the same way. Results hold no credentials.
    """
    options = options or CheckOptions()
    validate_options(options)
    clean, logins = origin_logins(sites, credentials)
    return asyncrun.run(_run(clean, options, pages or {}, on_progress, on_site_done,
                          rendered or {}, logins))


async def _run(sites: list[Site], options: CheckOptions, pages: dict[str, list[str]],
               on_progress: ProgressFn | None,
               on_site_done: Callable[[SiteCheck], None] | None,
               rendered: dict[str, tuple[str, str]],
               logins: dict[Origin, tuple[str, str]]) -> list[SiteCheck]:
    link_limits = replace(options.limits, deadline=options.link_timeout,
                          connect_timeout=min(options.limits.connect_timeout,
                                              options.link_timeout))
    limiter = HostLimiter(options.links.per_host)
    site_slots = asyncio.Semaphore(max(1, options.jobs))
    async with Fetcher(options.limits, lanes=max(4, 2 * options.jobs),
                       credentials=logins) as fetcher, \
            LinkFetcher(link_limits, lanes=options.links.concurrency,
                        credentials=logins) as link_fetcher:

        async def one(site: Site) -> SiteCheck:
            async with site_slots:
                result = await _check_site(site, pages.get(site.name, []), options, fetcher,
                                           link_fetcher, limiter, on_progress,
                                           rendered.get(site.name))
            if on_site_done:
                on_site_done(result)
            return result

        return list(await asyncio.gather(*(one(s) for s in sites)))


async def _check_site(site: Site, column_pages: list[str], options: CheckOptions,
                      fetcher: Fetcher, link_fetcher: Fetcher, limiter: HostLimiter,
                      on_progress: ProgressFn | None,
                      rendered: tuple[str, str] | None = None) -> SiteCheck:
    result = SiteCheck(site.name, site.url, time=utc_now())
    wanted = [p for p in PROBE_NAMES if p in options.probes]
    # the site's own pages may be on a private address; where they lead must be public
    policy = None if options.allow_private else AddressPolicy(
        [site.url, *(urljoin(site.url, p) for p in column_pages)])

    def emit(probe: str, finished: bool, detail: str = "") -> None:
        if on_progress:
            on_progress(ProgressEvent(site.name, probe, finished, detail))

    async def guarded(name: str, work: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        emit(name, False)
        try:
            data = await work()
        except ProbeFailed as exc:
            data = {"failed": True, "error": str(exc)}
        except Exception as exc:  # a probe's own bug must not end the run: record it
            data = {"failed": True, "error": f"{type(exc).__name__}: {exc}"}
        data = redact_data(data)  # links found on pages may hold passwords
        typed = probe_result({**data, "site": site.name, "time": result.time}, name)
        result.probes[name] = typed
        emit(name, True, typed.error if isinstance(typed, FailedProbe) else "")

    home_task: asyncio.Task[Page] | None = None

    async def home_page() -> tuple[Page, Document]:
        nonlocal home_task
        if home_task is None:
            home_task = asyncio.ensure_future(fetcher.page(site.url, tls_fallback=True,
                                                           policy=policy))
        page = await home_task
        if page.html is None or page.failure:
            reason = page.failure or f"not HTML ({page.content_type or 'no content type'})"
            raise ProbeFailed(f"home page {site.url} unusable: {reason}")
        return page, Document(page.html, page.final_url or page.url)

    render_task: asyncio.Task[tuple[str, str]] | None = None

    async def rendered_doc() -> Document | None:
        """The rendered home page: the capture's, else rendered here with --render."""
        nonlocal render_task
        if rendered is None and not options.render:
            return None
        if rendered is not None:
            return Document(*rendered)
        if render_task is None:
            render_task = asyncio.ensure_future(render_page(site.url, options.browser_path))
        return Document(*await render_task)

    async def availability() -> dict[str, Any]:
        return await probe_availability(fetcher, site.url, options.samples, options.interval,
                                        policy)

    async def links() -> dict[str, Any]:
        page, _doc = await home_page()

        return await probe_links(link_fetcher, limiter, page, options.links,
                                 lambda detail: emit("links", False, detail), policy)

    async def ipv6() -> dict[str, Any]:
        return await probe_ipv6(site.url, options.limits)

    async def marks() -> dict[str, Any]:
        page, doc = await home_page()
        found = find_marks(doc)
        shown = await rendered_doc()
        if shown is not None:
            found = _with_rendered_marks(found, find_marks(shown, "rendered"))
        return {**found, "page": page_facts(page)}

    async def features() -> dict[str, Any]:
        page, doc = await home_page()
        found: dict[str, Any] = dict(find_features(doc))
        shown = await rendered_doc()
        if shown is not None:
            for key, hint in find_features(shown).items():
                if hint["found"] and not found[key]["found"]:
                    found[key] = {**hint, "source": "rendered"}
        return {**found, "page": page_facts(page)}

    async def freshness() -> dict[str, Any]:
        page, doc = await home_page()
        return await _freshness(fetcher, site, page, doc, column_pages,
                                options.today or today_in_china(), policy)

    work = {"availability": availability, "links": links, "ipv6": ipv6, "marks": marks,
            "freshness": freshness, "features": features}
    await asyncio.gather(*(guarded(name, work[name]) for name in wanted))
    result.probes = {name: result.probes[name] for name in wanted}
    return result


def _with_rendered_marks(static: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The static page's marks, plus those that only the rendered page shows (script-written)."""
    out = {**static, "where": dict(static["where"]), "details": dict(static["details"]),
           "source": "static+rendered"}
    for key in MARK_KEYS:
        if static.get(key) or not rendered.get(key):
            continue
        out[key] = rendered[key]
        if key == "conac":
            out["conac_url"] = rendered["conac_url"]
        out["where"][key] = rendered["where"][key]
        out["details"][key] = rendered["details"][key]
    return out


async def _freshness(fetcher: Fetcher, site: Site, page: Page, doc: Document,
                     column_pages: list[str], today: date,
                     policy: AddressPolicy | None) -> dict[str, Any]:
    """The newest date on the home page and on the recorded column pages."""
    checked = [page_freshness(doc, today)]
    seen = {doc.url, site.url, page.url}
    urls = []
    for raw in column_pages:
        url = urljoin(site.url, raw)
        if "*" not in raw and url not in seen:
            seen.add(url)
            urls.append(url)
    columns = await asyncio.gather(*(fetcher.page(u, tls_fallback=True, policy=policy)
                                     for u in urls))
    for url, column in zip(urls, columns, strict=True):
        if column.html is None or column.failure:
            checked.append({"url": url, "latest": None, "days": None,
                            "error": column.failure or f"not HTML ({column.content_type})"})
            continue
        checked.append(page_freshness(Document(column.html, column.final_url or url), today))
    dated = [c for c in checked if c.get("latest")]
    newest = max(dated, key=lambda c: str(c["latest"])) if dated else None
    return {"latest": newest["latest"] if newest else None,
            "days": newest["days"] if newest else None,
            "source": newest["url"] if newest else None,
            "today": today.isoformat(), "pages": checked}
