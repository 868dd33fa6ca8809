"""Link verdicts: one rule, for check and monitor alike, for whether a link is dead.

A link is **dead** when the server answered 4xx or 5xx (after its redirects): `BROKEN`; or
when it answered 200 with a page that says the page does not exist (页面不存在, 404 Not
Found…): `SOFT_404`, reported as such. A link that cannot be followed at all (an invalid
URL, a redirect loop, a protocol error) is `BROKEN` too.

A link is **not judged** when this machine could not get an answer that says anything about
the link: the name did not resolve (`DNS`), the connection was refused or failed (`REFUSED`),
the destination is a private address the address policy refused (`PRIVATE`), the request
timed out (`TIMEOUT`), TLS failed (`TLS`), or an anti-bot challenge answered
(`CHALLENGE`: a browser decides, see challenges.py). Such a link is neither dead nor alive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from govaudit.i18n import N_, _
from govaudit.netpolicy import refused_private
from govaudit.page.challenges import Shown, body_text, detect_challenge, has_script, read_shown
from govaudit.probes.html import collapse, normalise_text


class LinkVerdict(StrEnum):
    WORKS = "works"
    BROKEN = "broken"  # HTTP 4xx/5xx, or a link that cannot be followed
    SOFT_404 = "soft-404"  # HTTP 200 with a "page not found" page
    DNS = "dns"  # could not judge: the name does not resolve
    REFUSED = "refused"  # could not judge: the connection was refused or failed
    PRIVATE = "private"  # could not judge: a private address the policy refused
    TIMEOUT = "timeout"  # could not judge: no answer in time
    TLS = "tls"  # could not judge: TLS failed (certificate, handshake)
    CHALLENGE = "challenge"  # could not judge: an anti-bot challenge, a browser decides

    @property
    def dead(self) -> bool:
        return self in (LinkVerdict.BROKEN, LinkVerdict.SOFT_404)

    @property
    def judged(self) -> bool:
        """Whether the answer says something about the link (works, broken or soft 404)."""
        return self in (LinkVerdict.WORKS, LinkVerdict.BROKEN, LinkVerdict.SOFT_404)


# The failures of probes.fetch and probes.linkcheck, by the words they begin with.
_UNJUDGED = (("DNS lookup failed", LinkVerdict.DNS), ("connection refused", LinkVerdict.REFUSED),
             ("connect error", LinkVerdict.REFUSED), ("connect timeout", LinkVerdict.TIMEOUT),
             ("read timeout", LinkVerdict.TIMEOUT), ("timeout", LinkVerdict.TIMEOUT),
             ("deadline of", LinkVerdict.TIMEOUT), ("TLS error", LinkVerdict.TLS))
# the same failures as a person reads them, in the current language: (pattern, words)
_WORDED = (
    (re.compile(r"DNS lookup failed \(Could not resolve (?:host|proxy): (?P<host>[^)]+)\)$"),
     N_("DNS lookup failed: {host}")),
    (re.compile(r"deadline of (?P<seconds>[\d.]+)s exceeded$"),
     N_("deadline of {seconds}s exceeded")),
    *((re.compile(re.escape(prefix) + r"(?P<rest>.*)$", re.DOTALL), words) for prefix, words in (
        ("DNS lookup failed", N_("DNS lookup failed{rest}")),
        ("connection refused", N_("connection refused{rest}")),
        ("connect error", N_("connect error{rest}")),
        ("connect timeout", N_("connect timeout{rest}")),
        ("read timeout", N_("read timeout{rest}")), ("timeout", N_("timeout{rest}")),
        ("TLS error", N_("TLS error{rest}")))),
)
_NOT_FOUND = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要访问的|您访问的|您所访问的)?(?:页面|网页)|网页不存在|"
    r"(?:页面|网页|文章|信息|栏目|内容|文件)(?:已被?删除|不存在|已失效|已过期)|"
    r"访问的(?:页面|网页|内容)(?:不存在|已被?删除|找不到)|(?<!\d)404(?!\d)|not\s*found|"
    r"无法找到该?页", re.I)
_ASCII_NOT_FOUND = re.compile(r"404|found", re.I)
MAX_SOFT_404_TEXT = 600  # characters: a longer page is a page, whatever it says about 404s


def worded_failure(problem: str) -> str:
    """A stored failure ("DNS lookup failed (Could not resolve host: x.cn)") as a person
    reads it in the current language (域名解析失败：x.cn); other text as it is."""
    for pattern, words in _WORDED:
        found = pattern.match(problem)
        if found:
            return _(words).format(**found.groupdict())
    return problem


def _may_say_not_found(text: str) -> bool:
    """False only when a page cannot say that it does not exist, seen without parsing it:
    plain ASCII with no character reference, so that what it shows is part of its source
    as written, and neither "404" nor "found" in it (every other phrase is Chinese)."""
    return not text.isascii() or "&" in text or _ASCII_NOT_FOUND.search(text) is not None


def is_soft_404(html: str, shown: Shown | None = None) -> bool:
    """Whether a page answered with 200 says it does not exist: its title does, or a short
    page's text does (`shown`: the page already read, read_shown)."""
    shown = shown if shown is not None else read_shown(html or "")
    if _NOT_FOUND.search(normalise_text(shown.title)):
        return True
    text = collapse(shown.text)  # long text is a page: no need to fold its characters
    return len(text) <= MAX_SOFT_404_TEXT and bool(_NOT_FOUND.search(normalise_text(text)))


def link_verdict(status: int | None, error: str = "", body: str | bytes | None = None,
                 headers: Mapping[str, str] | None = None) -> LinkVerdict:
    """The verdict on one link from its final answer: the status after redirects (None when
    none came), the request's error ("" when none), and, where read, the body and headers
    (a soft 404 and most challenges need the body; a 412 without one is a challenge). The
    body is decoded and parsed once, and only when it can matter."""
    if refused_private(error):
        return LinkVerdict.PRIVATE
    if error or status is None:
        return next((verdict for words, verdict in _UNJUDGED if error.startswith(words)),
                    LinkVerdict.BROKEN)
    text = body_text(body, headers) if body and body.strip() else ""
    soft = 200 <= status < 300
    scripted = bool(text) and has_script(text)
    parse = scripted or (bool(text) and soft and _may_say_not_found(text))
    shown = read_shown(text) if parse else None
    # a page without a script is no challenge (detect_challenge); no page, only a gate's status
    if (scripted or not text) and detect_challenge(status, text or None, headers,
                                                   shown) is not None:
        return LinkVerdict.CHALLENGE
    if status >= 400:
        return LinkVerdict.BROKEN
    if shown is not None and soft and is_soft_404(text, shown):
        return LinkVerdict.SOFT_404
    return LinkVerdict.WORKS


def verdict_reason(verdict: LinkVerdict, status: int | None, error: str = "") -> str:
    """A link's verdict in words, the same in check, monitor and the report: "HTTP 404",
    "soft 404 (HTTP 200 with a page that says it does not exist)", "anti-bot challenge
    (HTTP 412): a browser decides", or the error of a link that got no answer."""
    if verdict == LinkVerdict.SOFT_404:
        return _("soft 404 (HTTP {status} with a page that says it does not exist)").format(
            status=status)
    if verdict == LinkVerdict.CHALLENGE:
        return _("anti-bot challenge (HTTP {status}): a browser decides").format(
            status=status)
    if error:
        return error
    return f"HTTP {status}" if status is not None else "no answer"
