"""Link checks over aiohttp: a status and a final URL per link, bodies never used.

aiohttp parses responses with llhttp (C) and keeps one connection pool with
a DNS cache; httpx's stack (anyio, h11, httpcore) cost several times the CPU
of the exchange itself. The guards are the ones of the httpx fetches: a total
deadline per check, redirects followed here one hop at a time and capped,
every hop checked against the AddressPolicy before it is sent and the address
connected to checked once it answers, bodies drained up to a small cap (past
it the connection is dropped), credentials sent as a header (never in the URL
that errors and records could show), cookies kept across checks. Errors read
as those of the httpx fetches do.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Mapping

import aiohttp
import httpx
from yarl import URL

from govaudit.netpolicy import AddressPolicy
from govaudit.probes.fetch import (
    _DRAIN_BYTES,
    _REDIRECT_CODES,
    Fetcher,
    FetchLimits,
    LinkStatus,
    TooManyRedirects,
    _redirect_url,
    describe_error,
    is_timeout,
    ssl_context,
    tls_reason,
)
from govaudit.urls import Origin, origin

# What yarl would quote differently from httpx: such URLs are encoded by httpx first.
_NEEDS_QUOTING = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f]")


class _PeerResponse(aiohttp.ClientResponse):
    """A response that knows the address its connection went to."""

    peer: str | None = None

    async def start(self, connection: aiohttp.connector.Connection) -> aiohttp.ClientResponse:
        transport = connection.transport
        address = transport.get_extra_info("peername") if transport is not None else None
        self.peer = str(address[0]) if address else None
        return await super().start(connection)


def _target(url: str) -> URL:
    """The URL to request, encoded as httpx encodes it; other schemes refused as httpx does."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(
            f"Request URL has an unsupported protocol '{scheme}://'." if scheme else
            "Request URL is missing an 'http://' or 'https://' protocol.")
    if not url.isascii() or _NEEDS_QUOTING.search(url):
        url = str(httpx.URL(url))
    return URL(url, encoded=True)


def reason(exc: BaseException, limits: FetchLimits) -> str:
    """A short, stable reason for a failed check, worded as describe_error words httpx's."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return "connect timeout"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return "read timeout"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        exc = exc.certificate_error  # the ssl error itself, which tls_reason reads
    elif isinstance(exc, aiohttp.ClientSSLError):
        exc = exc.os_error
    tls = tls_reason(exc)
    if tls:
        return f"TLS error: {tls}"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        cause = exc.os_error
        return f"DNS lookup failed ({getattr(cause, 'strerror', None) or cause})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection refused"
        return f"connect error ({exc.os_error})"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"protocol error ({exc.message})"
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return f"protocol error ({exc})"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL ({exc})"
    return describe_error(exc, limits)


class LinkSession:
    """At most `concurrency` checks at once over one aiohttp connection pool."""

    def __init__(self, limits: FetchLimits, headers: Mapping[str, str], concurrency: int,
                 credentials: Mapping[Origin, tuple[str, str]],
                 local_address: str | None = None) -> None:
        self.limits = limits
        self._credentials = credentials
        self._slots = asyncio.Semaphore(max(1, concurrency))
        family = socket.AF_INET6 if local_address and ":" in local_address else socket.AF_UNSPEC
        connector = aiohttp.TCPConnector(
            limit=0, limit_per_host=0, keepalive_timeout=15.0, ttl_dns_cache=300,
            ssl=ssl_context(True), family=family,
            local_addr=(local_address, 0) if local_address else None)
        self._session = aiohttp.ClientSession(
            connector=connector, headers=dict(headers), response_class=_PeerResponse,
            cookie_jar=aiohttp.CookieJar(unsafe=True), trust_env=False,
            auto_decompress=False, skip_auto_headers=("Accept-Encoding",),
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=min(limits.connect_timeout, limits.deadline),
                sock_read=limits.deadline))

    async def aclose(self) -> None:
        await self._session.close()

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        """Status and final URL of a request (redirects followed); the body is not used."""
        async with self._slots:  # the wait for a slot is not part of the deadline
            try:
                async with asyncio.timeout(self.limits.deadline):
                    return await self._follow(url, method, policy)
            except Exception as exc:
                return LinkStatus(None, "", reason(exc, self.limits), is_timeout(exc))

    async def _follow(self, url: str, method: str, policy: AddressPolicy | None) -> LinkStatus:
        history: list[str] = []
        current = url
        while True:
            redirect = bool(history)
            target = _target(current)
            if policy is not None:
                await policy.check(str(target), redirect)
            status, location = await self._exchange(method, target, policy, redirect)
            if status not in _REDIRECT_CODES or location is None:
                return LinkStatus(status, str(target))
            history.append(str(target))
            current = str(_redirect_url(httpx.URL(str(target)), location))
            if len(history) > self.limits.max_redirects:
                raise TooManyRedirects(history + [current], self.limits.max_redirects)

    async def _exchange(self, method: str, url: URL, policy: AddressPolicy | None,
                        redirect: bool) -> tuple[int, str | None]:
        """One request, its small body drained; (status, Location header or None)."""
        authorization = self._authorization(url)
        headers = {"Authorization": authorization} if authorization else None
        async with self._session.request(
                method, url.with_user(None) if url.raw_user or url.raw_password else url,
                headers=headers, allow_redirects=False) as response:
            if policy is not None:
                assert isinstance(response, _PeerResponse)
                policy.check_peer(str(url), response.peer, redirect)
            size = 0
            async for chunk in response.content.iter_any():
                size += len(chunk)
                if size > _DRAIN_BYTES:
                    break  # left unread, the connection is closed rather than reused
            return response.status, response.headers.get("Location")

    def _authorization(self, url: URL) -> str:
        """The basic-auth header value for a URL: its own userinfo, else its origin's; or ""."""
        if url.raw_user or url.raw_password:
            pair: tuple[str, str] | None = (url.user or "", url.password or "")
        elif not self._credentials:
            return ""
        else:
            key = origin(str(url))
            pair = self._credentials.get(key) if key is not None else None
        return aiohttp.BasicAuth(*pair).encode() if pair is not None else ""


class LinkFetcher(Fetcher):
    """A Fetcher whose `status` checks go over aiohttp (a LinkSession), pages over httpx.

    With a proxy in the environment `status` goes through the httpx clients.
    """

    _links: LinkSession | None = None

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        if self._proxied:
            return await super().status(url, method, policy)
        if self._links is None:
            self._links = LinkSession(self.limits, self._default_headers(), self.lanes,
                                      self._credentials, self._local_address)
        return await self._links.status(url, method, policy)

    async def aclose(self) -> None:
        await super().aclose()
        if self._links is not None:
            await self._links.aclose()
            self._links = None
