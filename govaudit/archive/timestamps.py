"""RFC 3161 trusted timestamps (可信时间戳) of run manifests, taken once per run, checked offline.

The TSA's answer (a TimeStampResp) is kept beside the file as `FILE.tsr`, the
TSA's certificate chain (PEM) as `FILE.tsa.pem`. When no timestamp could be
taken, `FILE.not-timestamped` says why, and `timestamp_file` can be run again
later.

A token is trusted only through the chain the workspace names ([evidence]
tsa_chain): the chain kept beside a token is a copy for a reader, never a
trust anchor, since whoever made the token can put one there. A third party
checks a token against the TSA's root certificate obtained from the TSA itself:
`openssl ts -verify -data FILE -in FILE.tsr -CAfile ROOT.pem -untrusted FILE.tsa.pem`.

The TSA is asked once, within `timeout_s` overall (a TSA that answers a byte a
second is cut off at the deadline), and its answer is read up to
MAX_ANSWER_BYTES as it streams in.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.archive.verdict import ABSENT, INVALID, OK, UNTRUSTED, Verdict
from govaudit.evidence import utc_time
from govaudit.files import atomic_write
from govaudit.i18n import _

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from rfc3161_client import TimeStampResponse

    from govaudit.archive.settings import EvidenceSettings

TOKEN_SUFFIX = ".tsr"
CHAIN_SUFFIX = ".tsa.pem"
NOT_TIMESTAMPED_SUFFIX = ".not-timestamped"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
MAX_ANSWER_BYTES = 1 << 20


def token_path(path: Path) -> Path:
    return path.with_name(path.name + TOKEN_SUFFIX)


def chain_path(path: Path) -> Path:
    return path.with_name(path.name + CHAIN_SUFFIX)


def not_timestamped_path(path: Path) -> Path:
    return path.with_name(path.name + NOT_TIMESTAMPED_SUFFIX)


@dataclass
class TimestampResult:
    path: Path  # the file timestamped
    ok: bool
    reason: str = ""  # why not, as "not timestamped: <reason>"
    time: str = ""  # the TSA's time (genTime), UTC
    token: Path | None = None


def timestamp_file(path: Path, tsa_url: str, *, chain: Path | None = None,
                   timeout_s: float = 15.0) -> TimestampResult:
    """Ask the TSA to timestamp the SHA-256 of `path`; keep the token beside it.

    Never raises: a TSA that is down, slow or answers garbage gives a result
    with ok=False and the reason, also written to `FILE.not-timestamped`.
    With a chain, the token is verified against it before it is kept.
    """
    try:
        token, gen_time = _request(path, tsa_url, chain, timeout_s)
    except _NotTimestamped as exc:
        reason = f"not timestamped: {exc}"
        note = {"file": path.name, "tsa": tsa_url, "time": utc_time(), "reason": reason}
        with contextlib.suppress(OSError):
            atomic_write(not_timestamped_path(path),
                         (json.dumps(note, ensure_ascii=False, indent=1) + "\n").encode())
        return TimestampResult(path, False, reason)
    return TimestampResult(path, True, time=gen_time, token=token)


class _NotTimestamped(Exception):
    pass


def _request(path: Path, tsa_url: str, chain: Path | None, timeout_s: float
             ) -> tuple[Path, str]:
    from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder

    import govaudit.asyncrun as asyncrun

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _NotTimestamped(f"{path}: cannot be read ({exc.strerror})") from None
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    body = asyncrun.run(_ask(tsa_url, request.as_bytes(), timeout_s))
    response = _decode(body)
    if response is None:
        raise _NotTimestamped(f"the TSA {tsa_url} answered something that is not an RFC 3161 "
                              "timestamp response")
    if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        said = "; ".join(response.status_string) or "no reason given"
        raise _NotTimestamped(f"the TSA {tsa_url} refused ({PKIStatus(response.status).name}: "
                              f"{said})")
    if response.tst_info.nonce != request.nonce:
        raise _NotTimestamped(f"the TSA {tsa_url} answered another request (nonce mismatch)")
    if response.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        raise _NotTimestamped(f"the TSA {tsa_url} timestamped another hash")
    if chain is not None:
        verdict = _verify_response(response, data, chain)
        if not verdict.ok:
            raise _NotTimestamped(f"the TSA's token does not verify: {verdict.reason}")
    try:
        atomic_write(token_path(path), body)
        if chain is not None and chain.resolve() != chain_path(path).resolve():
            atomic_write(chain_path(path), chain.read_bytes())
        not_timestamped_path(path).unlink(missing_ok=True)
    except OSError as exc:
        raise _NotTimestamped(f"{token_path(path)}: cannot be written ({exc.strerror})") from None
    return token_path(path), _utc(response.tst_info.gen_time)


async def _ask(tsa_url: str, query: bytes, timeout_s: float) -> bytes:
    """POST the query; the answer's body, read within `timeout_s` in all and up to
    MAX_ANSWER_BYTES (httpx's timeouts are per read: a trickle would never trip them)."""
    import httpx

    headers = {"Content-Type": "application/timestamp-query",
               "Accept": "application/timestamp-reply", "Accept-Encoding": "identity"}
    try:
        async with asyncio.timeout(timeout_s), \
                httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client, \
                client.stream("POST", tsa_url, content=query, headers=headers) as answer:
            if answer.status_code != 200:
                raise _NotTimestamped(f"the TSA {tsa_url} answered HTTP {answer.status_code}")
            declared = answer.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
                raise _NotTimestamped(f"the TSA {tsa_url} announced {int(declared):,} bytes, "
                                      f"more than the {MAX_ANSWER_BYTES:,} a token may take")
            coding = answer.headers.get("content-encoding", "identity").strip().lower()
            if coding not in ("", "identity"):
                raise _NotTimestamped(f"the TSA {tsa_url} answered with Content-Encoding "
                                      f"{coding!r}, which a token does not have")
            chunks: list[bytes] = []
            size = 0
            async for chunk in answer.aiter_raw():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise _NotTimestamped(f"the TSA {tsa_url} answered more than the "
                                          f"{MAX_ANSWER_BYTES:,} bytes a token may take")
                chunks.append(chunk)
            return b"".join(chunks)
    except (TimeoutError, httpx.TimeoutException):
        raise _NotTimestamped(f"the TSA {tsa_url} did not answer within {timeout_s:g}s"
                              ) from None
    except httpx.HTTPError as exc:
        raise _NotTimestamped(f"the TSA {tsa_url} cannot be reached ({exc})") from None


def _decode(body: bytes) -> TimeStampResponse | None:
    from rfc3161_client import decode_timestamp_response

    try:
        return decode_timestamp_response(body)
    except Exception:  # the Rust parser raises its own errors for any malformed DER
        return None


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_time(moment.astimezone(UTC))


def verify_timestamp(path: Path, token: Path | None = None, chain: Path | None = None
                     ) -> Verdict:
    """Check a token offline: over this file's SHA-256, signed by a TSA certificate with the
    timeStamping purpose that chains to a root in `chain`, the TSA chain the workspace
    trusts. The chain kept beside the token is never used: without `chain`, a token over
    the right hash is UNTRUSTED ("timestamp present, TSA not trusted")."""
    token = token or token_path(path)
    if not token.is_file():
        note = not_timestamped_path(path)
        if note.is_file():
            try:
                return Verdict(ABSENT, json.loads(note.read_text(encoding="utf-8"))["reason"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return Verdict(ABSENT, "no timestamp was taken")
    if not path.is_file():
        return Verdict(INVALID, f"{path.name} is missing")
    response = _decode(token.read_bytes())
    if response is None:
        return Verdict(INVALID, f"{token.name} is not an RFC 3161 timestamp response")
    data = path.read_bytes()
    problem = _imprint_problem(response, data)
    if problem:
        return Verdict(INVALID, problem)
    when = _utc(response.tst_info.gen_time)
    if chain is None:
        return Verdict(UNTRUSTED, f"timestamp present ({when}{_tsa_name(response)}), TSA not "
                       "trusted: set [evidence] tsa_chain to the TSA's certificate chain, "
                       "obtained from the TSA itself", time=when)
    if not chain.is_file():
        return Verdict(INVALID, f"{chain}: no such TSA certificate chain ([evidence] "
                       "tsa_chain)", time=when)
    return _verify_response(response, data, chain)


def _imprint_problem(response: TimeStampResponse, data: bytes) -> str:
    """Why the token is not over `data`'s SHA-256 ("" when it is)."""
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm.dotted_string != SHA256_OID:
        return _("the token's hash is not SHA-256 ({dotted_string})").format(
            dotted_string=imprint.hash_algorithm.dotted_string)
    if imprint.message != hashlib.sha256(data).digest():
        return (_(
            "the token is over another hash ({hex}…), not this file's SHA-256: the file changed "
            "after it was timestamped").format(hex=imprint.message.hex()[:16]))
    return ""


def _tsa_name(response: TimeStampResponse) -> str:
    """' by CN=…' when the token names its TSA, else ''."""
    from cryptography import x509

    value = getattr(response.tst_info.name, "value", None)
    return f" by {value.rfc4514_string()}" if isinstance(value, x509.Name) else ""


def token_authority(token: Path) -> str:
    """The TSA a token names (its tsa field, else its signer's subject), or ""."""
    try:
        response = _decode(token.read_bytes())
    except OSError:
        return ""
    if response is None:
        return ""
    named = _tsa_name(response).removeprefix(" by ")
    if named:
        return named
    from cryptography import x509

    for der in response.signed_data.certificates:
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        if _time_stamping(cert):
            return cert.subject.rfc4514_string()
    return ""


def chain_roots(chain: Path) -> list[tuple[str, str]]:
    """(subject, SHA-256 fingerprint 'AB:CD:…') of each root certificate in a PEM chain."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        certs = x509.load_pem_x509_certificates(chain.read_bytes())
    except (OSError, ValueError):
        return []
    return [(c.subject.rfc4514_string(),
             ":".join(f"{b:02X}" for b in c.fingerprint(hashes.SHA256())))
            for c in certs if c.subject == c.issuer]


def _time_stamping(cert: Certificate) -> bool:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in usage


def _verify_response(response: TimeStampResponse, data: bytes, chain: Path) -> Verdict:
    from cryptography import x509
    from rfc3161_client import VerificationError, VerifierBuilder

    problem = _imprint_problem(response, data)
    if problem:
        return Verdict(INVALID, problem)
    when = _utc(response.tst_info.gen_time)
    try:
        certs = x509.load_pem_x509_certificates(chain.read_bytes())
    except (OSError, ValueError) as exc:
        return Verdict(INVALID, f"{chain}: not a PEM certificate chain ({exc})", time=when)
    roots = [c for c in certs if c.subject == c.issuer]
    if not roots:
        return Verdict(INVALID, f"{chain}: no root (self-signed) certificate in it", time=when)
    builder = VerifierBuilder()
    if not response.signed_data.certificates:  # the TSA left its certificate out of the token
        leaves = [c for c in certs if c not in roots and _time_stamping(c)]
        if len(leaves) == 1:
            builder = builder.tsa_certificate(leaves[0])
    for cert in roots:
        builder = builder.add_root_certificate(cert)
    for cert in certs:
        if cert not in roots:
            builder = builder.add_intermediate_certificate(cert)
    try:
        builder.build().verify_message(response, data)
    except VerificationError as exc:
        return Verdict(INVALID, f"the token does not verify against {chain.name}: {exc}",
                       time=when)
    except ValueError as exc:
        return Verdict(INVALID, f"the token cannot be checked ({exc})", time=when)
    return Verdict(OK, detail=f"{when}{_tsa_name(response)}", time=when)


def timestamp_manifest(manifest: Path, settings: EvidenceSettings) -> TimestampResult | None:
    """Timestamp one run manifest with the TSA of govaudit.toml ([evidence] `settings`); None
    when none is configured.

    One request per run. Never raises for the TSA: see `timestamp_file`.
    """
    if not settings.tsa:
        return None
    return timestamp_file(manifest, settings.tsa, chain=settings.tsa_chain,
                          timeout_s=settings.tsa_timeout_s)


def timestamp_pending(evidence_dir: Path, settings: EvidenceSettings, config_path: Path,
                      tsa: str | None = None) -> list[TimestampResult]:
    """Timestamp every run manifest in `evidence_dir` that has no token yet (a TSA was down,
    or none was set), asking `tsa`, else [evidence] tsa of `settings` (read from
    `config_path`)."""
    from govaudit.errors import GovauditError, OptionError
    from govaudit.evidence import MANIFEST_PREFIX

    url = tsa or settings.tsa
    if not url:
        raise GovauditError(_("no TSA to ask: set [evidence] tsa in {config}").format(
            config=config_path), hint="tsa")
    if not url.startswith(("http://", "https://")):
        raise OptionError("tsa", _("{url!r}: must be an http:// or https:// URL").format(
            url=url))
    pending = [m for m in sorted(evidence_dir.glob(f"{MANIFEST_PREFIX}*.json"))
               if not token_path(m).exists()]
    return [timestamp_file(m, url, chain=settings.tsa_chain, timeout_s=settings.tsa_timeout_s)
            for m in pending]
