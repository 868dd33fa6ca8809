"""Which pages `govaudit evidence` captures."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from govaudit.capture.options import Target
from govaudit.errors import GovauditError, OptionError, UnknownName, checklist_where
from govaudit.i18n import _

if TYPE_CHECKING:
    from govaudit.checklist import Checklist
    from govaudit.model import Site
    from govaudit.store import Store


def build_targets(checklist: Checklist, store: Store, *, sites: list[Site] | None = None,
                  url: str | None = None, indicator: str = "", question: str = "",
                  skipped: list[str] | None = None) -> list[Target]:
    """What `govaudit evidence` captures.

    With `url`: that one page for the named site (or the site whose address
    has the same host). Otherwise each site's home page and every page
    recorded for it; with an indicator or question, only the pages recorded
    for it, or the home page where none is.
    """
    from govaudit.sites import check_url, web_address

    if question:
        q = checklist.question(question)
        if q is None:
            raise UnknownName("question", question, [q.id for q in checklist.questions],
                              checklist_where(checklist), hint="checklist_show")
        if indicator and indicator != q.indicator_id:
            raise GovauditError(_(
                "question {question} belongs to indicator {indicator_id}, not {indicator}").format(
                question=question, indicator_id=q.indicator_id, indicator=indicator))
        indicator = q.indicator_id
    if indicator and checklist.indicator(indicator) is None:
        raise UnknownName("indicator", indicator, [i.id for i in checklist.indicators],
                          checklist_where(checklist), hint="checklist_show")
    if url:
        reason = check_url(url)
        if reason:
            raise OptionError("url", reason)
        return [Target(_site_for_url(store, sites, url), url, indicator, question)]
    targets: list[Target] = []
    for site in sites or store.sites():
        reason = web_address(site)
        if reason:
            if skipped is not None:
                skipped.append(reason)
            continue
        pages = store.pages(site.name)
        if indicator:
            pages = [p for p in pages if p.indicator == indicator
                     and (not question or p.question == question)]
            if not pages:
                targets.append(Target(site.name, site.url, indicator, question))
        else:
            targets.append(Target(site.name, site.url))
        targets.extend(Target(site.name, p.url, p.indicator, p.question) for p in pages)
    return list(dict.fromkeys(targets))


def _site_for_url(store: Store, sites: list[Site] | None, url: str) -> str:
    if sites:
        if len(sites) > 1:
            raise OptionError("url", _("captures one page: name one site"))
        return sites[0].name
    host = urlsplit(url).hostname
    matches = [s.name for s in store.sites() if urlsplit(s.url).hostname == host]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise OptionError("url", _("{url}: no site has the host {host}").format(
            url=url, host=host), hint="name_site")
    raise OptionError("url", _("{url}: sites {listed} share its host").format(
        url=url, listed=", ".join(matches)), hint="name_site")
