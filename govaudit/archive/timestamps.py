"""RFC 3161 trusted timestamps (可信时间戳) of run manifests, taken once per run, checked offline.

The TSA's answer (a TimeStampResp) is kept beside the file as `FILE.tsr`, the
TSA's certificate chain (PEM) as `FILE.tsa.pem`. When no timestamp could be
taken, `FILE.not-timestamped` says why, and `timestamp_file` can be run again
later. A third party checks a token with
`openssl ts -verify -data FILE -in FILE.tsr -CAfile FILE.tsa.pem`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.archive.verdict import ABSENT, INVALID, OK, Verdict
from govaudit.evidence import utc_time
from govaudit.files import atomic_write

if TYPE_CHECKING:
    from cryptography.x509 import Certificate
    from rfc3161_client import TimeStampResponse

    from govaudit.archive.settings import EvidenceSettings
    from govaudit.workspace import Workspace

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
    import httpx
    from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _NotTimestamped(f"{path}: cannot be read ({exc.strerror})") from None
    request = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    try:
        answer = httpx.post(tsa_url, content=request.as_bytes(), timeout=timeout_s,
                            headers={"Content-Type": "application/timestamp-query",
                                     "Accept": "application/timestamp-reply"})
    except httpx.TimeoutException:
        raise _NotTimestamped(f"the TSA {tsa_url} did not answer within {timeout_s:g}s") from None
    except httpx.HTTPError as exc:
        raise _NotTimestamped(f"the TSA {tsa_url} cannot be reached ({exc})") from None
    if answer.status_code != 200:
        raise _NotTimestamped(f"the TSA {tsa_url} answered HTTP {answer.status_code}")
    body = answer.content
    if len(body) > MAX_ANSWER_BYTES:
        raise _NotTimestamped(f"the TSA {tsa_url} answered {len(body)} bytes, too many")
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
    timeStamping purpose that chains to a root in `chain` (default: the files beside it)."""
    token = token or token_path(path)
    if not token.is_file():
        note = not_timestamped_path(path)
        if note.is_file():
            try:
                return Verdict(ABSENT, json.loads(note.read_text(encoding="utf-8"))["reason"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return Verdict(ABSENT, "no timestamp was taken")
    if chain is None and chain_path(path).is_file():
        chain = chain_path(path)
    if not path.is_file():
        return Verdict(INVALID, f"{path.name} is missing")
    response = _decode(token.read_bytes())
    if response is None:
        return Verdict(INVALID, f"{token.name} is not an RFC 3161 timestamp response")
    if chain is None or not chain.is_file():
        return Verdict(INVALID, f"no TSA certificate chain to check {token.name} against "
                       f"(put it beside it as {chain_path(path).name}, or set [evidence] "
                       "tsa_chain)")
    return _verify_response(response, path.read_bytes(), chain)


def _time_stamping(cert: Certificate) -> bool:
    from cryptography import x509

    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.ExtendedKeyUsageOID.TIME_STAMPING in usage


def _verify_response(response: TimeStampResponse, data: bytes, chain: Path) -> Verdict:
    from cryptography import x509
    from rfc3161_client import VerificationError, VerifierBuilder

    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm.dotted_string != SHA256_OID:
        return Verdict(INVALID, f"the token's hash is not SHA-256 "
                       f"({imprint.hash_algorithm.dotted_string})")
    if imprint.message != hashlib.sha256(data).digest():
        return Verdict(INVALID, f"the token is over another hash ({imprint.message.hex()[:16]}…), "
                       "not this file's SHA-256: the file changed after it was timestamped")
    try:
        certs = x509.load_pem_x509_certificates(chain.read_bytes())
    except (OSError, ValueError) as exc:
        return Verdict(INVALID, f"{chain}: not a PEM certificate chain ({exc})")
    roots = [c for c in certs if c.subject == c.issuer]
    if not roots:
        return Verdict(INVALID, f"{chain}: no root (self-signed) certificate in it")
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
        return Verdict(INVALID, f"the token does not verify against {chain.name}: {exc}")
    except ValueError as exc:
        return Verdict(INVALID, f"the token cannot be checked ({exc})")
    tsa = ""
    name = response.tst_info.name
    value = getattr(name, "value", None)
    if isinstance(value, x509.Name):
        tsa = f" by {value.rfc4514_string()}"
    return Verdict(OK, detail=f"{_utc(response.tst_info.gen_time)}{tsa}")


def timestamp_manifest(workspace: Workspace, manifest: Path,
                       settings: EvidenceSettings | None = None) -> TimestampResult | None:
    """Timestamp one run manifest with the TSA of govaudit.toml; None when none is configured.

    One request per run. Never raises for the TSA: see `timestamp_file`.
    """
    from govaudit.archive.settings import evidence_settings

    settings = settings or evidence_settings(workspace)
    if not settings.tsa:
        return None
    return timestamp_file(manifest, settings.tsa, chain=settings.tsa_chain,
                          timeout_s=settings.tsa_timeout_s)


def timestamp_pending(workspace: Workspace, tsa: str | None = None,
                      settings: EvidenceSettings | None = None) -> list[TimestampResult]:
    """Timestamp every run manifest that has no token yet (a TSA was down, or none was set)."""
    from govaudit.archive.settings import evidence_settings
    from govaudit.errors import GovauditError
    from govaudit.evidence import MANIFEST_PREFIX

    settings = settings or evidence_settings(workspace)
    url = tsa or settings.tsa
    if not url:
        raise GovauditError(f"no TSA to ask: give --tsa URL, or set [evidence] tsa in "
                            f"{workspace.config_path}")
    if not url.startswith(("http://", "https://")):
        raise GovauditError(f"--tsa {url!r}: must be an http:// or https:// URL")
    pending = [m for m in sorted(workspace.evidence_dir.glob(f"{MANIFEST_PREFIX}*.json"))
               if not token_path(m).exists()]
    return [timestamp_file(m, url, chain=settings.tsa_chain, timeout_s=settings.tsa_timeout_s)
            for m in pending]
