"""Link checks over libcurl (pycurl): a status and a final URL per link, and the start of an
HTML answer's body (a soft 404, a challenge page).

libcurl does each exchange in C (connection reuse, a DNS cache, TLS); one
CurlMulti is driven by the asyncio loop (its sockets in an epoll of their own that
the loop watches, its timer a loop timer), and a check is driven by curl's
completions, a few callbacks and option calls, not a coroutine, a semaphore and a
timer of its own, nor a Python HTTP stack. The guards are the ones of the
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
import contextlib
import errno
import os
import re
import select
import selectors
import sys
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

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
from govaudit.probes.links import CheckPlan, LinkResult, Slots
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

    __slots__ = ("done", "url", "redirect", "policy", "handle", "lines", "read", "location",
                 "html", "drained", "cut", "refusal", "status", "code", "message", "os_errno",
                 "_headers", "kept")

    def __init__(self, done: Callable[[_Transfer], None], url: str, redirect: bool,
                 policy: AddressPolicy | None, handle: pycurl.Curl) -> None:
        self.done = done  # called once curl has finished the exchange
        self.handle = handle
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


class _Epoll:
    """curl's sockets in an epoll of their own. A socket curl stops watching stays in it until
    it reports (then it leaves) or is closed: curl stops watching a kept-alive connection at
    the end of each request and watches it again at the next, which costs one modify here."""

    _MASKS = (0, select.EPOLLIN, select.EPOLLOUT, select.EPOLLIN | select.EPOLLOUT)

    def __init__(self) -> None:
        self._epoll = select.epoll()
        self._wanted: dict[int, int] = {}  # fd -> curl's POLL_IN/POLL_OUT bits

    def fileno(self) -> int:
        return self._epoll.fileno()

    def watch(self, fd: int, what: int) -> None:
        if what == pycurl.POLL_REMOVE:
            self._wanted.pop(fd, None)
            return
        if self._wanted.get(fd) == what:
            return
        self._wanted[fd] = what
        mask = self._MASKS[what & 3]
        try:
            self._epoll.modify(fd, mask)
        except FileNotFoundError:  # not in the epoll (new, or closed since)
            self._epoll.register(fd, mask)

    def ready(self) -> list[tuple[int, int]]:
        """(fd, CSELECT_IN/OUT/ERR bits) of the sockets curl watches that are ready."""
        found = []
        for fd, events in self._epoll.poll(0):
            if fd not in self._wanted:
                with contextlib.suppress(OSError):
                    self._epoll.unregister(fd)
                continue
            bits = ((pycurl.CSELECT_IN if events & select.EPOLLIN else 0)
                    | (pycurl.CSELECT_OUT if events & select.EPOLLOUT else 0)
                    | (pycurl.CSELECT_ERR if events & (select.EPOLLERR | select.EPOLLHUP)
                       else 0))
            found.append((fd, bits))
        return found

    def close(self) -> None:
        self._epoll.close()
        self._wanted.clear()


class _Selector:
    """curl's sockets in a selector of their own (kqueue, poll), where there is no epoll."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._wanted: dict[int, int] = {}

    def fileno(self) -> int:
        return self._selector.fileno()

    def watch(self, fd: int, what: int) -> None:
        # curl's POLL_IN/POLL_OUT are the selector's EVENT_READ/EVENT_WRITE, and what it
        # reports are CSELECT_IN/CSELECT_OUT: the bits pass through unchanged
        wanted = 0 if what == pycurl.POLL_REMOVE else what
        before = self._wanted.get(fd, 0)
        if wanted == before:
            return
        if before:
            self._selector.unregister(fd)
        if wanted:
            self._selector.register(fd, wanted)
            self._wanted[fd] = wanted
        else:
            del self._wanted[fd]

    def ready(self) -> list[tuple[int, int]]:
        return [(key.fd, events) for key, events in self._selector.select(0)]

    def close(self) -> None:
        self._selector.close()
        self._wanted.clear()


class _CurlLoop:
    """A CurlMulti run by the asyncio loop: at most one request per easy handle at a time.

    curl's sockets are watched by an epoll (or selector) of their own, whose one descriptor
    the asyncio loop watches: no reader or writer is made and torn down in the loop at each
    request. A request's end calls its `done`: no task, future or timer of the loop's own is
    made for it (curl keeps its deadline).
    """

    def __init__(self, setup: Callable[[pycurl.Curl], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._setup = setup
        self._multi = pycurl.CurlMulti()
        self._sockets = _Epoll() if hasattr(select, "epoll") else _Selector()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._share = pycurl.CurlShare()  # one cookie jar for every handle
        self._share.setopt(pycurl.SH_SHARE, pycurl.LOCK_DATA_COOKIE)
        self._due: float | None = None  # when curl asked to be called (loop time)
        self._soon: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop.add_reader(self._sockets.fileno(), self._on_ready)
        self._running: dict[pycurl.Curl, _Transfer] = {}
        self._idle: list[pycurl.Curl] = []
        self._checked: set[pycurl.Curl] = set()  # handles whose PREREQFUNCTION is set
        self._sent: dict[pycurl.Curl, list[str]] = {}  # each handle's HTTPHEADER list
        self._custom: set[pycurl.Curl] = set()  # handles whose CUSTOMREQUEST is set

    def _on_socket(self, what: int, fd: int, _multi: object, _data: object) -> None:
        self._sockets.watch(fd, what)

    def _on_timer(self, milliseconds: int) -> None:
        # curl asks to be called at a time; acting here would re-enter curl, so it is
        # scheduled. A timer already set for an earlier time is kept (on firing it waits on
        # for the time asked): curl moves its time at nearly every request's start and end.
        if milliseconds < 0:
            self._due = None
            return
        self._due = due = self._loop.time() + milliseconds / 1000
        if milliseconds == 0:
            if self._soon is None:
                self._soon = self._loop.call_soon(self._on_soon)
            return
        timer = self._timer
        if timer is None or timer.when() > due:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(due, self._on_later)

    def _on_soon(self) -> None:
        self._soon = None
        self._on_due()

    def _on_later(self) -> None:
        self._timer = None
        self._on_due()

    def _on_due(self) -> None:
        due = self._due
        if due is None:
            return
        if due > self._loop.time():  # a later time was asked for since
            if self._timer is None:
                self._timer = self._loop.call_at(due, self._on_later)
            return
        self._due = None
        self._act(pycurl.SOCKET_TIMEOUT, 0)

    def _on_ready(self) -> None:
        action = self._multi.socket_action
        for fd, events in self._sockets.ready():
            try:  # noqa: SIM105 - once per ready socket: no context manager made each time
                action(fd, events)
            except pycurl.error:
                pass  # a socket curl has dropped meanwhile
        self._done()

    def _act(self, fd: int, action: int) -> None:
        while True:
            try:
                result, _running = self._multi.socket_action(fd, action)
            except pycurl.error as exc:
                result = exc.args[0]
            if result != pycurl.E_CALL_MULTI_PERFORM:
                break
        self._done()

    def _done(self) -> None:
        """End the requests curl has finished."""
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
        self._idle.append(handle)
        transfer.status = handle.getinfo(pycurl.RESPONSE_CODE)
        if code:
            transfer.code, transfer.message = code, message
            transfer.os_errno = handle.getinfo(pycurl.OS_ERRNO)
        try:
            transfer.done(transfer)
        except Exception as exc:  # a bug there must not stop the others' ends
            self._loop.call_exception_handler({"message": "link check failed", "exception": exc})

    def exchange(self, method: str, url: str, headers: list[str], timeout_ms: int,
                 policy: AddressPolicy | None, redirect: bool,
                 done: Callable[[_Transfer], None]) -> _Transfer:
        """One request started, its body drained up to the cap; `done` is given what curl saw
        (unless `cancel` took the request back)."""
        handle = self._idle.pop() if self._idle else self._new_handle()
        transfer = _Transfer(done, url, redirect, policy, handle)
        setopt = handle.setopt
        setopt(pycurl.URL, url)
        if method == "HEAD":
            setopt(pycurl.NOBODY, 1)
        else:
            setopt(pycurl.HTTPGET, 1)
            setopt(pycurl.WRITEFUNCTION, transfer.body)
        if method in ("HEAD", "GET"):
            if handle in self._custom:
                setopt(pycurl.CUSTOMREQUEST, None)
                self._custom.discard(handle)
        else:
            setopt(pycurl.CUSTOMREQUEST, method)
            self._custom.add(handle)
        if self._sent.get(handle) is not headers:  # the same list as last time: set already
            setopt(pycurl.HTTPHEADER, headers)
            self._sent[handle] = headers
        setopt(pycurl.TIMEOUT_MS, timeout_ms)
        setopt(pycurl.HEADERFUNCTION, transfer.lines.append)
        # the connection is checked only where the policy could refuse it (not the origins
        # asked for, whose every address is allowed)
        if policy is not None and not policy.allows(url):
            setopt(pycurl.PREREQFUNCTION, transfer.before_request)
            self._checked.add(handle)
        elif handle in self._checked:
            handle.unsetopt(pycurl.PREREQFUNCTION)
            self._checked.discard(handle)
        self._running[handle] = transfer
        self._multi.add_handle(handle)
        return transfer

    def cancel(self, transfer: _Transfer) -> None:
        """A request no longer wanted, taken off the multi (its handle idle again)."""
        handle = transfer.handle
        if self._running.get(handle) is transfer:
            del self._running[handle]
            self._multi.remove_handle(handle)
            self._idle.append(handle)

    def _new_handle(self) -> pycurl.Curl:
        handle = pycurl.Curl()
        handle.setopt(pycurl.SHARE, self._share)
        handle.setopt(pycurl.COOKIEFILE, "")  # the cookie engine on, no file read
        self._setup(handle)
        return handle

    def close(self) -> None:
        for timer in (self._soon, self._timer):
            if timer is not None:
                timer.cancel()
        self._soon = self._timer = self._due = None
        for handle in self._running:
            self._multi.remove_handle(handle)
        self._loop.remove_reader(self._sockets.fileno())
        self._sockets.close()
        for handle in [*self._running, *self._idle]:
            handle.close()
        self._running.clear()
        self._idle.clear()
        self._checked.clear()
        self._sent.clear()
        self._custom.clear()
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
    """At most `concurrency` requests at once over one libcurl connection pool.

    A request (`_Request`) and a whole link check (`_Check`, by CheckPlan) are driven by
    curl's completions, not by a coroutine each: `status` awaits one request, `start_check`
    gives a check's future.
    """

    def __init__(self, limits: FetchLimits, headers: Mapping[str, str], concurrency: int,
                 credentials: Mapping[Origin, tuple[str, str]],
                 local_address: str | None = None) -> None:
        self.limits = limits
        self._credentials = credentials
        self.slots = Slots(concurrency)  # the wait for one is not part of the deadline
        # Accept-Encoding is not sent: the bodies are never read
        self._headers = [f"{name}: {value}" for name, value in headers.items()
                         if name.lower() != "accept-encoding"]
        self._connect_ms = round(min(limits.connect_timeout, limits.deadline) * 1000)
        self._local_address = local_address
        self._curl: _CurlLoop | None = None
        self.closed = False

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
        self.closed = True  # a request still waiting for a slot is not started
        if self._curl is not None:
            self._curl.close()
            self._curl = None

    @property
    def curl(self) -> _CurlLoop:
        if self._curl is None:
            self._curl = _CurlLoop(self._setup)
        return self._curl

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        """Status and final URL of a request (redirects followed), and the start of an HTML
        answer's body (LinkStatus)."""
        answered: asyncio.Future[LinkStatus] = asyncio.get_running_loop().create_future()
        request = _Request(self, url, method, policy, partial(_settle, answered))
        self.slots.take(request.start)
        try:
            return await answered
        except asyncio.CancelledError:
            request.cancel()
            raise

    def start_check(self, url: str, policy: AddressPolicy | None, gate: Slots,
                    plan: CheckPlan) -> asyncio.Future[LinkResult]:
        """A link checked by `plan`, each request within a `gate` slot (its host's)."""
        check = _Check(self, url, policy, gate, plan)
        gate.take(check.ask)
        return check.future

    def exchange(self, method: str, url: str, policy: AddressPolicy | None, redirect: bool,
                 timeout_ms: int, done: Callable[[_Transfer], None]) -> _Transfer:
        """One request started, with its origin's credentials."""
        bare, userinfo = split_credentials(url) if "@" in url else (url, None)
        headers = self._headers
        authorization = basic_authorization(url, userinfo, self._credentials)
        if authorization:
            headers = [*headers, f"Authorization: {authorization}"]
        return self.curl.exchange(method, bare, headers, timeout_ms, policy, redirect, done)


def _settle(future: asyncio.Future[Any], value: object) -> None:
    if not future.done():
        future.set_result(value)


class _Request:
    """One status request: a slot of the session held, each hop checked and sent within the
    deadline, redirects followed one at a time; its LinkStatus is handed to `done`.

    curl ends each exchange within the time left (a body still trickling in after the answer
    came is cut: the answer stands); a look-up the policy makes is bounded by it too.
    """

    __slots__ = ("session", "method", "policy", "done", "current", "target", "history",
                 "deadline", "transfer", "lookup", "over")

    def __init__(self, session: LinkSession, url: str, method: str,
                 policy: AddressPolicy | None, done: Callable[[LinkStatus], None]) -> None:
        self.session = session
        self.method = method
        self.policy = policy
        self.done = done
        self.current = url
        self.target = url
        self.history: list[str] = []
        self.deadline = 0.0
        self.transfer: _Transfer | None = None
        self.lookup: asyncio.Future[None] | None = None
        self.over = False  # answered or cancelled

    def start(self) -> bool:
        """Holding a slot of the session: the first hop."""
        if self.over or self.session.closed:
            return False
        self.deadline = time.monotonic() + self.session.limits.deadline
        self._hop()
        return True

    def cancel(self) -> None:
        if self.over:
            return
        self.over = True
        if self.lookup is not None:
            self.lookup.cancel()
        if self.transfer is not None:
            self.session.curl.cancel(self.transfer)
        if self.deadline:  # it held a slot
            self.session.slots.give_back()

    def _hop(self) -> None:
        try:
            redirect = bool(self.history)
            check_scheme(self.current, redirect)  # before curl sees it, at every hop
            self.target = target = _target(self.current)
            policy = self.policy
            if policy is not None and not policy.allows(target):
                left = self.deadline - time.monotonic()
                self.lookup = lookup = asyncio.ensure_future(
                    asyncio.wait_for(policy.check(target, redirect), max(left, 0.001)))
                lookup.add_done_callback(self._looked_up)
            else:
                self._send()
        except Exception as exc:
            self._failed(exc)

    def _looked_up(self, lookup: asyncio.Future[None]) -> None:
        self.lookup = None
        if self.over or lookup.cancelled():
            return
        error = lookup.exception()
        if error is not None:
            self._failed(error)
        else:
            self._send()

    def _send(self) -> None:
        left_ms = round((self.deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            self._failed(TimeoutError())
            return
        self.transfer = self.session.exchange(self.method, self.target, self.policy,
                                              bool(self.history), left_ms, self._answered)

    def _answered(self, transfer: _Transfer) -> None:
        self.transfer = None
        if self.over:
            return
        try:
            _raise_failure(transfer)
            headers = transfer.headers  # read once the exchange is over (Location with them)
            status, location = transfer.status, _location(transfer)
            target = self.target
            if status not in _REDIRECT_CODES or location is None:
                body = bytes(transfer.kept) if self.method != "HEAD" and transfer.kept else None
                self._end(LinkStatus(status, target, body=body, headers=headers))
                return
            history = self.history
            history.append(target)
            self.current = str(_redirect_url(httpx.URL(target), location))
            limit = self.session.limits.max_redirects
            if len(history) > limit:
                raise TooManyRedirects(history + [self.current], limit)
        except CurlFailure as exc:
            self._end(LinkStatus(None, "", exc.reason, exc.timed_out))
            return
        except Exception as exc:
            self._failed(exc)
            return
        self._hop()

    def _failed(self, exc: BaseException) -> None:
        self._end(LinkStatus(None, "", describe_error(exc, self.session.limits),
                             is_timeout(exc)))

    def _end(self, result: LinkStatus) -> None:
        if self.over:
            return
        self.over = True
        self.session.slots.give_back()
        self.done(result)


class _Check:
    """One link checked by its CheckPlan: each request within a slot of its host (`gate`),
    a retry after its back-off; its LinkResult settles `future`."""

    __slots__ = ("session", "url", "policy", "gate", "plan", "future")

    def __init__(self, session: LinkSession, url: str, policy: AddressPolicy | None,
                 gate: Slots, plan: CheckPlan) -> None:
        self.session = session
        self.url = url
        self.policy = policy
        self.gate = gate
        self.plan = plan
        self.future: asyncio.Future[LinkResult] = asyncio.get_running_loop().create_future()

    def ask(self) -> bool:
        """Holding the host's slot: the next request."""
        if self.future.done():  # cancelled
            return False
        request = _Request(self.session, self.url, self.plan.method, self.policy,
                           self._answered)
        self.session.slots.take(request.start)
        return True

    def _answered(self, result: LinkStatus) -> None:
        self.gate.give_back()
        wait = self.plan.after(result)
        if wait is None:
            _settle(self.future, LinkResult.of(result))
        elif wait:
            asyncio.get_running_loop().call_later(wait, self.gate.take, self.ask)
        else:
            self.gate.take(self.ask)


def _raise_failure(transfer: _Transfer) -> None:
    """Raise what a finished exchange failed with (a refused address, curl's error); an
    answer whose body was cut (too slow, too large) stands."""
    if transfer.refusal:
        raise PrivateAddressRefused(transfer.refusal)
    answered = transfer.status > 0 and transfer.code == pycurl.E_OPERATION_TIMEDOUT
    if transfer.code and not answered and not (
            transfer.code == pycurl.E_WRITE_ERROR and transfer.cut):
        raise reason(transfer)


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

    @property
    def _session(self) -> LinkSession | None:
        """The libcurl session, or None where `status` goes through httpx."""
        if self._proxied or sys.platform == "win32":
            return None
        if self._links is None:
            self._links = LinkSession(self.limits, self._default_headers(), self.lanes,
                                      self._credentials, self._local_address)
        return self._links

    async def status(self, url: str, method: str = "HEAD",
                     policy: AddressPolicy | None = None) -> LinkStatus:
        session = self._session
        if session is None:
            return await super().status(url, method, policy)
        return await session.status(url, method, policy)

    def start_check(self, url: str, policy: AddressPolicy | None, gate: Slots,
                    plan: CheckPlan) -> asyncio.Future[LinkResult] | None:
        session = self._session
        return None if session is None else session.start_check(url, policy, gate, plan)

    async def aclose(self) -> None:
        await super().aclose()
        if self._links is not None:
            await self._links.aclose()
            self._links = None
