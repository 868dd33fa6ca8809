"""HTTPS: the certificate (validity, days to expiry, host name, chain complete and trusted), the
http -> https redirect, HSTS, and mixed content (http:// sub-resources of an https page, from
its HTML and from the requests the browser made).

Trust is judged against certifi's bundle unless a CA file is given. "Complete" means the
server sent every certificate between its own and a trusted root: the last one it sent is a
root, or was issued by a certificate of the trust bundle.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import certifi
import httpx
from cryptography import x509
from cryptography.x509.oid import NameOID
from selectolax.lexbor import LexborHTMLParser

from govaudit.conformance.evidence import Evidence
from govaudit.i18n import _

if TYPE_CHECKING:
    from playwright.async_api import Page

_NO_CHECK_TIME = 0x200000  # OpenSSL's X509_V_FLAG_NO_CHECK_TIME: trust judged apart from dates
_DER = 2  # _ssl.ENCODING_DER
EXPIRY_WARNING_DAYS = 30
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class CertificateFinding:
    url: str
    host: str
    subject: str
    issuer: str
    names: tuple[str, ...]  # subject alternative names (DNS and IP)
    not_before: datetime | None
    not_after: datetime | None
    days_left: int | None
    chain: tuple[str, ...]  # subjects of the certificates the server sent, leaf first
    chain_complete: bool
    trusted: bool  # the chain leads to a root of the trust bundle (dates aside)
    hostname_ok: bool
    error: str  # the verifier's message, or why no certificate could be read

    @property
    def in_date(self) -> bool:
        return self.days_left is not None and self.days_left >= 0 and \
            self.not_before is not None and self.not_before <= datetime.now(UTC)

    @property
    def passed(self) -> bool:
        """Valid: in date, for this host, with a complete chain to a trusted root."""
        return self.in_date and self.hostname_ok and self.trusted and self.chain_complete

    @property
    def problems(self) -> tuple[str, ...]:
        if self.not_after is None:
            return (self.error or _("no certificate"),)
        out = []
        if not self.in_date:
            out.append(_("outside its validity ({start} to {end})").format(
                start=f"{self.not_before:%Y-%m-%d}", end=f"{self.not_after:%Y-%m-%d}"))
        if not self.hostname_ok:
            out.append(_("not for {host} (it names {names})").format(
                host=self.host, names=", ".join(self.names) or self.subject))
        if not self.chain_complete:
            out.append(_("the chain is incomplete: the issuer of the last certificate sent "
                         "({last}) was neither sent nor trusted").format(
                last=self.chain[-1] if self.chain else "?"))
        elif not self.trusted:
            out.append(_("not trusted ({error})").format(error=self.error) if self.error
                       else _("not trusted"))
        return tuple(out)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return (Evidence(self.url, "", None, f"{self.subject}; issuer {self.issuer}; "
                         f"not after {self.not_after:%Y-%m-%d}" if self.not_after else self.error),)


@cache
def _bundle(ca_file: str) -> tuple[x509.Certificate, ...]:
    with warnings.catch_warnings():  # old roots with a negative serial number are still roots
        warnings.simplefilter("ignore")
        return tuple(x509.load_pem_x509_certificates(Path(ca_file).read_bytes()))


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def _names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return tuple(a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
                     if isinstance(a.value, str))
    return tuple(san.get_values_for_type(x509.DNSName)) + tuple(
        str(ip) for ip in san.get_values_for_type(x509.IPAddress))


def host_matches(host: str, names: tuple[str, ...]) -> bool:
    """RFC 6125 matching: exact, or one wildcard label standing for one whole left label."""
    host = host.lower().rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, Exception):  # wrong key or unsupported algorithm
        return False
    return True


def _chain_complete(chain: list[x509.Certificate], anchors: tuple[x509.Certificate, ...]) -> bool:
    if not chain:
        return False
    last = chain[-1]
    if last.issuer == last.subject and _issued_by(last, last):
        return True
    return any(_issued_by(last, anchor) for anchor in anchors)


def _presented_chain(sock: ssl.SSLSocket) -> list[bytes]:
    getter = getattr(sock, "get_unverified_chain", None)  # public from Python 3.13
    if getter is None:
        getter = getattr(getattr(sock, "_sslobj", None), "get_unverified_chain", None)
    if getter is not None:
        with contextlib.suppress(Exception):
            return [c if isinstance(c, bytes) else c.public_bytes(_DER) for c in getter() or []]
    leaf = sock.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def check_certificate(url: str, *, ca_file: str | None = None, address: str | None = None,
                      timeout: float = 10.0) -> CertificateFinding:
    """Read the certificate `url`'s server presents (connecting to `address` when given) and
    judge it. Never raises for a network fault: the finding says what failed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 443
    ca = ca_file or certifi.where()
    target = (address or host, port)
    blank = CertificateFinding(url, host, "", "", (), None, None, None, (), False, False,
                               False, "")
    try:
        plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        plain.check_hostname = False
        plain.verify_mode = ssl.CERT_NONE
        with socket.create_connection(target, timeout=timeout) as raw, \
                plain.wrap_socket(raw, server_hostname=host) as sock:
            der = _presented_chain(sock)
    except (OSError, ssl.SSLError) as exc:
        return _replace(blank, error=_("no TLS connection to {host}:{port} ({error})").format(
            host=host, port=port, error=exc))
    try:
        chain = [x509.load_der_x509_certificate(d) for d in der]
    except ValueError as exc:
        return _replace(blank, error=_("unreadable certificate ({error})").format(error=exc))
    if not chain:
        return _replace(blank, error=_("the server sent no certificate"))
    error = ""
    try:
        verify = ssl.create_default_context(cafile=ca)
        verify.check_hostname = False
        verify.verify_flags |= _NO_CHECK_TIME
        with socket.create_connection(target, timeout=timeout) as raw, \
                verify.wrap_socket(raw, server_hostname=host):
            trusted = True
    except ssl.SSLCertVerificationError as exc:
        trusted, error = False, str(exc.verify_message or exc)
    except (OSError, ssl.SSLError) as exc:
        trusted, error = False, str(exc)
    leaf = chain[0]
    not_after = leaf.not_valid_after_utc
    days_left = (not_after - datetime.now(UTC)).days
    return CertificateFinding(url, host, _name(leaf), leaf.issuer.rfc4514_string(), _names(leaf),
                              leaf.not_valid_before_utc, not_after, days_left,
                              tuple(_name(c) for c in chain), _chain_complete(chain, _bundle(ca)),
                              trusted, host_matches(host, _names(leaf)), error)


def _replace(finding: CertificateFinding, **changes: Any) -> CertificateFinding:
    from dataclasses import replace

    return replace(finding, **changes)


@dataclass(frozen=True)
class RedirectFinding:
    http_url: str
    hops: tuple[tuple[str, int], ...]  # (URL, status) of each answer
    final_url: str
    error: str

    @property
    def passed(self) -> bool:
        """The http URL ends, by redirects, on https at the same host."""
        first, last = urlsplit(self.http_url), urlsplit(self.final_url)
        return (not self.error and len(self.hops) > 1 and last.scheme == "https"
                and last.hostname == first.hostname)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(Evidence(url, "", None, str(status)) for url, status in self.hops)


async def check_redirect(url: str, *, timeout: float = 10.0,
                         verify: bool | ssl.SSLContext = False) -> RedirectFinding:
    """Ask the http:// form of `url` and follow its redirects (at most 5)."""
    parts = urlsplit(url)
    http_url = parts._replace(scheme="http").geturl() if parts.scheme == "https" else url
    if parts.scheme == "https" and parts.port == 443:
        http_url = parts._replace(scheme="http", netloc=parts.hostname or "").geturl()
    hops: list[tuple[str, int]] = []
    current = http_url
    async with httpx.AsyncClient(timeout=timeout, verify=verify,
                                 follow_redirects=False) as client:
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = await client.get(current)
                hops.append((current, response.status_code))
                location = response.headers.get("location")
                if not (response.is_redirect and location):
                    return RedirectFinding(http_url, tuple(hops), current, "")
                current = urljoin(current, location)
            return RedirectFinding(http_url, tuple(hops), current,
                                   f"more than {MAX_REDIRECTS} redirects")
        except httpx.HTTPError as exc:
            return RedirectFinding(http_url, tuple(hops), current,
                                   f"{current}: {type(exc).__name__} {exc}".strip())


@dataclass(frozen=True)
class HstsFinding:
    url: str
    header: str | None
    max_age: int | None
    include_subdomains: bool
    preload: bool

    @property
    def passed(self) -> bool:
        return bool(self.max_age)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return (Evidence(self.url, "", None, self.header or ""),)


def read_hsts(url: str, headers: dict[str, str] | httpx.Headers) -> HstsFinding:
    """Strict-Transport-Security from an https answer's headers (browsers ignore it over http)."""
    header = next((v for k, v in headers.items() if k.lower() == "strict-transport-security"),
                  None)
    if header is None or urlsplit(url).scheme != "https":
        return HstsFinding(url, header, None, False, False)
    directives = [d.strip().lower() for d in header.split(";")]
    max_age = next((int(m.group(1)) for d in directives
                    if (m := re.fullmatch(r'max-age\s*=\s*"?(\d+)"?', d))), None)
    return HstsFinding(url, header, max_age, "includesubdomains" in directives,
                       "preload" in directives)


async def check_hsts(url: str, *, timeout: float = 10.0,
                     verify: bool | ssl.SSLContext = False) -> HstsFinding:
    async with httpx.AsyncClient(timeout=timeout, verify=verify) as client:
        try:
            response = await client.get(url)
        except httpx.HTTPError:
            return HstsFinding(url, None, None, False, False)
    return read_hsts(str(response.url), response.headers)


# Sub-resources by element: (CSS selector, attribute, active?). Active mixed content (scripts,
# frames, styles, objects) is blocked by browsers; passive (images, media) is shown or upgraded.
_RESOURCES = (
    ("script[src]", "src", True), ("iframe[src]", "src", True), ("frame[src]", "src", True),
    ("link[href]", "href", True), ("object[data]", "data", True), ("embed[src]", "src", True),
    ("img[src]", "src", False), ("source[src]", "src", False), ("video[src]", "src", False),
    ("audio[src]", "src", False), ("input[type=image][src]", "src", False),
    ("video[poster]", "poster", False),
)
_LINK_RELS = ("stylesheet", "icon", "shortcut", "preload", "modulepreload", "manifest")


@dataclass(frozen=True)
class MixedItem:
    url: str
    active: bool
    evidence: Evidence
    blocked: bool = False  # the browser refused it (its console said so)


@dataclass(frozen=True)
class MixedContentFinding:
    page_url: str
    items: tuple[MixedItem, ...]

    @property
    def passed(self) -> bool:
        return urlsplit(self.page_url).scheme != "https" or not self.items

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(i.evidence for i in self.items)


def mixed_content_in_html(html: str, page_url: str) -> MixedContentFinding:
    """http:// sub-resources the HTML of an https page asks for (links to pages are not)."""
    if urlsplit(page_url).scheme != "https":
        return MixedContentFinding(page_url, ())
    tree = LexborHTMLParser(html)
    base_el = tree.css_first("base[href]")
    base = urljoin(page_url, base_el.attributes.get("href") or "") if base_el else page_url
    items: list[MixedItem] = []
    seen = set()
    for selector, attribute, active in _RESOURCES:
        for el in tree.css(selector):
            if el.tag == "link":
                rels = (el.attributes.get("rel") or "").lower().split()
                if not any(r in _LINK_RELS for r in rels):
                    continue
            raw = (el.attributes.get(attribute) or "").strip()
            url = urljoin(base, raw)
            if urlsplit(url).scheme == "http" and (url, selector) not in seen:
                seen.add((url, selector))
                items.append(MixedItem(url, active, Evidence(page_url, selector.split("[")[0],
                                                             None, url)))
        if selector.startswith("img"):
            for el in tree.css("img[srcset], source[srcset]"):
                for part in (el.attributes.get("srcset") or "").split(","):
                    url = urljoin(base, part.strip().split(" ")[0]) if part.strip() else ""
                    if urlsplit(url).scheme == "http" and (url, "srcset") not in seen:
                        seen.add((url, "srcset"))
                        items.append(MixedItem(url, False, Evidence(page_url, el.tag or "", None,
                                                                    url)))
    return MixedContentFinding(page_url, tuple(items))


_CONSOLE_MIXED = re.compile(r"Mixed Content: .*?requested an insecure (\w[\w ]*?) '([^']+)'"
                            r".*?(blocked|automatically upgraded)?", re.S)


_PASSIVE_TYPES = ("image", "media")


def mixed_content_from_requests(page_url: str, request_urls: list[str],
                                console: list[str] | tuple[str, ...] = (),
                                resource_types: dict[str, str] | None = None
                                ) -> MixedContentFinding:
    """Mixed content from what the browser did: http:// requests it made while loading an
    https page (active unless `resource_types` says image or media), and the "Mixed Content"
    messages of its console (for what it blocked or upgraded before any request)."""
    resource_types = resource_types or {}
    if urlsplit(page_url).scheme != "https":
        return MixedContentFinding(page_url, ())
    items: dict[str, MixedItem] = {}
    for message in console:
        for match in _CONSOLE_MIXED.finditer(message):
            kind, url = match.group(1), match.group(2)
            active = not kind.startswith(("image", "video", "audio", "favicon"))
            items.setdefault(url, MixedItem(url, active, Evidence(page_url, "", None, message),
                                            blocked="blocked" in message))
    for url in request_urls:
        if urlsplit(url).scheme == "http" and url not in items:
            active = resource_types.get(url, "image") not in _PASSIVE_TYPES
            items[url] = MixedItem(url, active, Evidence(page_url, "", None, url))
    return MixedContentFinding(page_url, tuple(items.values()))


class RequestLog:
    """What a page asks for while it loads: attach before `goto`, read after."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.types: dict[str, str] = {}
        self.console: list[str] = []
        page.on("request", self._request)
        page.on("console", lambda message: self.console.append(message.text))

    def _request(self, request: Any) -> None:
        self.requests.append(request.url)
        self.types.setdefault(request.url, request.resource_type)

    def mixed_content(self, page_url: str) -> MixedContentFinding:
        return mixed_content_from_requests(page_url, self.requests, self.console, self.types)
