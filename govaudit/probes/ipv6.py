"""IPv6: does the host have an AAAA record, and does it answer HTTP over IPv6?"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from govaudit.i18n import _
from govaudit.probes.fetch import Fetcher, FetchLimits


async def ipv6_addresses(host: str, port: int) -> tuple[list[str], str]:
    """The host's IPv6 addresses (an IPv6 literal is its own) and the lookup error, if any."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if literal.version == 6:
            return [literal.compressed], ""
        return [], _("the site URL names the IPv4 address {host}").format(host=host)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, family=socket.AF_INET6,
                                       type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return [], _("no AAAA record ({reason})").format(reason=exc.strerror or exc)
    return list(dict.fromkeys(str(info[4][0]) for info in infos)), ""


async def probe_ipv6(url: str, limits: FetchLimits) -> dict[str, Any]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses, lookup_error = await ipv6_addresses(host, port)
    result: dict[str, Any] = {"host": host, "aaaa": addresses, "has_aaaa": bool(addresses),
                              "reachable": False, "status": None, "error": lookup_error}
    if not addresses:
        result["error"] = lookup_error or _("no AAAA record")
        return result
    # Binding the client to "::" makes every connection go over IPv6.
    async with Fetcher(limits, lanes=1, per_lane=1, local_address="::") as fetcher:
        page = await fetcher.page(url, read_body=False, follow_redirects=False,
                                  tls_fallback=True)
    result["status"] = page.status
    result["reachable"] = page.status is not None
    result["error"] = page.error
    result["tls_error"] = page.tls_error
    return result
