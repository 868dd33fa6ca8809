"""Conformance checks (govaudit.conformance) against the national rules: the 指引's meta tags
on the home page and the recorded pages, the 网站标识码 and 党政机关 badge on inner pages, the
domain's form, HTTPS (certificate, http:// redirect, HSTS, mixed content), the site search
finding a recent item, the seven IPv6 metrics; and, in the browser with --render,
accessibility (axe-core, GB/T 37668-2019) and 适老化, each problem with a marked element
screenshot. A check that cannot run here records "not checked" with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from govaudit.glossary import level as level_name
from govaudit.i18n import N_, _
from govaudit.model import CheckRow, ProbeFinding
from govaudit.probes.check_rows import (
    NEEDS_BROWSER,
    ChecksResult,
    finding,
    not_checked,
    passed,
    report_rows,
    shots_dir,
)
from govaudit.probes.context import ProbeContext
from govaudit.probes.registry import Probe

if TYPE_CHECKING:
    from govaudit.conformance.evidence import Evidence

MAX_PAGES = 20  # recorded pages read for their meta tags and marks
IPV6_SECONDS = 120.0  # the seven IPv6 metrics, at most
SHOTS = 5  # marked element screenshots per browser check
CONTEXT = 160  # characters of an element's text or HTML kept as a row's context

# auto key -> (the checks it reads, what a problem is called in the note)
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "conformance.metadata": (("metadata",), N_("meta tag problem(s)")),
    "conformance.marks": (("page-marks",), N_("page(s) without the 网站标识码 or the badge")),
    "conformance.domain": (("domain",), N_("domain problem(s)")),
    "conformance.https": (("https.certificate", "https.redirect", "https.hsts",
                           "mixed-content"), N_("HTTPS problem(s)")),
    "conformance.search": (("search",), N_("search problem(s)")),
    "conformance.ipv6": (("ipv6",), N_("IPv6 metric(s) failed")),
    "conformance.accessibility": (("accessibility",), N_("accessibility violation(s)")),
    "conformance.agefriendly": (("zoom", "line-spacing", "floating", "keyboard",
                                 "font-control"), N_("适老化 problem(s)")),
}


@dataclass(frozen=True)
class ConformanceResult(ChecksResult):
    """The conformance checks' rows over a site's pages."""

    probe: ClassVar[str] = "conformance"


def row(check: str, ok: bool | None, detail: str, evidence: Evidence | None = None,
        url: str = "") -> CheckRow:
    """A conformance finding as a check row: problem, pass, or could not judge (None)."""
    from govaudit.content.personal import masked

    result = "could not judge" if ok is None else ("pass" if ok else "problem")
    if evidence is None:
        return CheckRow(check, result, detail, url)
    # masked before it is cut: a number at the cut is not kept in part either
    return CheckRow(check, result, detail, evidence.page_url or url, evidence.selector,
                    masked(evidence.value)[:CONTEXT])


async def run(ctx: ProbeContext) -> ConformanceResult:
    from govaudit.conformance.domain import check_domain
    from govaudit.conformance.https import mixed_content_in_html
    from govaudit.conformance.metadata import check_metadata
    from govaudit.probes.marks import find_marks

    page = await ctx.page()
    home = await ctx.opened()
    url, html = home.final_url, home.answer.html or ""
    code = find_marks(page.static).get("site_code")
    meta = check_metadata(html, url, "home", footer_site_code=code)
    rows = [_metadata(meta)]
    pages = [url]
    for recorded in ctx.column_pages[:MAX_PAGES]:
        inner = urljoin(ctx.site.url, recorded)
        ctx.progress(f"reading {inner}")
        opened = await ctx.open(inner)
        if opened.page is None or not opened.answer.html:
            rows.append(CheckRow("metadata", "could not judge", f"{inner}: {opened.reason}",
                                 inner))
            continue
        pages.append(opened.final_url)
        rows.append(_metadata(check_metadata(opened.answer.html, opened.final_url, "column",
                                             footer_site_code=code)))
        rows.append(_marks(opened.page.static, opened.final_url, code))
    domain = check_domain(ctx.site.url, ctx.site.level)
    form = _("{host} has the {role} form").format(host=domain.host,
                                                   role=level_name(domain.role))
    rows.append(row("domain", domain.passed, "; ".join(domain.problems) or form,
                    domain.evidence[0]))
    rows += await _https(ctx, url)
    mixed = mixed_content_in_html(html, url)
    rows += [row("mixed-content", False,
                 (_("active mixed content: {url}") if i.active else
                  _("passive mixed content: {url}")).format(url=i.url), i.evidence)
             for i in mixed.items] or \
        [passed("mixed-content", _("no http:// sub-resource in the page"), url)]
    rows.append(await _search(ctx, page, html, url))
    rows.append(await _ipv6(ctx, url))
    rows += await _browser(ctx, url)
    return ConformanceResult(rows=tuple(rows), pages=tuple(pages))


def _metadata(meta: Any) -> CheckRow:
    problems = [*(_("{name} missing").format(name=name) for name in meta.missing),
                *(_("{name} empty").format(name=name) for name in meta.empty), *meta.problems]
    detail = "; ".join(problems) if problems else \
        _("the {page_type} page's meta tags are all there").format(
            page_type=_(PAGE_TYPES.get(meta.page_type, meta.page_type)))
    evidence = meta.evidence[0] if meta.evidence else None
    return replace(row("metadata", meta.passed, detail, evidence, meta.page_url),
                   url=meta.page_url)


def _marks(dom: Any, url: str, expected: str | None) -> CheckRow:
    from govaudit.conformance.metadata import check_page_marks
    from govaudit.probes.marks import find_marks

    marks = check_page_marks(url, dom.footer_text, bool(find_marks(dom).get("conac")),
                             expected)
    code = marks.site_code or _("missing")
    problems = ([] if marks.site_code_ok else
                [f"网站标识码 {code}"
                 + (_(" (the home page shows {expected})").format(expected=expected)
                    if expected else "")]) + \
        ([] if marks.conac else [_("no 党政机关 badge")])
    return row("page-marks", marks.passed, "; ".join(problems) or
               _("网站标识码 {code} and the badge").format(code=marks.site_code),
               marks.evidence[0], url)


async def _https(ctx: ProbeContext, url: str) -> list[CheckRow]:
    import asyncio

    from govaudit.conformance.https import check_certificate, check_hsts, check_redirect

    timeout = ctx.options.link_timeout
    redirect = await check_redirect(url, timeout=timeout)
    rows = [row("https.redirect", None if redirect.error else redirect.passed,
                redirect.error or _("{url} ends on {final_url}").format(
                    url=redirect.http_url, final_url=redirect.final_url),
                redirect.evidence[-1] if redirect.evidence else None, redirect.http_url)]
    if urlsplit(url).scheme != "https":
        rows.insert(0, CheckRow("https.certificate", "problem",
                                _("the home page ends on {url}, not https://").format(
                                    url=url), url))
        return rows
    cert = await asyncio.to_thread(check_certificate, url, timeout=timeout)
    valid = (_("valid for {host}, issued by {issuer}").format(host=cert.host,
                                                               issuer=cert.issuer)
             + (_(", {days} day(s) to expiry").format(days=cert.days_left)
                if cert.days_left is not None else ""))
    rows.insert(0, row("https.certificate", cert.passed,
                       "; ".join(cert.problems) if not cert.passed else valid,
                       cert.evidence[0], url))
    hsts = await check_hsts(url, timeout=timeout)
    rows.append(row("https.hsts", hsts.passed, f"Strict-Transport-Security: {hsts.header}"
                    if hsts.header else _("no Strict-Transport-Security header"),
                    hsts.evidence[0], url))
    return rows


async def _search(ctx: ProbeContext, page: Any, html: str, url: str) -> CheckRow:
    """Search for the newest item's title the page model found, and look for it."""
    from govaudit.conformance.search import check_search, find_search_form

    form = find_search_form(html, url)
    if form is None:
        return not_checked("search", _("no site-search form on the home page"), url)
    items = sorted((i for found in page.lists for i in found.items if i.date and i.title),
                   key=lambda i: i.date, reverse=True)
    if not items:
        return not_checked("search", _("no dated item on the home page to search for"), url)
    title = items[0].title
    if ctx.policy is not None:
        refusal = _refused(ctx, form.action)
        if refusal:
            return CheckRow("search", "could not judge", refusal, form.action)
    found = await check_search(form, title, timeout=ctx.options.link_timeout)
    detail = found.error or (
        _("searching 「{query}」 lists 「{title}」").format(query=found.query, title=title)
        if found.passed else
        _("searching 「{query}」 does not list 「{title}」 ({count} link(s) in the results)")
        .format(query=found.query, title=title, count=found.results))
    return row("search", found.passed, detail, found.evidence[0], found.request_url)


def _refused(ctx: ProbeContext, url: str) -> str:
    """Why the address policy refuses `url` ("" when it may be asked)."""
    from govaudit.netpolicy import DestinationRefused, check_scheme

    try:
        check_scheme(url)
    except DestinationRefused as exc:
        return str(exc)
    own = {urlsplit(ctx.site.url).hostname, urlsplit(url).hostname}
    return "" if len(own) == 1 else f"{url}: the search is on another host; not asked"


async def _ipv6(ctx: ProbeContext, url: str) -> CheckRow:
    import asyncio
    import ipaddress

    from govaudit.conformance.ipv6 import check_ipv6, make_resolver

    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return not_checked("ipv6", _("the site's address {host} is no name: no DNS to ask").format(
            host=host), url)
    except ValueError:
        pass
    server = ctx.options.dns_server
    timeout = ctx.options.link_timeout
    resolver = make_resolver(server[0], server[1], timeout) if server else None
    try:
        found = await asyncio.wait_for(check_ipv6(url, resolver=resolver, timeout=timeout,
                                                  dns_port=server[1] if server else 53),
                                       IPV6_SECONDS)
    except TimeoutError:
        return CheckRow("ipv6", "could not judge", _("no result within {IPV6_SECONDS:g} s").format(
            IPV6_SECONDS=IPV6_SECONDS), url)
    metrics = found.metrics()
    shown = ", ".join(f"{k} {v}" for k, v in metrics.items())
    ok = found.has_aaaa and found.home_reachable and found.dns_over_ipv6
    return row("ipv6", ok, found.error or shown, found.evidence[0], url)


async def _browser(ctx: ProbeContext, url: str) -> list[CheckRow]:
    """Accessibility and 适老化 in Chromium (--render), with marked element screenshots."""
    checks = ("accessibility", "zoom", "line-spacing", "floating", "keyboard", "font-control")
    browser = ctx.pages.browser
    if not ctx.options.render or browser is None:
        return [not_checked(c, _(NEEDS_BROWSER), url) for c in checks]

    async def work(page: Any) -> list[CheckRow]:
        from govaudit.conformance.page_checks import check_page

        found = await check_page(page)
        out = []
        for v in found.accessibility.violations:
            node = v.nodes[0].evidence if v.nodes else None
            out.append(CheckRow("accessibility", "problem",
                                _("{rule} ({value}, {node_count} element(s)): {help}").format(
                                    rule=v.rule, value=v.gb_level or _('no level'),
                                    node_count=v.node_count, help=v.help), url,
                                node.selector if node else "", node.value if node else ""))
        if not found.accessibility.violations:
            out.append(passed("accessibility", _("{engine}: no violation at the levels run").format(
                engine=found.accessibility.engine), url))
        for check, item in (("zoom", found.zoom), ("line-spacing", found.line_spacing),
                            ("floating", found.floating), ("keyboard", found.keyboard),
                            ("font-control", found.font_control)):
            evidence = item.evidence[0] if item.evidence else None
            out.append(row(check, item.passed, _agefriendly_detail(check, item), evidence,
                           url))
        return await _shots(ctx, page, out)

    from govaudit.conformance.page_checks import prepare_context

    # axe-core compiled with the page and the first look at floating windows taken at load,
    # so that check_page has no wait of its own after the page settles
    rows, error = await browser.with_page(url, work, ctx.policy, ctx.pages.login,
                                          prepare_context)
    if rows is None:
        return [CheckRow(c, "could not judge", error, url) for c in checks]
    return rows


# the page types of metadata.check_metadata, as a sentence names them
PAGE_TYPES = {"home": N_("home"), "column": N_("column"), "article": N_("article")}
# what the floating check calls an offending element (agefriendly.FloatingFinding.offending)
OVERLAY_KINDS = {"popup": N_("pop-up"), "floating": N_("floating window"),
                 "moving": N_("moving window")}


def _agefriendly_detail(check: str, item: Any) -> str:
    if check == "zoom":
        return (_("viewport {viewport}").format(viewport=repr(item.viewport)) if item.viewport
                else _("no viewport meta"))
    if check == "line-spacing":
        return _("{count} block(s) of main text below 1.3").format(count=len(item.too_tight))
    if check == "floating":
        return "; ".join(f"{_(OVERLAY_KINDS[o.kind])} {o.evidence.selector}"
                         for o in item.offending) or \
            _("no pop-up or floating window")
    if check == "keyboard":
        reached = (_("navigation reached after {count} Tab(s)").format(count=item.reached_at)
                   if item.reached_at is not None else _("navigation not reached with Tab"))
        return reached if item.focus_visible else _("{reached}, focus not visible").format(
            reached=reached)
    ratio = item.ratio
    return _("text {ratio:.0%} of its size after the control").format(ratio=ratio) if ratio \
        else _("no working font-size control")


async def _shots(ctx: ProbeContext, page: Any, rows: list[CheckRow]) -> list[CheckRow]:
    """A marked element screenshot for the first problems that name an element."""
    from govaudit.capture.marked import locate, marked_shot

    shots = shots_dir(ctx)
    if shots is None:
        return rows
    out, taken = [], 0
    for number, found in enumerate(rows, 1):
        if found.is_problem and found.path and taken < SHOTS:
            spot = await locate(page, found.path)
            if spot is not None:
                shot = await marked_shot(page, spot.box, shots / f"{found.check}-{number}.png")
                found = replace(found, screenshot=shot)
                taken += 1
        out.append(found)
    return out


def suggest(auto: str, result: ConformanceResult) -> ProbeFinding | None:
    """Not good with the problems the key's checks found (their count); good when they ran
    and found none; nothing when none could run (no form, no browser, no DNS name)."""
    checks, what = KEYS[auto]
    what = _(what)
    return finding(result, checks, what)


PROBE = Probe(
    name="conformance", title="meta tags, domain, HTTPS, search, IPv6, accessibility, 适老化",
    answers=tuple(KEYS), reads=("page", "http", "browser", "dns"), result=ConformanceResult,
    run=run, suggest=suggest, order=90, report=report_rows)
