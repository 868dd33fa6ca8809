"""Link targets as a browser and the link checker read them: one normalisation for every rule.

`normalise_link(href, base, encoding)`: resolved against the page (and its `<base>`),
fragment dropped, non-ASCII paths percent-encoded as UTF-8, queries in the page's own
encoding as browsers do, escapes upper-cased; a link that is not http(s) gives (None, why).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx

_CONTROL = re.compile(r"[\t\n\r]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/!$&'()*+,;=:@~-._%"
_QUERY_SAFE = _PATH_SAFE + "?"
# A relative link of unreserved characters (no scheme, query, fragment or percent sign): it
# joins its base and needs no quoting; with no dot segment (see _plain_join) it needs no
# resolving either. Most links of a page are such.
_PLAIN = re.compile(r"[A-Za-z0-9/._~-]+")


def _quote(part: str, encoding: str, safe: str) -> str:
    part = _BAD_PERCENT.sub("%25", part)
    try:
        quoted = quote(part, safe=safe, encoding=encoding, errors="strict")
    except (UnicodeEncodeError, LookupError):
        quoted = quote(part, safe=safe, encoding="utf-8")
    return _ESCAPE.sub(lambda m: m.group().upper(), quoted)


def normalise_link(raw: str, base: str, encoding: str = "utf-8") -> tuple[str | None, str]:
    """(absolute normalised URL, "") for an http(s) link; (None, why) for one not checked.

    Raises ValueError for a URL that cannot be parsed.
    """
    raw = _CONTROL.sub("", raw).strip()
    if not raw or raw.startswith("#"):
        return None, "fragment"
    if _PLAIN.fullmatch(raw) and (joined := _plain_join(base, raw)) is not None:
        return joined, ""
    scheme = urlsplit(raw).scheme.lower()
    if scheme and scheme not in ("http", "https") and len(scheme) > 1:
        return None, scheme
    parts = urlsplit(urljoin(base, raw))
    if parts.scheme.lower() not in ("http", "https"):
        return None, parts.scheme.lower() or "relative"
    if not parts.hostname:
        raise ValueError("no host")
    _ = parts.port  # ValueError for a port that is not a number in range
    path = _quote(parts.path or "/", "utf-8", _PATH_SAFE)
    query = _quote(parts.query, encoding or "utf-8", _QUERY_SAFE)
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    joined = urlunsplit((parts.scheme.lower(), netloc, path, query, ""))
    if netloc.isascii():
        return joined, ""
    try:  # a non-ASCII host: httpx applies IDNA
        return str(httpx.URL(joined)), ""
    except httpx.InvalidURL as exc:
        raise ValueError(str(exc)) from None


@functools.lru_cache(maxsize=64)
def _plain_base(base: str) -> tuple[str, str] | None:
    """(scheme://host, directory) of a base URL that plain links join by concatenation."""
    parts = urlsplit(base)
    path = parts.path or "/"
    if (parts.scheme.lower() not in ("http", "https") or not parts.netloc.isascii()
            or "@" in parts.netloc or not parts.hostname or not _PLAIN.fullmatch(path)
            or "/." in path or "//" in path or not path.startswith("/")):
        return None
    try:
        _ = parts.port
    except ValueError:
        return None  # a bad port: the full path raises it for the link
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", path[:path.rfind("/") + 1]


def _plain_join(base: str, raw: str) -> str | None:
    """What normalise_link makes of a plain link, or None when it needs the full path."""
    # a host ("//x"), dot segments to resolve, or empty segments (which urljoin drops)
    if "//" in raw or "/." in "/" + raw:
        return None
    parts = _plain_base(base)
    if parts is None:
        return None
    origin, directory = parts
    return origin + (raw if raw.startswith("/") else directory + raw)


def skipped_host(url: str, hosts: Iterable[str]) -> bool:
    """Whether `url` leads to one of `hosts` (--skip-host): such a link is not checked."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL: checked (and found malformed) as it is
        return False
    return bool(host) and host in {h.strip().lower() for h in hosts}
