"""URLs that carry credentials: split them off at the door, redact them in every output.

A site behind HTTP basic auth can be given as `http://user:password@host/`. The
password is kept only in the workspace's secrets file (see govaudit.credentials);
the site's URL, and every URL written anywhere (records, manifests, probe
results, file names, report, workbook), carries no userinfo.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from govaudit.model import Evidence, Site

# scheme "://" userinfo "@": the userinfo runs to the last "@" before the path, as
# browsers read it; "\" ends the authority as "/" does in WHATWG's special schemes.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s\\]*@")
# A query value whose key names a secret (token, key, password, signature…, alone or as the
# last part of a key such as access_token or X-Amz-Signature): a remote browser's or a
# signed link's credential. Keys that only contain such a word (keyword) are left alone.
_SECRET_QUERY = re.compile(
    r"(?i)([?&;](?:[a-z0-9]*[_.-])*(?:token|key|apikey|secret|password|passwd|pwd|pass|auth"
    r"|authorization|sig|signature|credential|credentials|jwt|sessionid)=)[^&#;\s\"'<>]+")
REDACTED = "REDACTED"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme "://" authority, as urlsplit delimits it, when nothing in it is stripped by urlsplit
_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\t\r\n]*(?=[/?#]|$)")

T = TypeVar("T")

Origin = tuple[str, str, int]
OriginLogins = dict[Origin, tuple[str, str]]  # origin -> (username, password)


def redact_url(text: str) -> str:
    """`text` (a URL, or any text holding URLs) with every `user:password@` removed.

    Query values of secret-like keys (`?token=…`, `&access_token=…`, `&sig=…`) read
    REDACTED.
    """
    if "@" in text:
        text = _USERINFO.sub(r"\1", text)
    if "=" in text:
        text = _SECRET_QUERY.sub(rf"\1{REDACTED}", text)
    return text


def redact_data(value: T) -> T:
    """A copy of JSON-like data (dicts, lists, strings) with every URL redacted."""
    if isinstance(value, str):
        return redact_url(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: redact_data(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(redact_data(v) for v in value)
    return value


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """(the URL without userinfo, (username, password) or None); both percent-decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_url(url), None
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, (unquote(user), unquote(password))


def origin(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, the port made explicit; None if it has none."""
    # only the scheme and authority matter: one parse per host, not one per URL
    match = _AUTHORITY.match(url)
    return _origin(match.group() if match else url)


@functools.lru_cache(maxsize=1024)
def _origin(url: str) -> Origin | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if not host or scheme not in _DEFAULT_PORTS:
        return None
    if not host.isascii():  # as browsers and httpx send it
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return scheme, host.lower(), port or _DEFAULT_PORTS[scheme]


def origin_text(value: Origin) -> str:
    """'http://127.0.0.1:8080', as browsers write an origin (default ports left out)."""
    scheme, host, port = value
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + ("" if _DEFAULT_PORTS.get(scheme) == port else f":{port}")


def web_href(url: str) -> str | None:
    """A URL safe to put in href: http(s) only (never javascript: or data: from a site)."""
    try:
        scheme = urlsplit(url or "").scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def stored_form(record: Evidence) -> dict[str, Any]:
    """An evidence record as the store and the manifests keep it: every field, every URL
    redacted."""
    return redact_data(record.to_dict())


def site_logins(sites: Iterable[Site], credentials: Mapping[str, tuple[str, str]] | None = None
                ) -> dict[str, tuple[str, str]]:
    """Each site's login, by site name: its entry in `credentials` (the secrets file), else
    its URL's own `user:password@`. Sites without one are left out."""
    logins: dict[str, tuple[str, str]] = {}
    for site in sites:
        login = (credentials or {}).get(site.name) or split_credentials(site.url)[1]
        if login:
            logins[site.name] = login
    return logins


def origin_logins(sites: Iterable[Site], credentials: Mapping[str, tuple[str, str]] | None = None
                  ) -> tuple[list[Site], OriginLogins]:
    """The sites with `user:password@` taken out of their URLs, and the login of each origin.

    A site's login (`site_logins`) is sent to the origin of the site's URL (the first site
    of an origin wins).
    """
    sites = list(sites)
    by_site = site_logins(sites, credentials)
    logins: OriginLogins = {}
    clean: list[Site] = []
    for site in sites:
        url = split_credentials(site.url)[0]
        login = by_site.get(site.name)
        key = origin(url)
        if login and key is not None:
            logins.setdefault(key, login)
        clean.append(replace(site, url=url) if url != site.url else site)
    return clean, logins


_ESCAPED = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_WEB_URL = re.compile(r"(?i)\bhttps?://[^\s<>\"'，。；、）]+")


def readable_url(url: str) -> str:
    """A URL as a person reads it (its IRI form): percent-escaped UTF-8 shown as the characters
    (`预算公开.xls`, not `%E9%A2%84…`) and an xn-- host in its own script. ASCII escapes
    (%2F, %20, %3F), invalid UTF-8, spaces and invisible or direction-control characters stay
    escaped, so the text still names the same resource. Links and stored values keep the URL
    exact: this is for display only."""

    def decode(match: re.Match[str]) -> str:
        try:
            text = bytes.fromhex(match.group(0).replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return match.group(0)
        return "".join(c if ord(c) > 127 and c.isprintable() else
                       "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text)

    shown = _ESCAPED.sub(decode, url)
    if "xn--" in shown.lower():
        with contextlib.suppress(ValueError):
            parts = urlsplit(shown)
            host = parts.hostname or ""
            labels = [_unicode_label(label) for label in host.split(".")]
            if labels and host and host in parts.netloc:
                shown = urlunsplit(parts._replace(netloc=parts.netloc.replace(
                    host, ".".join(labels), 1)))
    return shown


def readable_urls(text: str) -> str:
    """`text` with every http(s) URL in it shown by readable_url."""
    if "%" not in text and "xn--" not in text.lower():
        return text
    return _WEB_URL.sub(lambda m: readable_url(m.group(0)), text)


def _unicode_label(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label
