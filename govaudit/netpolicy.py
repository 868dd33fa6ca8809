"""Which addresses the probes and the browser may reach: a site may not send them inward.

A redirect, a link or a frame can point at a private address (an internal admin
page, a router, the metadata service of a cloud machine); followed, its content
would end up in the evidence and the report. The rule: the URLs asked for (a
site's home page and its recorded pages) are fetched wherever they are, and
their origin (scheme, host, port; plus the https form of an http origin on the
default port) may be private — a site on an intranet works. Every other
destination must be public: one that resolves to a private address is refused,
unless the run allows private addresses (`--allow-private`).

"Private" is any address that is not globally routable (ipaddress's
is_global): loopback, RFC 1918, link-local, CGNAT 100.64/10, ULA fc00::/7, ::1,
0.0.0.0, documentation and reserved ranges, in IPv4-mapped IPv6 form too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

from govaudit.urls import Origin, origin, origin_text

ALLOW_HINT = "--allow-private allows it"


class PrivateAddressRefused(Exception):  # noqa: N818 - a refusal, not a failure
    """A request or redirect to a private address that the policy does not allow."""


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
    """Whether a request failed because this policy refused its private destination: the
    link was not checked, so it is "could not check", never "broken" (check and monitor)."""
    return ALLOW_HINT in error


def refusal_text(target: Origin, address: str, redirect: bool) -> str:
    what = "redirect" if redirect else "request"
    return (f"{what} to a private address {address} ({origin_text(target)}) refused; "
            f"{ALLOW_HINT}")


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

    async def refusal(self, url: str, redirect: bool = False) -> str:
        """Why `url` may not be requested ("" when it may)."""
        target = origin(url)
        if target is None or target in self.allowed:
            return ""
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
