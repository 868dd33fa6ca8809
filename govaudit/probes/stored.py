"""Probing a workspace's sites: its site list, captures and secrets read, each result stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.credentials import load_credentials
from govaudit.model import FailedProbe, ProbeResult, Site, utc_now
from govaudit.probes.rendered import captured
from govaudit.probes.run import (
    CheckOptions,
    CheckRun,
    ProgressFn,
    SiteCheck,
    check_sites,
    resolve_probes,
    validate_options,
)
from govaudit.store import Store

if TYPE_CHECKING:
    from govaudit.content.settings import ContentSettings


def run_checks(store: Store, sites: list[Site], probes: Iterable[str] | None = None, *,
               root: Path, content: ContentSettings, shots_dir: Path, depth: int = 0,
               samples: int = 3, on_progress: ProgressFn | None = None,
               options: CheckOptions | None = None, reuse: bool = False) -> CheckRun:
    """Probe `sites` of the workspace at `root` and store each site's results.

    `depth`, `samples` and `probes` override the same fields of `options`. A
    failing probe records its reason and the run goes on; each site is saved
    (Store.save_probe_results) as soon as it is done. With `reuse`, a probe that has a
    stored result for a site is not run again for it: the stored result is returned
    (SiteCheck.stored names those probes), and only what is missing is probed. `content`
    is the team's lists ([content]); screenshots of the checks go to `shots_dir` unless
    `options` names another folder.
    """
    chosen = list(sites)
    from govaudit.monitor.config import column_table

    options = replace(options or CheckOptions(), probes=resolve_probes(probes),
                      samples=samples)
    if not options.utility:  # the workspace's own utility words (never columns)
        options.utility = column_table(root).utility
    options.content = content
    if options.shots_dir is None:
        options.shots_dir = shots_dir
    options.links = replace(options.links, depth=depth)
    validate_options(options)
    pages: dict[str, list[str]] = {}
    for record in store.pages():
        pages.setdefault(record.site, []).append(record.url)

    from govaudit.sites import web_address

    skipped = [(site, reason) for site in chosen if (reason := web_address(site))]
    chosen = [site for site in chosen if web_address(site) is None]
    kept: dict[str, dict[str, ProbeResult]] = {}
    if reuse:
        for site in chosen:
            stored = store.probe_results(site.name)
            kept[site.name] = {p: stored[p] for p in options.probes if p in stored}
    groups: dict[tuple[str, ...], list[Site]] = {}  # sites by the probes they still need
    for site in chosen:
        missing = tuple(p for p in options.probes if p not in kept.get(site.name, {}))
        if missing:
            groups.setdefault(missing, []).append(site)

    def save(result: SiteCheck) -> None:
        store.save_probe_results(result.site, result.records())

    started = utc_now()
    probed: dict[str, SiteCheck] = {}
    for missing, group in groups.items():
        captures = {site.name: dom for site in group if (dom := captured(
            root, store.evidence(site.name), site.url))}
        for done in check_sites(group, replace(options, probes=missing), pages, on_progress,
                                save, captures, credentials=load_credentials(store)):
            probed[done.site] = done
    results = []
    for site in chosen:
        own = kept.get(site.name, {})
        fresh = probed.get(site.name)
        results_of = {**own, **(fresh.probes if fresh else {})}
        results.append(SiteCheck(site.name, site.url,
                                 {p: results_of[p] for p in options.probes if p in results_of},
                                 fresh.time if fresh else max(r.time for r in own.values()),
                                 tuple(p for p in options.probes if p in own)))
    results += [SiteCheck(site.name, site.url, {"address": FailedProbe(
        site=site.name, time=started, name="address", error=reason)}, started)
        for site, reason in skipped]
    return CheckRun(results, started, utc_now())
