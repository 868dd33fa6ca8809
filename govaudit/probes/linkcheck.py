"""Link checks over libcurl (pycurl): a status and a final URL per link, and the start of an
HTML answer's body (a soft 404, a challenge page).

libcurl does each exchange in C (connection reuse, a DNS cache, TLS); one
CurlMulti is driven by the asyncio loop, its sockets watched with
add_reader/add_writer and its timer with call_later, so a check costs a few
option calls instead of a Python HTTP stack. The guards are the ones of the
httpx fetches: a total deadline per check, redirects followed here one hop at
a time and capped, every hop refused unless http or https (curl's PROTOCOLS and
REDIR_PROTOCOLS say the same) and checked against the AddressPolicy before it is
sent and the address connected to checked before the request goes out (curl's
pre-request callback), bodies drained up to a small cap (past it the transfer
is dropped; the first LINK_BODY_BYTES of an HTML answer are kept), credentials
sent as a header (never in the URL that errors and records could show), cookies
kept across checks, proxies from the environment ignored. Errors read as those of
the httpx fetches do.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import sys
import time
from collections.abc import Callable, Mapping

import certifi
import httpx
import pycurl

from govaudit.netpolicy import AddressPolicy, PrivateAddressRefused, check_scheme
from govaudit.probes.fetch import (
    _DRAIN_BYTES,
    _REDIRECT_CODES,
    KEPT_HEADERS,
    LINK_BODY_BYTES,
    RESET_REASON,
    Fetcher,
    FetchLimits,
    LinkStatus,
    TooManyRedirects,
    _redirect_url,
    basic_authorization,
    describe_error,
    is_html_type,
    is_timeout,
)
from govaudit.urls import Origin, split_credentials

# What curl would take differently from httpx: such URLs are encoded by httpx first.
_NEEDS_QUOTING = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f]")
# curl's TLS failures (CURLE_SSL_*, CURLE_PEER_FAILED_VERIFICATION and kin)
_TLS_CODES = frozenset({35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})
_PROTOCOL_CODES = frozenset({1, 8, 16, 18, 52, 55, 56, 61, 92, 95})
# OpenSSL's own words inside curl's message, as Python's ssl module gives them
_VERIFY_RESULT = re.compile(r"(?:SSL certificate problem|verify result): (.+?)(?: \(\d+\))?$")
_NAME_MISMATCH = re.compile(r"subject name .*match.* '([^']*)'")
# Header lines: those of KEPT_HEADERS (the name as curl's header lines may space it), and
# Location, exactly so spelled.
_KEPT_LINE = re.compile(
    rb"^[ \t]*(" + b"|".join(re.escape(n.encode()) for n in KEPT_HEADERS) + rb")[ \t]*:(.*)$",
    re.I | re.M)
_LOCATION_LINE = re.compile(rb"^location:(.*)$", re.I | re.M)


class CurlFailure(Exception):
    """A transfer curl ended with an error; `reason` reads as describe_error's words."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class _Transfer:
    """One exchange on an easy handle: what its callbacks and curl's info said."""

    __slots__ = ("future", "url", "redirect", "policy", "lines", "read", "location", "html",
                 "drained", "cut", "refusal", "status", "code", "message", "os_errno",
                 "_headers", "kept")

    def __init__(self, future: asyncio.Future[None], url: str, redirect: bool,
                 policy: AddressPolicy | None) -> None:
        self.future = future
        self.url = url
        self.redirect = redirect
        self.policy = policy
        # the header lines as curl hands them over (list.append is the callback: no Python
        # frame per line), read once the answer's headers are all there (`headers`)
        self.lines: list[bytes] = []
        self.read = 0  # how many of `lines` `headers` has read
        self.location: bytes | None = None
        self.html: bool | None = None  # whether the answer is HTML, known at its first chunk
        self.drained = 0
        self.cut = False  # the body passed the drain cap: the transfer was stopped on purpose
        self.refusal = ""  # why the address connected to may not be used
        self.status = 0
        self.code = 0
        self.message = ""
        self.os_errno = 0
        self._headers: dict[str, str] = {}
        self.kept = bytearray()  # the start of an HTML body

    @property
    def headers(self) -> dict[str, str]:
        """KEPT_HEADERS of the last response (after any 1xx), and its Location."""
        lines = self.lines
        if self.read == len(lines):
            return self._headers
        start = self.read
        for index in range(len(lines) - 1, start - 1, -1):
            if lines[index][:5] == b"HTTP/":  # a new response (after a 1xx) starts
                self.location, self._headers, start = None, {}, index + 1
                break
        self.read = len(lines)
        block = b"".join(lines[start:])
        locations = _LOCATION_LINE.findall(block)
        if locations:
            self.location = locations[-1].strip()
        headers = self._headers
        for name, value in _KEPT_LINE.findall(block):
            key = name.lower().decode("latin-1")
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return headers

    def body(self, chunk: bytes) -> int | None:
        if self.html is None:
            self.html = is_html_type(self.headers.get("content-type", "text/html"))
        room = LINK_BODY_BYTES - len(self.kept)
        if room > 0 and self.html:
            self.kept += chunk[:room]
        self.drained += len(chunk)
        if self.drained > _DRAIN_BYTES:
            self.cut = True
            return 0  # fewer bytes than given: curl stops the transfer
        return None

    def before_request(self, peer: str, _local: str, _peer_port: int, _local_port: int) -> int:
        if self.policy is not None:
            self.refusal = self.policy.peer_refusal(self.url, peer, self.redirect)
            if self.refusal:
                return int(pycurl.PREREQFUNC_ABORT)
        return int(pycurl.PREREQFUNC_OK)


class _CurlLoop:
    """A CurlMulti run by the asyncio loop: at most one request per easy handle at a time."""

    def __init__(self, setup: Callable[[pycurl.Curl], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._setup = setup
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._share = pycurl.CurlShare()  # one cookie jar for every handle
        self._share.setopt(pycurl.SH_SHARE, pycurl.LOCK_DATA_COOKIE)
        self._timer: asyncio.Handle | None = None
        self._watched: dict[int, int] = {}  # fd -> the POLL_IN/POLL_OUT bits watched
        self._running: dict[pycurl.Curl, _Transfer] = {}
        self._idle: list[pycurl.Curl] = []
        self._checked: set[pycurl.Curl] = set()  # handles whose PREREQFUNCTION is set
        self._sent: dict[pycurl.Curl, list[str]] = {}  # each handle's HTTPHEADER list

    def _on_socket(self, what: int, fd: int, _multi: object, _data: object) -> None:
        loop, before = self._loop, self._watched.get(fd, 0)
        wanted = 0 if what == pycurl.POLL_REMOVE else what
        if wanted == before:
            return
        reading, writing = wanted & pycurl.POLL_IN, wanted & pycurl.POLL_OUT
        if before & pycurl.POLL_IN and not reading:
            loop.remove_reader(fd)
        elif reading and not before & pycurl.POLL_IN:
            loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        if before & pycurl.POLL_OUT and not writing:
            loop.remove_writer(fd)
        elif writing and not before & pycurl.POLL_OUT:
            loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        if wanted:
            self._watched[fd] = wanted
        else:
            del self._watched[fd]

    def _on_timer(self, milliseconds: int) -> None:
        # curl asks for a timer; acting on it here would re-enter curl, so it is scheduled
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if milliseconds >= 0:
            self._timer = (self._loop.call_soon(self._on_timeout) if milliseconds == 0 else
                           self._loop.call_later(milliseconds / 1000, self._on_timeout))

    def _on_timeout(self) -> None:
        self._timer = None
        self._act(pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, fd: int, action: int) -> None:
        while True:
            try:
                result, _running = self._multi.socket_action(fd, action)
            except pycurl.error as exc:
                result = exc.args[0]
            if result != pycurl.E_CALL_MULTI_PERFORM:
                break
        while True:
            queued, done, failed = self._multi.info_read()
            for handle in done:
                self._finish(handle, 0, "")
            for handle, code, message in failed:
                self._finish(handle, code, message)
            if not queued:
                break

    def _finish(self, handle: pycurl.Curl, code: int, message: str) -> None:
        transfer = self._running.pop(handle, None)
        self._multi.remove_handle(handle)
        if transfer is None:
            return
        transfer.code, transfer.message = code, message
        transfer.status = handle.getinfo(pycurl.RESPONSE_CODE)
        transfer.os_errno = handle.getinfo(pycurl.OS_ERRNO)
        if not transfer.future.done():
            transfer.future.set_result(None)

    async def exchange(self, method: str, url: str, headers: list[str], timeout_ms: int,
                       policy: AddressPolicy | None, redirect: bool) -> _Transfer:
        """One request, its body drained up to the cap; what curl saw."""
        handle = self._idle.pop() if self._idle else self._new_handle()
        transfer = _Transfer(self._loop.create_future(), url, redirect, policy)
        handle.setopt(pycurl.URL, url)
        if method == "HEAD":
            handle.setopt(pycurl.NOBODY, 1)
        else:
            handle.setopt(pycurl.HTTPGET, 1)
            if method != "GET":
                handle.setopt(pycurl.CUSTOMREQUEST, method)
        if self._sent.get(handle) is not headers:  # the same list as last time: set already
            handle.setopt(pycurl.HTTPHEADER, headers)
            self._sent[handle] = headers
        handle.setopt(pycurl.TIMEOUT_MS, timeout_ms)
        handle.setopt(pycurl.HEADERFUNCTION, transfer.lines.append)
        handle.setopt(pycurl.WRITEFUNCTION, transfer.body)
        # the connection is checked only where the policy could refuse it (not the origins
        # asked for, whose every address is allowed)
        if policy is not None and not policy.allows(url):
            handle.setopt(pycurl.PREREQFUNCTION, transfer.before_request)
            self._checked.add(handle)
        elif handle in self._checked:
            handle.unsetopt(pycurl.PREREQFUNCTION)
            self._checked.discard(handle)
        self._running[handle] = transfer
        self._multi.add_handle(handle)
        try:
            await transfer.future
        finally:
            if self._running.pop(handle, None) is not None:  # cancelled: taken off the multi
                self._multi.remove_handle(handle)
            if method not in ("HEAD", "GET"):
                handle.setopt(pycurl.CUSTOMREQUEST, None)
            self._idle.append(handle)
        return transfer

    def _new_handle(self) -> pycurl.Curl:
        handle = pycurl.Curl()
        handle.setopt(pycurl.SHARE, self._share)
        handle.setopt(pycurl.COOKIEFILE, "")  # the cookie engine on, no file read
        self._setup(handle)
        return handle

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for handle, transfer in list(self._running.items()):
            self._multi.remove_handle(handle)
            if not transfer.future.done():
                transfer.future.cancel()
        for fd in self._watched:
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
        self._watched.clear()
        for handle in [*self._running, *self._idle]:
            handle.close()
        self._running.clear()
        self._idle.clear()
        self._checked.clear()
        self._sent.clear()
        self._multi.close()
        self._share.close()


def _target(url: str) -> str:
    """The URL to request (http or https: see check_scheme), encoded as httpx encodes it."""
    if not url.isascii() or _NEEDS_QUOTING.search(url):
        url = str(httpx.URL(url))
    return url


def _tls_detail(message: str) -> str:
    """curl's TLS message in the words tls_reason reads from Python's ssl errors."""
    if found := _VERIFY_RESULT.search(message):
        return found.group(1)
    if found := _NAME_MISMATCH.search(message):
        return f"Hostname mismatch, certificate is not valid for '{found.group(1)}'."
    return message


def reason(transfer: _Transfer) -> CurlFailure:
    """A failed transfer, worded as describe_error words httpx's failures."""
    code, message = transfer.code, transfer.message
    if code == pycurl.E_OPERATION_TIMEDOUT:
        # "Operation timed out after …" once connected; "Connection timed out …", "Failed to
        # connect … Timeout was reached" or "Resolving timed out …" before
        connected = message.startswith("Operation timed out")
        return CurlFailure("read timeout" if connected else "connect timeout", True)
    if code in _TLS_CODES:
        return CurlFailure(f"TLS error: {_tls_detail(message)}")
    if code in (pycurl.E_COULDNT_RESOLVE_HOST, pycurl.E_COULDNT_RESOLVE_PROXY):
        return CurlFailure(f"DNS lookup failed ({message})")
    if code == pycurl.E_COULDNT_CONNECT:
        if transfer.os_errno == errno.ECONNREFUSED:
            return CurlFailure("connection refused")
        cause = os.strerror(transfer.os_errno) if transfer.os_errno else message
        return CurlFailure(f"connect error ({cause})")
    if code == pycurl.E_URL_MALFORMAT:
        return CurlFailure(f"invalid URL ({message})")
    if code == pycurl.E_RECV_ERROR and "reset" in message.lower():
        return CurlFailure(RESET_REASON)
    if code in _PROTOCOL_CODES:
        return CurlFailure(f"protocol error ({message})")
    return CurlFailure(f"connect error ({message or f'curl error {code}'})")


class LinkSession:
    """At most `concurrency` checks at once over one libcurl connection pool."""

    def __init__(self, limits: FetchLimits, headers: Mapping[str, str], concurrency: int,
                 credentials: Mapping[Origin, tuple[str, str]],
                 local_address: str | None = None) -> None:
        self.limits = limits
        self._credentials = credentials
        self._slots = asyncio.Semaphore(max(1, concurrency))
        # Accept-Encoding is not sent: the bodies are never read
        self._headers = [f"{name}: {value}" for name, value in headers.items()
                         if name.lower() != "accept-encoding"]
        self._connect_ms = round(min(limits.connect_timeout, limits.deadline) * 1000)
        self._local_address = local_address
        self._curl: _CurlLoop | None = None

    def _setup(self, handle: pycurl.Curl) -> None:
        """What every handle keeps from one request to the next."""
        handle.setopt(pycurl.NOSIGNAL, 1)
        handle.setopt(pycurl.PROXY, "")  # the environment's proxies are not used
        # only http and https, for a request and for a redirect (redirects are followed
        # here, one hop at a time, each checked; curl is told too, should it ever follow one)
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.REDIR_PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        handle.setopt(pycurl.CAINFO, os.environ.get("SSL_CERT_FILE") or certifi.where())
        if os.environ.get("SSL_CERT_DIR"):
            handle.setopt(pycurl.CAPATH, os.environ["SSL_CERT_DIR"])
        handle.setopt(pycurl.CONNECTTIMEOUT_MS, self._connect_ms)
        if self._local_address:
            handle.setopt(pycurl.INTERFACE, self._local_address)
            if ":" in self._local_address:
                handle.setopt(pycurl.IPRESOLVE, pycurl.IPRESOLVE_V6)

    async def aclose(self) -> None:
        if self._curl is not None:
            self._curl.close()
            self._curl = None

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        """Status and final URL of a request (redirects followed); the body is not used."""
        async with self._slots:  # the wait for a slot is not part of the deadline
            try:
                # curl ends each exchange within the deadline (a body still trickling in after
                # the answer came is cut: the answer stands); asyncio's is the backstop
                async with asyncio.timeout(self.limits.deadline + 0.5):
                    return await self._follow(url, method, policy,
                                              time.monotonic() + self.limits.deadline)
            except CurlFailure as exc:
                return LinkStatus(None, "", exc.reason, exc.timed_out)
            except Exception as exc:
                return LinkStatus(None, "", describe_error(exc, self.limits), is_timeout(exc))

    async def _follow(self, url: str, method: str, policy: AddressPolicy | None,
                      deadline: float) -> LinkStatus:
        history: list[str] = []
        current = url
        while True:
            redirect = bool(history)
            check_scheme(current, redirect)  # before curl sees it, at every hop
            target = _target(current)
            if policy is not None and not policy.allows(target):
                await policy.check(target, redirect)
            left_ms = round((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                raise TimeoutError
            transfer = await self._exchange(method, target, policy, redirect, left_ms)
            headers = transfer.headers  # read once the exchange is over (Location with them)
            status, location = transfer.status, _location(transfer)
            if status not in _REDIRECT_CODES or location is None:
                body = bytes(transfer.kept) if method != "HEAD" and transfer.kept else None
                return LinkStatus(status, target, body=body, headers=headers)
            history.append(target)
            current = str(_redirect_url(httpx.URL(target), location))
            if len(history) > self.limits.max_redirects:
                raise TooManyRedirects(history + [current], self.limits.max_redirects)

    async def _exchange(self, method: str, url: str, policy: AddressPolicy | None,
                        redirect: bool, timeout_ms: int) -> _Transfer:
        """One request: what curl saw of it."""
        if self._curl is None:
            self._curl = _CurlLoop(self._setup)
        bare, userinfo = split_credentials(url) if "@" in url else (url, None)
        headers = self._headers
        authorization = basic_authorization(url, userinfo, self._credentials)
        if authorization:
            headers = [*headers, f"Authorization: {authorization}"]
        transfer = await self._curl.exchange(method, bare, headers, timeout_ms, policy,
                                             redirect)
        if transfer.refusal:
            raise PrivateAddressRefused(transfer.refusal)
        answered = transfer.status > 0 and transfer.code == pycurl.E_OPERATION_TIMEDOUT
        if transfer.code and not answered and not (
                transfer.code == pycurl.E_WRITE_ERROR and transfer.cut):
            raise reason(transfer)
        return transfer


def _location(transfer: _Transfer) -> str | None:
    """The Location header of a transfer's answer, or None."""
    location = transfer.location
    if location is None:
        return None
    try:
        return location.decode()
    except UnicodeDecodeError:
        return location.decode("latin-1")


class LinkFetcher(Fetcher):
    """A Fetcher whose `status` checks go over libcurl (a LinkSession), pages over httpx.

    With a proxy in the environment `status` goes through the httpx clients, as it does on
    Windows, whose default event loop cannot watch curl's sockets.
    """

    _links: LinkSession | None = None

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        if self._proxied or sys.platform == "win32":
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
