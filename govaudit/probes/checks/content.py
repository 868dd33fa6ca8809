"""Content checks (govaudit.content) over the home page, the recorded pages and their
attachments: names and titles (严重表述错误), 错敏字 and sensitive words, personal data not
de-identified, 留言 left unanswered, hidden links (暗链, in the browser with --render), links
served only to crawlers, outbound links that no longer resolve or lead elsewhere; every check
on every page read.

With --render each page is opened in Chromium once: its rendered DOM is what the text checks
read, each of their findings is located in the loaded page and shot with the spot marked (a
personal number's masked digits covered), and its 暗链 are found. Without it the text is read
as served and each finding's row says it has no screenshot.

The lists are the team's (govaudit.toml `[content]`), each with its dates of validity: a
check without a list records "not checked: no list"; a list that cannot be used (wrong
encoding, no dates, out of date), an attachment that cannot be read (a zip bomb, encrypted,
damaged, too large) and a page cut at `max_page_chars` each record "could not judge" with
the reason, and the other checks go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

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
    from govaudit.content.model import Finding

MAX_PAGES = 20  # pages read per site: the home page and recorded pages
MAX_ATTACHMENTS = 10  # attachments downloaded per site
MAX_OUTBOUND = 30  # outbound links checked per site
MAX_SHOTS = 30  # marked element screenshots of text findings per site
ATTACHMENT_SUFFIXES = (".xls", ".xlsx", ".doc", ".docx", ".pdf", ".txt")

# auto key -> (the checks it reads, what a problem is called in the note)
KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "content.names": (("names",), N_("name or title error(s)")),
    "content.words": (("words",), N_("listed word(s)")),
    "content.personal": (("personal",), N_("personal number(s) not de-identified")),
    "content.hidden_links": (("hidden-links", "cloaking"), N_("hidden or crawler-only link(s)")),
    "content.outbound": (("outbound",), N_("outbound link problem(s)")),
    "content.messages": (("messages",), N_("message(s) unanswered past the 3-month line")),
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


@dataclass
class _Read:
    """One page as the probe read it: its static HTML, and with --render its rendered DOM
    and the rows the browser gave (text findings with their shots, hidden links)."""

    url: str
    html: str
    rendered: str = ""
    rows: list[CheckRow] = field(default_factory=list)
    error: str = ""  # why the browser could not read it (with --render)


async def run(ctx: ProbeContext) -> ContentResult:
    from govaudit.content.checker import ContentChecker
    from govaudit.content.messages import Message, read_messages

    settings = ctx.options.content
    checker = ContentChecker(settings, ctx.today)
    rows = [row_of(p) for p in checker.problems]
    if not settings.names and not settings.confusions:
        rows.append(not_checked("names", _("no list: set [content] names in govaudit.toml")))
    if not settings.words:
        rows.append(not_checked("words", _("no list: set [content] words in govaudit.toml")))
    home = await ctx.opened()
    if home.page is None or not home.answer.html:
        reason = home.reason if not home.opened else _("not HTML")
        from govaudit.probes.errors import ProbeFailed

        raise ProbeFailed(f"home page {ctx.site.url} unusable: {reason}")
    pages = [_Read(home.final_url, home.answer.html)]
    for recorded in ctx.column_pages[:MAX_PAGES - 1]:
        url = urljoin(ctx.site.url, recorded)
        ctx.progress(f"reading {url}")
        opened = await ctx.open(url)
        if opened.answer.html:
            pages.append(_Read(opened.final_url, opened.answer.html))
        else:
            rows.append(CheckRow("page", "could not judge", f"{url}: {opened.reason}", url))
    shots = _Shots(ctx)
    render = ctx.options.render and ctx.pages.browser is not None
    messages: list[Message] = []
    links: dict[str, tuple[str, str]] = {}  # attachment URL -> (page, link path)
    for read in pages:
        if render:
            ctx.progress(f"rendering {read.url}")
            await _render(ctx, read, checker, shots)
        if not read.rendered:  # read as served: no screenshot, and the row says why
            note = (_("no screenshot: {error}").format(error=read.error) if read.error
                    else _(NO_BROWSER_SHOT))
            found = await _apart(_text_findings, checker, read.url, read.html)
            read.rows += [_noted(row_of(f), note) for f in found]
        messages += await _apart(read_messages, read.html, read.url, settings.messages)
        for href, path in await _apart(_attachment_links, read.html, read.url):
            links.setdefault(href, (read.url, path))
    findings: list[Finding] = []
    attachments = await _attachments(ctx, checker, links, findings)
    for read in pages:
        rows += read.rows
    rows += [_noted(row_of(f), "no screenshot: found in an attachment (the path gives the "
                               "place in it)") for f in findings]
    rows += _clean("names", rows, bool(settings.names or settings.confusions), pages)
    rows += _clean("words", rows, bool(settings.words), pages)
    rows += _clean("personal", rows, True, pages, attachments)
    rows += _messages(ctx, messages)
    rows += _hidden_rows(ctx, pages, render)
    rows += await _cloaking(ctx, pages)
    rows += await _outbound(ctx, pages)
    return ContentResult(rows=tuple(rows), pages=tuple(p.url for p in pages),
                         attachments=attachments)


T = TypeVar("T")


async def _apart(work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in a worker thread: the scans of a page's text and HTML, or of an
    attachment, take seconds on a large one, which other sites' requests and deadlines must
    not wait for."""
    import asyncio  # loaded by the run, not by the registry (`check --help`)

    return await asyncio.to_thread(work, *args)


TEXT_CHECKS = ("names", "words", "personal")  # the findings located in the rendered page
NO_BROWSER_SHOT = N_("no screenshot: read from the HTML as served; a rendered check takes a "
                     "marked element screenshot")


def _text_findings(checker: Any, url: str, html: str) -> list[Finding]:
    from govaudit.content.html_blocks import page_text

    found: list[Finding] = checker.check_page(page_text(html, url))
    return found


def _noted(row: CheckRow, note: str) -> CheckRow:
    """A text finding's row with why it has no screenshot."""
    if row.check not in TEXT_CHECKS or not row.is_problem:
        return row
    from dataclasses import replace

    return replace(row, shot_note=note)


class _Shots:
    """The site's marked element screenshots: where they go, and how many were taken."""

    def __init__(self, ctx: ProbeContext) -> None:
        self.folder = shots_dir(ctx)
        self.taken = 0
        self.pages = 0

    def file(self, name: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{name}.png"


async def _render(ctx: ProbeContext, read: _Read, checker: Any, shots: _Shots) -> None:
    """Read the page in Chromium: its rendered text checked, each text finding located and
    shot, its 暗链 found and shot. On failure, `read.error` says why (the text is then read
    as served)."""
    from govaudit.content.hidden_links import COLLECT_LINK_FACTS, hidden_links
    from govaudit.page.capture import CAPTURE_SCRIPT, Capture, CaptureError

    browser = ctx.pages.browser
    assert browser is not None
    allowed = ctx.options.content.government_domains
    shots.pages += 1
    number = shots.pages

    async def work(page: Any) -> tuple[str, list[CheckRow]]:
        try:
            capture = Capture.from_script(await page.evaluate(CAPTURE_SCRIPT))
        except CaptureError as exc:
            raise _Unreadable(str(exc)) from exc
        out = []
        for hit in await _apart(_text_findings, checker, page.url, capture.html):
            out.append(await _shot_text(page, hit, shots, number))
        for hit in hidden_links(await page.evaluate(COLLECT_LINK_FACTS), page.url, allowed):
            out.append(await _shot_link(page, hit, shots, number))
        return capture.html, out

    try:
        done, error = await browser.with_page(read.url, work, ctx.policy, ctx.pages.login)
    except _Unreadable as exc:
        done, error = None, f"{read.url}: the page could not be read ({exc})"
    if done is None:
        read.error = error or f"{read.url}: the browser could not read it"
        return
    read.rendered, read.rows = done


class _Unreadable(Exception):
    """The rendered page did not give its DOM."""


async def _shot_text(page: Any, hit: Finding, shots: _Shots, number: int) -> CheckRow:
    """A text finding's row, with a marked screenshot of its spot in the loaded page."""
    from dataclasses import replace

    from govaudit.capture.marked import locate, marked_shot

    row = row_of(hit)
    if hit.check not in TEXT_CHECKS or not row.is_problem:
        return row
    match = hit.evidence.match
    if shots.taken >= MAX_SHOTS:
        return replace(row,
            shot_note=_("no screenshot: the site's first {MAX_SHOTS} findings have theirs "
            "(MAX_SHOTS)").format(
            MAX_SHOTS=MAX_SHOTS))
    target = shots.file(f"{hit.check}-{number}-{shots.taken + 1}")
    if target is None:
        return replace(row, shot_note=_("no screenshot: this run keeps none"))
    path, attribute = _element_path(row.path)
    personal = hit.check == "personal"
    spot = await locate(page, path, _pattern(match, personal), attribute=attribute,
                        cover=personal)
    if spot is None:
        return replace(row, shot_note=_(
            "no screenshot: 「{match}」 not found in the page as Chromium showed it").format(
            match=match))
    if not spot.shown:
        return replace(row, shot_note=_(
            "no screenshot: 「{match}」 is in an element a reader does not see").format(
            match=match))
    shot = await marked_shot(page, spot.box, target, spot.cover)
    if not shot:
        return replace(row, shot_note=_("no screenshot: Chromium could not shoot the page"))
    shots.taken += 1
    where = _("at its DOM path") if spot.how == "path" else _(
        "by its text (not at the DOM path)")
    covered = _("; its masked digits are covered in the shot too") if personal else ""
    return replace(row, screenshot=shot,
                   shot_note=_("「{match}」 framed in red, found {where}{covered}").format(
                       match=match, where=where, covered=covered))


async def _shot_link(page: Any, hit: Any, shots: _Shots, number: int) -> CheckRow:
    """A hidden link's row, with a marked screenshot of where it sits."""
    from dataclasses import replace

    from govaudit.capture.marked import marked_shot

    row = row_of(hit)
    box = hit.evidence.box
    target = shots.file(f"hidden-link-{number}-{shots.taken + 1}")
    if box is None or target is None:
        return row
    shot = await marked_shot(page, (box.x, box.y, box.width, box.height), target)
    if shot:
        shots.taken += 1
        return replace(row, screenshot=shot,
        shot_note=_("where the hidden link sits, framed in red"))
    return row


def _element_path(path: str) -> tuple[str, str]:
    """(CSS selector, attribute) of a text block's path: `img:nth-child(2)[alt]` is the
    image's alt text."""
    for key in ("alt", "title"):
        if path.endswith(f"[{key}]"):
            return path, key
    return path, ""


def _pattern(match: str, personal: bool) -> str:
    """A JS regular expression of the quoted text, whitespace allowed between characters,
    in three groups: for a personal number quoted masked (110101********1234), the digits
    kept, the masked ones (any digit), and the last kept ones."""
    import re

    def chars(text: str) -> str:
        return r"\s*".join(r"\d" if c == "*" else re.escape(c) for c in text
                           if not c.isspace())

    if not personal:
        return f"()({chars(match)})()"
    stars = match.strip()
    first, last = stars.find("*"), stars.rfind("*")
    if first < 0:
        return f"()({chars(stars)})()"
    gap = r"[\s-]*"
    return (f"(?<![0-9])({chars(stars[:first])}){gap}({chars(stars[first:last + 1])})"
            f"{gap}({chars(stars[last + 1:])})(?![0-9])").replace(r"\s*", gap)


def _clean(check: str, rows: list[CheckRow], ran: bool, pages: list[_Read],
           attachments: int = 0) -> list[CheckRow]:
    """A pass row for a check that ran and found nothing."""
    if not ran or any(r.check == check and r.is_problem for r in rows):
        return []
    more = f" and {attachments} attachment(s)" if attachments else ""
    return [passed(check, _("nothing found on {count} page(s){more}").format(
        count=len(pages), more=more), pages[0].url)]


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
            findings.append(problem(name, "attachments",
                                    _("not downloaded: {error}").format(error=error), href, path))
        elif declared is not None and declared > cap:
            findings.append(problem(name, "attachments", too_large(declared, checker.limits),
                                    href, path))
        elif len(data) > cap:
            findings.append(problem(name, "attachments", f"more than the {cap / 1e6:g} MB an "
                                    "attachment may have (max_attachment_bytes); not read",
                                    href, path))
        else:
            read += 1
            findings += await _apart(  # a PDF or a workbook: seconds of parsing
                checker.check_attachment, Attachment(name, data, href, page_url, path))
    return read


def _messages(ctx: ProbeContext, messages: list[Any]) -> list[CheckRow]:
    from govaudit.content.lists import ListProblem
    from govaudit.content.messages import reply_report
    from govaudit.content.workdays import Calendar, load_holidays

    if not messages:
        return [not_checked("messages", _("no 留言 list on the pages read"))]
    rows = []
    calendar = Calendar()
    holidays = ctx.options.content.holidays
    if holidays is not None:
        try:
            calendar = load_holidays(holidays, ctx.today)
        except ListProblem as exc:
            rows.append(CheckRow("messages", "could not judge",
                                 _("{holidays}: {detail}; reply times counted in weekdays").format(
                                     holidays=holidays, detail=exc.detail)))
    report = reply_report(messages, ctx.today, calendar)
    rows += [row_of(f) for f in report.over_line]
    if not report.over_line:
        oldest = report.oldest_unanswered
        detail = (_("{messages} message(s), {unanswered} unanswered").format(
            messages=report.messages, unanswered=report.unanswered)
                  + (_(", the oldest of {asked} ({oldest_days} days)").format(
                      asked=oldest.asked, oldest_days=report.oldest_days)
                     if oldest is not None else ""))
        rows.append(passed("messages", detail, messages[0].url))
    return rows


def _hidden_rows(ctx: ProbeContext, pages: list[_Read], render: bool) -> list[CheckRow]:
    """暗链 over the pages the browser read (their rows are the pages' own): a pass when
    none was found, and each page the browser could not read."""
    home = pages[0].url
    if not render:
        return [not_checked("hidden-links", _(NEEDS_BROWSER), home)]
    out = [CheckRow("hidden-links", "could not judge", p.error, p.url) for p in pages
           if p.error]
    read = [p for p in pages if p.rendered]
    if read and not any(r.check == "hidden-links" for p in read for r in p.rows):
        out.append(passed("hidden-links",
            _("no hidden link leads off the government's domain on {count} page(s)").format(
            count=len(read)), home))
    return out


async def _cloaking(ctx: ProbeContext, pages: list[_Read]) -> list[CheckRow]:
    """Each page fetched as a browser and as a search engine: what only crawlers get."""
    from govaudit.content.outbound import compare_versions, fetch_versions

    allowed = ctx.options.content.government_domains
    out: list[CheckRow] = []
    clean = 0
    for read in pages:
        people, crawler, error = await fetch_versions(
            read.url, timeout=ctx.options.limits.deadline, allow_private=ctx.policy is None)
        if error:
            out.append(CheckRow("cloaking", "could not judge", error, read.url))
            continue
        cloaked = await _apart(compare_versions, people, crawler, read.url, allowed)
        if cloaked:
            out.append(row_of(cloaked))
        else:
            clean += 1
    if clean and not any(r.is_problem for r in out):
        out.append(passed("cloaking",
            _("the pages a search engine gets have no other links ({clean} page(s))").format(
            clean=clean), pages[0].url))
    return out


async def _outbound(ctx: ProbeContext, pages: list[_Read]) -> list[CheckRow]:
    """The links to other sites on every page read (the first MAX_OUTBOUND of the site):
    whether they still resolve and stay on their domains."""
    from govaudit.content.outbound import check_outbound

    allowed = ctx.options.content.government_domains
    by_page = await _apart(_off_domain_links, pages, allowed)
    if not by_page:
        return [passed("outbound", _("no links to other sites on the {count} page(s) read").format(
            count=len(pages)), pages[0].url)]
    found = []
    for url, outside in by_page.items():
        found += await check_outbound(outside, url, allow_private=ctx.options.allow_private,
                                      timeout=ctx.options.link_timeout)
    rows = [row_of(f) for f in found]
    if not found:
        rows.append(passed("outbound",
            _("{count} link(s) to other sites on {count2} page(s) resolve and stay on their "
            "domains").format(
            count=sum(map(len, by_page.values())), count2=len(by_page)), pages[0].url))
    return rows


def _off_domain_links(pages: list[_Read], allowed: Any) -> dict[str, list[str]]:
    """The first MAX_OUTBOUND links off the government's domain, by the page that has
    them (as served and as rendered), each once."""
    from govaudit.content.hidden_links import off_domain

    by_page: dict[str, list[str]] = {}
    seen: set[str] = set()
    for read in pages:
        for html in (read.html, read.rendered):
            for href, _text in _hrefs(html, read.url) if html else ():
                if href in seen or len(seen) >= MAX_OUTBOUND or \
                        not off_domain(href, read.url, allowed):
                    continue
                seen.add(href)
                by_page.setdefault(read.url, []).append(href)
    return by_page


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


# keys whose clean result answers nothing: personal numbers are one kind of what the questions
# that ask them (泄露国家秘密) look for, so none found does not say that nothing leaked
PROBLEM_ONLY = frozenset({"content.personal"})


def suggest(auto: str, result: ContentResult) -> ProbeFinding | None:
    """Not good with the problems the key's checks found (their count); good when they ran
    and found none (except for PROBLEM_ONLY keys); nothing when none could run (no list, no
    browser)."""
    checks, what = KEYS[auto]
    what = _(what)
    found = finding(result, checks, what)
    if found is not None and found.good and auto in PROBLEM_ONLY:
        return None
    return found


PROBE = Probe(
    name="content", title="names, words, personal data, hidden links, 留言, by the team's lists",
    answers=tuple(KEYS), reads=("page", "http", "browser"), result=ContentResult, run=run,
    suggest=suggest, order=80, report=report_rows)
