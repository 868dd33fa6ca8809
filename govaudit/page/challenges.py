"""Anti-bot challenges told from outages: a challenge is not the site being down.

Many government sites sit behind a web application firewall that answers a client which
runs no scripts with a challenge page instead of the page: a script that sets a cookie
(computed, often obfuscated) and reloads, after which a browser gets the real page. The
shapes seen: 瑞数 (Riversec: 412, or 202, with `$_ts` and a `<meta … r='m'>`), 知道创宇
加速乐 (521 with `__jsl_clearance`), 安全狗 (`safedog`), 云锁 (`yunsuo`, `security_verify`),
and plain 200 pages that are nothing but such a script.

The rule (`detect_challenge`): the body shows (almost) no text, holds a script, and either
names one of those vendors or sets a cookie and reloads the page; or, with no body to read
(a HEAD, a check that reads no body), the status is 412 — a plain GET or HEAD carries no
precondition, so only a gate answers 412. Such an answer is `Outcome.CHALLENGE`: "a browser
decides". Whatever else fails is `Outcome.DOWN` (`answer_outcome`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from selectolax.lexbor import LexborHTMLParser

from govaudit.probes.charset import ascii_html, decode_html

MAX_TEXT = 40  # characters a challenge page may show ("请稍候…", "Loading")
# A plain request meets a precondition failure only at an anti-bot gate.
GATE_STATUSES = frozenset((412,))
_VENDORS = (
    ("瑞数", re.compile(r"\$_ts\s*[=.\[]|\br\s*=\s*['\"]m['\"]|\$_ts\b")),
    ("知道创宇", re.compile(r"__jsl_clearance|__jsluid|jiasule|加速乐", re.I)),
    ("安全狗", re.compile(r"safedog|安全狗", re.I)),
    ("云锁", re.compile(r"yunsuo|security_verify|security_session", re.I)),
)
# 加速乐 answers its script with 521 (its cookie's name is often spelled out char by char).
_STATUS_VENDORS = {521: "知道创宇"}
_SET_COOKIE = re.compile(r"\bcookie\b|document\s*\[", re.I)
_RELOAD = re.compile(r"location\s*\.\s*(?:reload|replace|assign)\b|location(?:\.href)?\s*=[^=]|"
                     r"\.submit\s*\(|http-equiv\s*=\s*['\"]?refresh", re.I)
_SCRIPT_TAG = re.compile(r"<script", re.I)
_SPACE = re.compile(r"\s+")
_HEADER_VENDORS = (("知道创宇", re.compile(r"__jsluid|__jsl_clearance|jiasule", re.I)),
                   ("安全狗", re.compile(r"safedog", re.I)),
                   ("云锁", re.compile(r"yunsuo|security_session", re.I)))


class Outcome(StrEnum):
    """What a server's answer to a page request means."""

    OPENED = "opened"
    DOWN = "down"  # an error, or an HTTP status of 400 or more that is no challenge
    CHALLENGE = "challenge"  # an anti-bot challenge: a browser decides


@dataclass(frozen=True)
class Challenge:
    vendor: str  # 瑞数, 知道创宇, 安全狗, 云锁; "" for a script challenge of no known shape
    reason: str


@dataclass(frozen=True)
class Answer:
    """The outcome of a page request and why."""

    outcome: Outcome
    reason: str
    challenge: Challenge | None = None


def body_text(body: str | bytes, headers: Mapping[str, str] | None = None) -> str:
    """A body as text: bytes decoded as browsers decode them (the Content-Type's charset,
    the page's own <meta>, …: probes.charset)."""
    if isinstance(body, bytes):
        headers = headers or {}
        content_type = headers.get("content-type") or next(
            (v for k, v in headers.items() if k.lower() == "content-type"), "")
        text = ascii_html(body, content_type)
        return text if text is not None else decode_html(body, content_type)[0]
    return body


@dataclass(frozen=True)
class Shown:
    """What a reader is shown of an answer's body, read in one parse: the title, the text of
    the body (scripts, styles, templates and the title left out, nodes joined by a space),
    and what scripts and <meta> elements hold (where challenges show)."""

    title: str
    text: str
    scripts: str
    meta: str


def read_shown(text: str) -> Shown:
    """`text` (an HTML body) parsed once into what it shows."""
    tree = LexborHTMLParser(text)
    title = tree.css_first("title")
    scripts = " ".join(s.text() + " " + (s.attributes.get("src") or "")
                       for s in tree.css("script"))
    meta = " ".join(m.html or "" for m in tree.css("meta"))
    named = title.text() if title is not None else ""
    for el in tree.css("script, style, noscript, template, title"):
        el.decompose()
    body = tree.body
    return Shown(named, body.text(separator=" ") if body is not None else "", scripts, meta)


def has_script(text: str) -> bool:
    """Whether an HTML body holds a <script> element at all (a challenge needs one)."""
    return _SCRIPT_TAG.search(text) is not None


def detect_challenge(status: int | None, body: str | bytes | None = None,
                     headers: Mapping[str, str] | None = None,
                     shown: Shown | None = None) -> Challenge | None:
    """The anti-bot challenge an answer is, or None (see the module docstring).

    `body` is the answer's body (None: not read), `headers` its headers (Set-Cookie and
    Server name some vendors); `shown`, the body already read (read_shown), if it was.
    """
    headers = headers or {}
    header_text = " ".join(f"{k}: {v}" for k, v in headers.items()
                           if k.lower() in ("set-cookie", "server", "x-powered-by"))
    if body is None or not body.strip():
        if status in GATE_STATUSES:
            return Challenge(_vendor(header_text, _HEADER_VENDORS),
                             f"HTTP {status} to a plain request, with no page")
        return None
    if shown is None:
        text = body_text(body, headers)
        if not has_script(text):  # no script, no challenge: nothing to parse
            return None
        shown = read_shown(text)
    scripts = shown.scripts
    if not scripts.strip() or len(_SPACE.sub("", shown.text)) > MAX_TEXT:
        return None
    vendor = _vendor(f"{scripts} {shown.meta} {header_text}", _VENDORS) or \
        _STATUS_VENDORS.get(status or 0, "")
    if vendor:
        return Challenge(vendor, f"{vendor} challenge page (HTTP {status})")
    if _SET_COOKIE.search(scripts) and _RELOAD.search(f"{scripts} {shown.meta}"):
        return Challenge("", f"a script that sets a cookie and reloads (HTTP {status})")
    return None


def _vendor(text: str, vendors: tuple[tuple[str, re.Pattern[str]], ...]) -> str:
    return next((name for name, pattern in vendors if pattern.search(text)), "")


def answer_outcome(status: int | None, error: str = "", body: str | bytes | None = None,
                   headers: Mapping[str, str] | None = None) -> Answer:
    """Whether a page request opened the page, met a challenge, or found the site down."""
    if error:
        return Answer(Outcome.DOWN, error)
    challenge = detect_challenge(status, body, headers)
    if challenge is not None:
        return Answer(Outcome.CHALLENGE, f"challenge: a browser decides ({challenge.reason})",
                      challenge)
    if status is None:
        return Answer(Outcome.DOWN, "no answer")
    if status >= 400:
        return Answer(Outcome.DOWN, f"HTTP {status}")
    return Answer(Outcome.OPENED, f"HTTP {status}")
