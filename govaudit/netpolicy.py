"""Which addresses the probes and the browser may reach: a site may not send them inward.

A redirect, a link or a frame can point at a private address (an internal admin
page, a router, the metadata service of a cloud machine); followed, its content
would end up in the evidence and the report. The rule: the URLs asked for (a
site's home page and its recorded pages) are fetched wherever they are, and
their origin (scheme, host, port; plus the https form of an http origin on the
default port) may be private — a site on an intranet works. Every other
destination must be public: one that resolves to a private address is refused,
unless the run allows private addresses (`--allow-private`).

The HTTP clients (httpx and libcurl) follow only http and https, at every hop and whatever
the run allows: a redirect to ws://, ftp://, file://, gopher:// or any other scheme is
refused (`check_scheme`), since a client that speaks it (httpx speaks ws:// as plain HTTP)
would fetch what the site points at by another door. (The policy's own checks pass other
schemes: the browser's data:, blob: and about: URLs go through them.) A refused
destination is not judged: "could not check", never "up", "down" or "broken".

"Private" is any address that is not globally routable (ipaddress's
is_global): loopback, RFC 1918, link-local, CGNAT 100.64/10, ULA fc00::/7, ::1,
0.0.0.0, documentation and reserved ranges, in IPv4-mapped IPv6 form too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

from govaudit.i18n import _
from govaudit.urls import Origin, origin, origin_text, redact_url

# The stable marks a refusal's recorded reason ends with, whatever the language it is written
# in: refused_private() decides by them, and the CLI adds how to allow private addresses.
PRIVATE_MARK = "[netpolicy:private]"
SCHEME_MARK = "[netpolicy:scheme]"
# what results stored by earlier versions said instead (read, never written)
_EARLIER_MARKS = ("allow-private allows it", "only http and https are followed")
SCHEMES = ("http://", "https://")


class DestinationRefused(Exception):  # noqa: N818 - a refusal, not a failure
    """A request or redirect this policy does not send; the message is the recorded reason."""


class PrivateAddressRefused(DestinationRefused):
    """A request or redirect to a private address that the policy does not allow."""


class SchemeRefused(DestinationRefused):
    """A request or redirect to a URL whose scheme is not http or https."""


def is_private(address: str) -> bool:
    """Whether an IP address (text, IPv6 zone allowed) is not globally routable."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def refused_private(error: str) -> bool:
    """Whether a request failed because this policy refused its destination (a private
    address, or a scheme other than http and https): it was not sent, so it is "could not
    check", never "broken" nor "up" (check and monitor)."""
    return (PRIVATE_MARK in error or SCHEME_MARK in error
            or any(mark in error for mark in _EARLIER_MARKS))


def scheme_refusal(url: str, redirect: bool = False) -> str:
    """Why `url` may not be requested for its scheme ("" for http and https)."""
    if url[:8].lower().startswith(SCHEMES):
        return ""
    text = (_("redirect to a non-http URL {url} refused; only http and https are followed")
            if redirect else
            _("request to a non-http URL {url} refused; only http and https are followed"))
    return f"{text.format(url=redact_url(url)[:200])} {SCHEME_MARK}"


def check_scheme(url: str, redirect: bool = False) -> None:
    """Raise SchemeRefused unless `url` is http or https."""
    reason = scheme_refusal(url, redirect)
    if reason:
        raise SchemeRefused(reason)


def refusal_text(target: Origin, address: str, redirect: bool) -> str:
    text = (_("redirect to a private address {address} ({origin}) refused")
            if redirect else _("request to a private address {address} ({origin}) refused"))
    return f"{text.format(address=address, origin=origin_text(target))} {PRIVATE_MARK}"


class AddressPolicy:
    """Refuses private destinations outside the origins of the URLs asked for.

    Host names are resolved (once per policy) to find out where they lead;
    after connecting, the address actually connected to is checked too, so a
    name that resolves differently the second time gains nothing.
    """

    def __init__(self, asked: Iterable[str] = ()) -> None:
        self.allowed: set[Origin] = set()
        for url in asked:
            own = origin(url)
            if own is None:
                continue
            self.allowed.add(own)
            scheme, host, port = own
            if scheme == "http" and port == 80:
                self.allowed.add(("https", host, 443))
        self._resolved: dict[tuple[str, int], list[str]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """Where a host name leads (an IP address is its own); [] when it does not resolve."""
        try:
            return [ipaddress.ip_address(host.split("%", 1)[0]).compressed]
        except ValueError:
            pass
        key = (host, port)
        if key not in self._resolved:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError):
                return []  # the connection reports the failed lookup itself
            self._resolved[key] = list(dict.fromkeys(str(info[4][0]) for info in infos))
        return self._resolved[key]

    def allows(self, url: str) -> bool:
        """Whether `url` is on an origin asked for: every address of it may be used."""
        return origin(url) in self.allowed

    async def refusal(self, url: str, redirect: bool = False) -> str:
        """Why `url` may not be requested ("" when it may)."""
        target = origin(url)
        if target is None or target in self.allowed:
            return ""  # other schemes: the transports' own rule (check_scheme)
        for address in await self.addresses(target[1], target[2]):
            if is_private(address):
                return refusal_text(target, address, redirect)
        return ""

    def peer_refusal(self, url: str, address: str | None, redirect: bool = False) -> str:
        """Why a connection made for `url` to `address` may not be used ("" when it may)."""
        target = origin(url)
        if not address or target is None or target in self.allowed or not is_private(address):
            return ""
        return refusal_text(target, address, redirect)

    async def check(self, url: str, redirect: bool = False) -> None:
        """Raise PrivateAddressRefused when `url` may not be requested."""
        reason = await self.refusal(url, redirect)
        if reason:
            raise PrivateAddressRefused(reason)

    def check_peer(self, url: str, address: str | None, redirect: bool = False) -> None:
        reason = self.peer_refusal(url, address, redirect)
        if reason:
            raise PrivateAddressRefused(reason)
