"""Fetching over HTTP with httpx: size caps, redirect caps, total deadlines, decoding.

Character sets are govaudit.probes.charset.

Every request runs under a total deadline (asyncio.timeout), because httpx's
timeouts apply per network operation: a server that trickles one byte a second
never trips a read timeout but does trip the deadline. Redirects are followed
here, one hop at a time, so that a redirect's own body is never read beyond a
small cap either. Bodies are read in chunks up to a size cap and only when the
response is HTML; anything else is never read or parsed. Content-Encodings are undone
here, not by httpx, each layer a bounded piece at a time, so that a compression bomb
ends as a recorded reason.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import socket
import ssl
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from govaudit.netpolicy import AddressPolicy, DestinationRefused, check_scheme
from govaudit.probes.charset import decode_html
from govaudit.urls import Origin, origin
from govaudit.version import __version__

try:  # br is asked for and decoded only with a brotli that can bound its output (>= 1.2)
    import brotli
except ImportError:
    brotli = None
if brotli is not None and not hasattr(brotli.Decompressor, "can_accept_more_data"):
    brotli = None

USER_AGENT = (f"Mozilla/5.0 (compatible; govaudit/{__version__}; "
              "government website evaluation)")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# A redirect's or an error page's body is read up to this size so that the connection can
# be reused; beyond it the connection is dropped instead.
_DRAIN_BYTES = 65_536
# What a link check keeps of an HTML answer: enough for a soft 404's title and text and for a
# challenge page (govaudit.page.verdicts, govaudit.page.challenges).
LINK_BODY_BYTES = 32_768
# The headers a link check keeps: the body's type, and those a challenge vendor shows in.
KEPT_HEADERS = ("content-type", "set-cookie", "server", "x-powered-by")
_REDIRECT_CODES = (301, 302, 303, 307, 308)
# Content-Encodings decoded here, each layer a bounded piece at a time (see _BodyDecoder).
ACCEPT_ENCODING = "gzip, deflate" + (", br" if brotli is not None else "")
_PIECE = 65_536  # the most one decoding step produces
RESET_REASON = "connection reset by the server"


@dataclass
class FetchLimits:
    """Caps for every request: body size, redirects, and time."""

    max_bytes: int = 5_000_000
    deadline: float = 20.0  # seconds for a whole request: redirects and body included
    connect_timeout: float = 10.0
    max_redirects: int = 10
    user_agent: str = USER_AGENT


@dataclass
class Page:
    """One fetched URL: where it ended, what came back, the decoded HTML if it was HTML."""

    url: str
    final_url: str = ""
    status: int | None = None
    redirects: list[str] = field(default_factory=list)
    content_type: str = ""
    html: str | None = None
    encoding: str = ""
    encoding_source: str = ""
    size: int = 0
    truncated: bool = False
    elapsed_ms: float | None = None
    error: str = ""
    tls_error: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and self.status is not None and self.status < 400

    @property
    def failure(self) -> str:
        """Why the page counts as failed ("" when it did not fail)."""
        if self.error:
            return self.error
        if self.status is not None and self.status >= 400:
            return f"HTTP {self.status}"
        return ""


@dataclass
class LinkStatus:
    """The outcome of a link check: the final answer's status and, for an HTML answer, the
    start of its body (LINK_BODY_BYTES at most) and the headers a challenge is told by."""

    status: int | None
    final_url: str = ""
    error: str = ""
    timed_out: bool = False
    body: bytes | None = None  # the first LINK_BODY_BYTES of an HTML answer (None: not read)
    headers: dict[str, str] = field(default_factory=dict)  # KEPT_HEADERS, lower-cased names

    @property
    def html(self) -> bool:
        return is_html_type(self.headers.get("content-type", "text/html"))


class BodyRefused(Exception):
    """A body that cannot be decoded within the caps; the message is the recorded reason."""


class _ZlibLayer:
    """gzip or deflate, undone at most _PIECE bytes at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._raw_fallback = name == "deflate"
        self._head = b""  # what was fed before the first output, for the fallback
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | (16 if name != "deflate" else 0))

    @property
    def finished(self) -> bool:
        return self._obj.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._raw_fallback:
            self._head += data
        while not self._obj.eof:
            try:
                out = self._obj.decompress(data, _PIECE)
            except zlib.error as exc:
                if self._raw_fallback:
                    # servers often send raw deflate without the zlib header: try that
                    self._raw_fallback = False
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    data, self._head = self._head, b""
                    continue
                raise BodyRefused(f"cannot decode the {self.name} body ({exc})") from None
            if out:
                self._raw_fallback, self._head = False, b""
                yield out
            data = self._obj.unconsumed_tail
            if not data and len(out) < _PIECE:
                return  # no input left and no output pending


class _BrotliLayer:
    """br, undone at most about _PIECE bytes at a time."""

    name = "br"

    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    @property
    def finished(self) -> bool:
        return bool(self._obj.is_finished())

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            while not self._obj.is_finished():
                out = self._obj.process(data, output_buffer_limit=_PIECE)
                data = b""
                if out:
                    yield out
                if self._obj.can_accept_more_data():
                    return
        except brotli.error as exc:
            raise BodyRefused(f"cannot decode the br body ({exc})") from None


class _BodyDecoder:
    """Undoes a response's Content-Encoding as its raw bytes stream in.

    httpx's decoders inflate each network chunk whole, so one 64 KB chunk of a
    `gzip, gzip` bomb becomes gigabytes. Here every layer yields bounded pieces and
    stops with a reason once its output passes `cap`; an unknown coding is a reason
    too, not a body passed on still encoded.
    """

    def __init__(self, codings: list[str], cap: int) -> None:
        self.label = ", ".join(c.strip() for c in codings if c.strip())
        self.cap = cap
        self.layers: list[_ZlibLayer | _BrotliLayer] = []
        for coding in reversed([c.strip().lower() for c in codings]):  # the last applied first
            if coding in ("", "identity"):
                continue
            if coding in ("gzip", "x-gzip", "deflate"):
                self.layers.append(_ZlibLayer(coding))
            elif coding == "br" and brotli is not None:
                self.layers.append(_BrotliLayer())
            else:
                missing = " (brotli is not installed)" if coding == "br" else ""
                raise BodyRefused(f"unsupported Content-Encoding {coding!r}{missing}")
        self._sizes = [0] * len(self.layers)

    @property
    def finished(self) -> bool:
        """The outermost coding has ended: whatever follows is not part of the body."""
        return bool(self.layers) and self.layers[0].finished

    def decode(self, data: bytes, depth: int = 0) -> Iterator[bytes]:
        if depth == len(self.layers):
            yield data
            return
        layer = self.layers[depth]
        if layer.finished:
            return  # bytes after the end of a coded stream are dropped, as httpx does
        for piece in layer.feed(data):
            self._sizes[depth] += len(piece)
            if self._sizes[depth] > self.cap:
                raise BodyRefused(f"decoded body exceeds {self.cap / 1e6:g} MB "
                                  f"(Content-Encoding: {self.label})")
            yield from self.decode(piece, depth + 1)


class TooManyRedirects(Exception):  # noqa: N818 - mirrors httpx's name
    def __init__(self, chain: list[str], limit: int) -> None:
        self.chain = chain
        looped = len(set(chain)) < len(chain)
        what = "redirect loop" if looped else f"more than {limit} redirects"
        shown = " → ".join(chain[:3] + (["…"] if len(chain) > 3 else []))
        super().__init__(f"too many redirects ({what}: {shown})")


def is_html_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


def looks_like_html(start: bytes) -> bool:
    head = start[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta",
                            b"<title", b"<!--"))


def describe_error(exc: BaseException, limits: FetchLimits) -> str:
    """A short, stable reason for a failed request."""
    if isinstance(exc, TimeoutError):
        return f"deadline of {limits.deadline:g}s exceeded"
    if isinstance(exc, BodyRefused):
        return str(exc)
    if isinstance(exc, TooManyRedirects | DestinationRefused):
        return str(exc)
    tls = tls_reason(exc)
    if tls:
        return f"TLS error: {tls}"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"unsupported URL scheme ({exc})"
    if isinstance(exc, httpx.InvalidURL | ValueError):
        return f"invalid URL ({exc})"
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        cause = _root_cause(exc)
        if isinstance(cause, ConnectionRefusedError) or "refused" in text.lower():
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed ({cause.strerror or cause})"
        return f"connect error ({cause or text})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error ({text})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return RESET_REASON if _reset(exc) else f"connection broken while {_doing(exc)} ({text})"
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__} ({text})"
    return f"{type(exc).__name__}: {text}"


def _reset(exc: BaseException) -> bool:
    """Whether the server reset the connection (ECONNRESET, or nothing said at all)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionResetError | BrokenPipeError):
            return True
        current = current.__cause__ or current.__context__
    return str(exc).strip() in ("", type(exc).__name__) or "reset" in str(exc).lower()


def _doing(exc: BaseException) -> str:
    return "sending the request" if isinstance(exc, httpx.WriteError) else "reading the answer"


def _root_cause(exc: BaseException) -> BaseException | None:
    """The OS-level error behind a connect failure (anyio wraps it in a generic message)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError | socket.gaierror):
            return current
        nested = getattr(current, "exceptions", None)  # an ExceptionGroup of attempts
        if nested:
            found = [c for e in nested if (c := _root_cause(e)) is not None]
            if found:
                return found[0]
        current = current.__cause__ or current.__context__
    return None


def tls_reason(exc: BaseException) -> str:
    """The TLS failure behind an exception, or ""."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current.verify_message or str(current)
        if isinstance(current, ssl.SSLError):
            return current.reason or str(current)
        current = current.__cause__ or current.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
        return text
    return ""


def is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError | httpx.TimeoutException)


class _CertificatesOnFirstUse(ssl.SSLContext):
    """A verifying TLS context whose CA certificates are read at its first TLS connection,
    not when it is made: reading the bundle costs more than a run over http needs."""

    locations: dict[str, str]
    _loaded = False
    _lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if not self._loaded:
                self.load_verify_locations(**self.locations)
                self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if not self._loaded:
            self._load()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        if not self._loaded:
            self._load()
        return super().wrap_bio(*args, **kwargs)


def _verifying_context() -> ssl.SSLContext:
    """The context httpx.create_ssl_context makes (certifi's CA bundle, or $SSL_CERT_FILE,
    or $SSL_CERT_DIR), as ssl.create_default_context sets it up, its certificates read at
    its first use."""
    context = _CertificatesOnFirstUse(ssl.PROTOCOL_TLS_CLIENT)  # hostname checked, CERT_REQUIRED
    if os.environ.get("SSL_CERT_FILE"):
        context.locations = {"cafile": os.environ["SSL_CERT_FILE"]}
    elif os.environ.get("SSL_CERT_DIR"):
        context.locations = {"capath": os.environ["SSL_CERT_DIR"]}
    else:
        import certifi

        context.locations = {"cafile": certifi.where()}
    if sys.version_info >= (3, 13):  # what create_default_context sets there
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    return context


@functools.cache
def ssl_context(verify: bool) -> ssl.SSLContext:
    """One TLS context per kind, shared by every client (loading the CA bundle is slow)."""
    if verify:
        return _verifying_context()
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class _Lane:
    """One lane: an httpx client."""

    client: httpx.AsyncClient


class Fetcher:
    """httpx clients with explicit limits: `lanes` requests at once, each on its own client.

    httpcore's pool does work proportional to its size on every request (it
    polls each idle connection), which made one shared pool of 20 connections
    the bottleneck of link checking. Each lane is a small client instead (at
    most `per_lane` keep-alive connections, for the hosts it visited last)
    and a request holds one lane for its duration, so at most `lanes`
    requests and `lanes × per_lane` connections are open. `local_address="::"`
    makes every connection go over IPv6; proxies from the environment are
    honoured otherwise. Certificate failures can be retried on an unverified
    client so that the page can still be examined.

    `credentials` maps an origin to the basic-auth (username, password) sent to it
    (a URL's own userinfo wins). Every hop must be http or https; a request given an
    AddressPolicy is checked before it is sent and after it connects, at every redirect hop.

    The link checker's LinkFetcher (govaudit.probes.linkcheck) sends `status`
    requests over libcurl instead.
    """

    def __init__(self, limits: FetchLimits | None = None, lanes: int = 10, per_lane: int = 4,
                 local_address: str | None = None,
                 credentials: Mapping[Origin, tuple[str, str]] | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._credentials = dict(credentials or {})
        self.lanes = max(1, lanes)
        self._per_lane = max(1, per_lane)
        self._local_address = local_address
        self._lanes: list[_Lane] = []
        self._free: asyncio.Queue[_Lane] | None = None
        self._unverified: httpx.AsyncClient | None = None
        self._timeout = httpx.Timeout(self.limits.deadline,
                                      connect=min(self.limits.connect_timeout,
                                                  self.limits.deadline),
                                      pool=None)
        self._proxied = any(scheme in ("http", "https", "all")
                            for scheme in urllib.request.getproxies())

    def _new_client(self, verify: bool) -> httpx.AsyncClient:
        pool = httpx.Limits(max_connections=self._per_lane,
                            max_keepalive_connections=self._per_lane, keepalive_expiry=15.0)
        context = ssl_context(verify)
        options: dict[str, Any] = {}
        if self._local_address:
            options["transport"] = httpx.AsyncHTTPTransport(
                verify=context, local_address=self._local_address, limits=pool, retries=0)
        client = httpx.AsyncClient(
            verify=context, limits=pool, timeout=self._timeout, follow_redirects=False,
            headers=self._default_headers(), **options)
        return client

    def _default_headers(self) -> dict[str, str]:
        """What every request sends."""
        return {"User-Agent": self.limits.user_agent,
                "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
                "Accept-Encoding": ACCEPT_ENCODING}

    async def _take_lane(self) -> _Lane:
        """A free lane (a new one while there are fewer than `lanes`); give it back after."""
        if self._free is None:
            self._free = asyncio.Queue()
        if self._free.empty() and len(self._lanes) < self.lanes:
            self._lanes.append(_Lane(self._new_client(verify=True)))
            return self._lanes[-1]
        return await self._free.get()

    def _give_back(self, lane: _Lane) -> None:
        if self._free is not None:
            self._free.put_nowait(lane)

    @asynccontextmanager
    async def _client(self, verify: bool = True) -> AsyncIterator[httpx.AsyncClient]:
        if verify:
            lane = await self._take_lane()
            try:
                yield lane.client
            finally:
                self._give_back(lane)
            return
        if self._unverified is None:
            self._unverified = self._new_client(verify=False)
        yield self._unverified

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for lane in self._lanes:
            await lane.client.aclose()
        if self._unverified is not None:
            await self._unverified.aclose()
        self._lanes = []
        self._free = None
        self._unverified = None

    async def page(self, url: str, read_body: bool = True, follow_redirects: bool = True,
                   tls_fallback: bool = False, policy: AddressPolicy | None = None) -> Page:
        """GET a URL; the body is read (capped) and decoded only when it is HTML.

        With `tls_fallback`, a certificate failure is recorded in `tls_error` and
        the page is fetched again without verification, so that its content can
        still be examined. A destination `policy` refuses is the page's error.
        """
        page = await self._get(url, read_body, follow_redirects, verify=True, policy=policy)
        if page.error.startswith("TLS error"):
            page.tls_error = page.error
            if tls_fallback:
                again = await self._get(url, read_body, follow_redirects, verify=False,
                                        policy=policy)
                again.tls_error = page.error
                return again
        return page

    async def _get(self, url: str, read_body: bool, follow_redirects: bool,
                   verify: bool, policy: AddressPolicy | None) -> Page:
        page = Page(url=url)
        started = time.perf_counter()
        try:
            async with self._client(verify) as client, asyncio.timeout(self.limits.deadline):
                started = time.perf_counter()  # latency leaves out the wait for a free lane
                resp = await self._open(client, "GET", url, follow_redirects, page.redirects,
                                        policy)
                try:
                    page.status = resp.status_code
                    page.final_url = str(resp.url)
                    page.content_type = resp.headers.get("content-type", "")
                    if read_body and (not page.content_type or is_html_type(page.content_type)):
                        body = await self._read(resp, self.limits.max_bytes)
                        page.size = len(body)
                        page.truncated = page.size >= self.limits.max_bytes
                        if page.content_type or looks_like_html(body):
                            page.html, page.encoding, page.encoding_source = decode_html(
                                body, page.content_type)
                finally:
                    await resp.aclose()
        except Exception as exc:  # every failure becomes a recorded reason
            page.error = describe_error(exc, self.limits)
            page.timed_out = is_timeout(exc)
        page.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return page

    async def download(self, url: str, cap: int, policy: AddressPolicy | None = None
                       ) -> tuple[bytes, int | None, str]:
        """A file of any type (an attachment): (at most `cap` + 1 bytes of its body, the size
        its Content-Length declares, the error ""). More than `cap` bytes read means the file
        is larger than `cap`; the rest is never downloaded."""
        try:
            async with self._client(True) as client, asyncio.timeout(self.limits.deadline):
                resp = await self._open(client, "GET", url, True, [], policy)
                try:
                    if resp.status_code >= 400:
                        return b"", None, f"HTTP {resp.status_code}"
                    declared = resp.headers.get("content-length", "")
                    size = int(declared) if declared.isdigit() else None
                    if size is not None and size > cap:
                        return b"", size, ""
                    return await self._read(resp, cap + 1), size, ""
                finally:
                    await resp.aclose()
        except Exception as exc:  # every failure becomes a recorded reason
            return b"", None, describe_error(exc, self.limits)

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        """Status and final URL of a request (redirects followed), and the start of an HTML
        answer's body (LinkStatus)."""
        lane = await self._take_lane()
        try:
            async with asyncio.timeout(self.limits.deadline):
                resp = await self._open(lane.client, method, url, True, [], policy)
                try:
                    headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                    found = LinkStatus(resp.status_code, str(resp.url), headers=headers)
                    if method != "HEAD" and found.html:
                        found.body = await self._body_start(resp, LINK_BODY_BYTES)
                    else:  # reading to the end (even a HEAD's empty body) keeps the connection
                        await self._drain(resp)
                    return found
                finally:
                    await resp.aclose()
        except Exception as exc:
            return LinkStatus(None, "", describe_error(exc, self.limits), is_timeout(exc))
        finally:
            self._give_back(lane)

    def start_check(self, url: str, policy: AddressPolicy | None, gate: Any,
                    plan: Any) -> asyncio.Future[Any] | None:
        """A link check driven by this fetcher itself (govaudit.probes.links: its CheckPlan,
        each request within `gate`, a Slots), its LinkResult's future; None where it is not
        (check_link then asks `status`)."""
        return None

    async def _open(self, client: httpx.AsyncClient, method: str, url: str, follow: bool,
                    history: list[str], policy: AddressPolicy | None = None) -> httpx.Response:
        """Send a request and follow its redirects; returns the last response, unread.

        Each hop is checked against `policy` before it is sent and once connected.
        """
        resp = await self._send(client, client.build_request(method, url), policy, False)
        while follow and resp.next_request is not None:
            history.append(str(resp.url))
            next_request = resp.next_request
            await self._drain(resp)
            await resp.aclose()
            if len(history) > self.limits.max_redirects:
                raise TooManyRedirects(history + [str(next_request.url)],
                                       self.limits.max_redirects)
            resp = await self._send(client, next_request, policy, True)
        return resp

    async def _send(self, client: httpx.AsyncClient, request: httpx.Request,
                    policy: AddressPolicy | None, redirect: bool) -> httpx.Response:
        """One hop: checked, with the origin's credentials, its connection checked too.

        A scheme other than http and https is refused with or without a policy (httpx
        would send a ws:// request as plain HTTP).
        """
        check_scheme(str(request.url), redirect)
        if policy is not None:
            await policy.check(str(request.url), redirect)
        # httpx drops Authorization on a redirect to another origin; that origin's own goes on
        authorization = self._authorization(request.url)
        if authorization and "authorization" not in request.headers:
            request.headers["Authorization"] = authorization
        resp = await client.send(request, stream=True)
        if policy is not None and not self._proxied:  # through a proxy, the peer is the proxy
            try:
                policy.check_peer(str(request.url), _peer_address(resp.extensions), redirect)
            except DestinationRefused:
                await resp.aclose()
                raise
        return resp

    def _authorization(self, url: httpx.URL) -> str:
        own = (url.username, url.password) if url.username or url.password else None
        return basic_authorization(str(url), own, self._credentials)

    @staticmethod
    async def _drain(resp: httpx.Response) -> None:
        """Read a small body to its end (undecoded) so that the connection can be reused."""
        size = 0
        async for chunk in resp.aiter_raw():
            size += len(chunk)
            if size > _DRAIN_BYTES:
                break

    @staticmethod
    async def _body_start(resp: httpx.Response, size: int) -> bytes:
        """The first `size` bytes of a body, its Content-Encoding undone; the rest is read
        (undecoded) up to the drain cap so that the connection can be reused."""
        decoder = _BodyDecoder(resp.headers.get_list("content-encoding", split_commas=True),
                               _DRAIN_BYTES * 16)
        kept = bytearray()
        raw = 0
        try:
            async for chunk in resp.aiter_raw():
                raw += len(chunk)
                if len(kept) < size:
                    for piece in decoder.decode(chunk):
                        kept += piece[:size - len(kept)]
                        if len(kept) >= size:
                            break
                if raw > _DRAIN_BYTES:
                    break
        except BodyRefused:
            pass  # what was decoded before is what there is to read
        return bytes(kept)

    @staticmethod
    async def _read(resp: httpx.Response, cap: int) -> bytes:
        """At most `cap` bytes of the body, its Content-Encoding undone as it streams in.

        A plain body is cut at `cap`; an encoded one that decodes (or arrives) past
        `cap` raises BodyRefused, so that a compression bomb is a recorded reason.
        """
        decoder = _BodyDecoder(resp.headers.get_list("content-encoding", split_commas=True),
                               cap)
        chunks: list[bytes] = []
        size = raw = 0
        async for chunk in resp.aiter_raw():
            raw += len(chunk)
            if decoder.layers and raw > cap:
                raise BodyRefused(f"encoded body exceeds {cap / 1e6:g} MB "
                                  f"(Content-Encoding: {decoder.label})")
            for piece in decoder.decode(chunk):
                room = cap - size
                chunks.append(piece[:room])
                size += min(len(piece), room)
                if size >= cap and not decoder.layers:
                    return b"".join(chunks)
            if decoder.finished:
                break
        return b"".join(chunks)


# Held around each request a visit or a link check makes to a URL: a per-host slot, the
# monitor's pacing.
Gate = Callable[[str], AbstractAsyncContextManager[Any]]


@asynccontextmanager
async def no_gate(_url: str) -> AsyncIterator[None]:
    yield


def basic_authorization(url: str, own: tuple[str, str] | None,
                        credentials: Mapping[Origin, tuple[str, str]]) -> str:
    """The basic-auth header value for a URL: its own userinfo, else its origin's; or ""."""
    pair = own
    if pair is None and credentials:
        key = origin(url)
        pair = credentials.get(key) if key is not None else None
    if pair is None:
        return ""
    return "Basic " + base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode("ascii")


def _redirect_url(current: httpx.URL, location: str) -> httpx.URL:
    """Where a Location header leads from `current`, resolved as httpx resolves it."""
    try:
        url = httpx.URL(location)
    except httpx.InvalidURL as exc:
        raise httpx.RemoteProtocolError(f"Invalid URL in location header: {exc}.") from None
    if url.scheme and not url.host:
        url = url.copy_with(host=current.host)
    if url.is_relative_url:
        url = current.join(url)
    if current.fragment and not url.fragment:
        url = url.copy_with(fragment=current.fragment)
    return url


def _peer_address(extensions: Mapping[str, Any]) -> str | None:
    """The IP address a response came from (its connection's peer), when known."""
    stream = extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    return str(address[0]) if address else None


def page_facts(page: Page) -> dict[str, Any]:
    """The JSON-friendly facts of a fetched page that the probes report."""
    return {"url": page.url, "final_url": page.final_url, "status": page.status,
            "encoding": page.encoding, "encoding_source": page.encoding_source,
            "size": page.size, "truncated": page.truncated, "tls_error": page.tls_error}
