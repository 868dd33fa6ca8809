"""Content checks (govaudit.content) over the home page, the recorded pages and their
attachments: names and titles (严重表述错误), 错敏字 and sensitive words, personal data not
de-identified, 留言 left unanswered, hidden links (暗链, in the browser with --render), links
served only to crawlers, outbound links that no longer resolve or lead elsewhere.

The lists are the team's (govaudit.toml `[content]`), each with its dates of validity: a
check without a list records "not checked: no list"; a list that cannot be used (wrong
encoding, no dates, out of date), an attachment that cannot be read (a zip bomb, encrypted,
damaged, too large) and a page cut at `max_page_chars` each record "could not judge" with
the reason, and the other checks go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urljoin, urlsplit

from govaudit.model import CheckRow, ProbeFinding
from govaudit.probes.check_rows import (
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
    from govaudit.content.model import Finding

MAX_PAGES = 20  # pages read per site: the home page and recorded pages
MAX_ATTACHMENTS = 10  # attachments downloaded per site
MAX_OUTBOUND = 30  # outbound links checked per site
ATTACHMENT_SUFFIXES = (".xls", ".xlsx", ".doc", ".docx", ".pdf", ".txt")

# auto key -> (the checks it reads, what a problem is called in the note)
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "content.names": (("names",), "name or title error(s)"),
    "content.words": (("words",), "listed word(s)"),
    "content.personal": (("personal",), "personal number(s) not de-identified"),
    "content.hidden_links": (("hidden-links", "cloaking"), "hidden or crawler-only link(s)"),
    "content.outbound": (("outbound",), "outbound link problem(s)"),
    "content.messages": (("messages",), "message(s) unanswered past the 3-month line"),
}


@dataclass(frozen=True)
class ContentResult(ChecksResult):
    """The content checks' rows over a site's pages and attachments."""

    probe: ClassVar[str] = "content"
    attachments: int = 0  # attachments read


def row_of(found: Finding) -> CheckRow:
    """A content finding as a check row, with its evidence and the list entry it matched."""
    from govaudit.content.model import InputProblem

    ev = found.evidence
    entry = ev.entry
    if isinstance(found, InputProblem):
        return CheckRow(found.what, "could not judge", found.reason, ev.url, ev.path)
    return CheckRow(found.check, "problem", found.reason, ev.url, ev.path, ev.context,
                    entry.entry if entry else "", entry.list.source if entry else "",
                    entry.list.validity if entry else "")


async def run(ctx: ProbeContext) -> ContentResult:
    from govaudit.content.checker import ContentChecker
    from govaudit.content.html_blocks import page_text
    from govaudit.content.messages import Message, read_messages

    settings = ctx.options.content
    checker = ContentChecker(settings, ctx.today)
    rows = [row_of(p) for p in checker.problems]
    if not settings.names and not settings.confusions:
        rows.append(not_checked("names", "no list: set [content] names in govaudit.toml"))
    if not settings.words:
        rows.append(not_checked("words", "no list: set [content] words in govaudit.toml"))
    home = await ctx.opened()
    if home.page is None or not home.answer.html:
        reason = home.reason if not home.opened else "not HTML"
        from govaudit.probes.errors import ProbeFailed

        raise ProbeFailed(f"home page {ctx.site.url} unusable: {reason}")
    pages: list[tuple[str, str]] = [(home.final_url, home.answer.html)]
    for recorded in ctx.column_pages[:MAX_PAGES - 1]:
        url = urljoin(ctx.site.url, recorded)
        ctx.progress(f"reading {url}")
        opened = await ctx.open(url)
        if opened.answer.html:
            pages.append((opened.final_url, opened.answer.html))
        else:
            rows.append(CheckRow("page", "could not judge", f"{url}: {opened.reason}", url))
    findings: list[Finding] = []
    messages: list[Message] = []
    links: dict[str, tuple[str, str]] = {}  # attachment URL -> (page, link path)
    for url, html in pages:
        findings += checker.check_page(page_text(html, url))
        messages += read_messages(html, url, settings.messages)
        for href, path in _attachment_links(html, url):
            links.setdefault(href, (url, path))
    read = await _attachments(ctx, checker, links, findings)
    rows += [row_of(f) for f in findings]
    rows += _clean("names", findings, bool(settings.names or settings.confusions), pages)
    rows += _clean("words", findings, bool(settings.words), pages)
    rows += _clean("personal", findings, True, pages, read)
    rows += _messages(ctx, messages)
    rows += await _links(ctx, home.final_url, home.answer.html)
    return ContentResult(rows=tuple(rows), pages=tuple(u for u, _ in pages), attachments=read)


def _clean(check: str, findings: list[Finding], ran: bool, pages: list[tuple[str, str]],
           attachments: int = 0) -> list[CheckRow]:
    """A pass row for a check that ran and found nothing."""
    if not ran or any(f.check == check for f in findings):
        return []
    more = f" and {attachments} attachment(s)" if attachments else ""
    return [passed(check, f"nothing found on {len(pages)} page(s){more}", pages[0][0])]


def _attachment_links(html: str, page_url: str) -> list[tuple[str, str]]:

    from govaudit.content.html_blocks import css_path

    out = []
    for href, node in _hrefs(html, page_url):
        if urlsplit(href).path.lower().endswith(ATTACHMENT_SUFFIXES):
            out.append((href, css_path(node)))
    return out


async def _attachments(ctx: ProbeContext, checker: Any, links: dict[str, tuple[str, str]],
                       findings: list[Finding]) -> int:
    """Download the linked attachments within the size limit and check their text."""
    from govaudit.content.attachments import Attachment, too_large
    from govaudit.content.model import problem

    read = 0
    for href, (page_url, path) in list(links.items())[:MAX_ATTACHMENTS]:
        name = unquote(urlsplit(href).path.rsplit("/", 1)[-1]) or href
        ctx.progress(f"attachment {name}")
        cap = checker.limits.max_bytes
        data, declared, error = await ctx.fetcher.download(href, cap, ctx.policy)
        if error:
            findings.append(problem(name, "attachments", f"not downloaded: {error}", href, path))
        elif declared is not None and declared > cap:
            findings.append(problem(name, "attachments", too_large(declared, checker.limits),
                                    href, path))
        elif len(data) > cap:
            findings.append(problem(name, "attachments", f"more than the {cap / 1e6:g} MB an "
                                    "attachment may have (max_attachment_bytes); not read",
                                    href, path))
        else:
            read += 1
            findings += checker.check_attachment(Attachment(name, data, href, page_url, path))
    return read


def _messages(ctx: ProbeContext, messages: list[Any]) -> list[CheckRow]:
    from govaudit.content.lists import ListProblem
    from govaudit.content.messages import reply_report
    from govaudit.content.workdays import Calendar, load_holidays

    if not messages:
        return [not_checked("messages", "no 留言 list on the pages read")]
    rows = []
    calendar = Calendar()
    holidays = ctx.options.content.holidays
    if holidays is not None:
        try:
            calendar = load_holidays(holidays, ctx.today)
        except ListProblem as exc:
            rows.append(CheckRow("messages", "could not judge",
                                 f"{holidays}: {exc.detail}; reply times counted in weekdays"))
    report = reply_report(messages, ctx.today, calendar)
    rows += [row_of(f) for f in report.over_line]
    if not report.over_line:
        oldest = report.oldest_unanswered
        detail = (f"{report.messages} message(s), {report.unanswered} unanswered"
                  + (f", the oldest of {oldest.asked} ({report.oldest_days} days)"
                     if oldest is not None else ""))
        rows.append(passed("messages", detail, messages[0].url))
    return rows


async def _links(ctx: ProbeContext, url: str, html: str) -> list[CheckRow]:
    """Hidden links (in the browser), links only crawlers get, and outbound links."""
    from govaudit.content.hidden_links import off_domain
    from govaudit.content.outbound import check_outbound, compare_versions, fetch_versions

    allowed = ctx.options.content.government_domains
    rows = await _hidden(ctx, url, allowed)
    people, crawler, error = await fetch_versions(url, timeout=ctx.options.limits.deadline,
                                                  allow_private=ctx.policy is None)
    if error:
        rows.append(CheckRow("cloaking", "could not judge", error, url))
    else:
        cloaked = compare_versions(people, crawler, url, allowed)
        rows.append(row_of(cloaked) if cloaked else
                    passed("cloaking", "the page a search engine gets has no other links", url))
    outside = list(dict.fromkeys(href for href, _ in _hrefs(html, url)
                                 if off_domain(href, url, allowed)))[:MAX_OUTBOUND]
    if not outside:
        rows.append(not_checked("outbound", "no links to other sites on the home page", url))
        return rows
    found = await check_outbound(outside, url, allow_private=ctx.options.allow_private,
                                 timeout=ctx.options.link_timeout)
    rows += [row_of(f) for f in found]
    if not found:
        rows.append(passed("outbound", f"{len(outside)} link(s) to other sites resolve and "
                                       "stay on their domains", url))
    return rows


def _hrefs(html: str, page_url: str) -> list[tuple[str, Any]]:
    """(absolute URL, element) of the page's links; a malformed one (http://[::1) is left out."""
    from selectolax.lexbor import LexborHTMLParser

    out = []
    for node in LexborHTMLParser(html).css("a[href]"):
        try:
            href = urljoin(page_url, str(node.attributes.get("href") or ""))
            urlsplit(href).port  # noqa: B018 - raises for a malformed address
        except ValueError:
            continue
        out.append((href, node))
    return out


async def _hidden(ctx: ProbeContext, url: str, allowed: tuple[str, ...]) -> list[CheckRow]:
    """暗链 in the rendered page, each with a marked element screenshot (--render only)."""
    from govaudit.content.hidden_links import COLLECT_LINK_FACTS, hidden_links

    browser = ctx.pages.browser
    if not ctx.options.render or browser is None:
        return [not_checked("hidden-links", "needs the browser: run check --render", url)]

    async def work(page: Any) -> list[CheckRow]:
        found = hidden_links(await page.evaluate(COLLECT_LINK_FACTS), page.url, allowed)
        out = []
        for number, hit in enumerate(found, 1):
            row = row_of(hit)
            box = hit.evidence.box
            shots = shots_dir(ctx)
            if box is not None and shots is not None:
                from dataclasses import replace

                from govaudit.capture.marked import marked_shot

                shot = await marked_shot(page, (box.x, box.y, box.width, box.height),
                                         shots / f"hidden-link-{number}.png")
                row = replace(row, screenshot=shot)
            out.append(row)
        return out or [passed("hidden-links", "no hidden link leads off the government's "
                                              "domain", url)]

    rows, error = await browser.with_page(url, work, ctx.policy, ctx.pages.login)
    if rows is None:
        return [CheckRow("hidden-links", "could not judge", error, url)]
    return rows


# keys whose clean result answers nothing: personal numbers are one kind of what the questions
# that ask them (泄露国家秘密) look for, so none found does not say that nothing leaked
PROBLEM_ONLY = frozenset({"content.personal"})


def suggest(auto: str, result: ContentResult) -> ProbeFinding | None:
    """Not good with the problems the key's checks found (their count); good when they ran
    and found none (except for PROBLEM_ONLY keys); nothing when none could run (no list, no
    browser)."""
    checks, what = KEYS[auto]
    found = finding(result, checks, what)
    if found is not None and found.good and auto in PROBLEM_ONLY:
        return None
    return found


PROBE = Probe(
    name="content", title="names, words, personal data, hidden links, 留言, by the team's lists",
    answers=tuple(KEYS), reads=("page", "http", "browser"), result=ContentResult, run=run,
    suggest=suggest, order=80, report=report_rows)
