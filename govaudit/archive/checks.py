"""One verdict per evidence file: its hash, its timestamp, its signature, its archive.

An evidence file's hash is checked against every record of it (the store's and
each manifest's). A manifest is checked against its `.sha256`, its RFC 3161
token and its signature; an evidence file inherits the timestamp and signature
of the manifests that record its hash (or has its own, as a signed WACZ does).
So a file changed together with its recorded hashes is still caught: the
manifest no longer matches its token or signature.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit.archive.signing import sig_path, verify_signature
from govaudit.archive.timestamps import token_path, verify_timestamp
from govaudit.archive.verdict import ABSENT, MISSING, OK, Verdict
from govaudit.archive.wacz import check_wacz
from govaudit.errors import listed
from govaudit.evidence import MANIFEST_PREFIX, EvidenceFolder, sha256_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from govaudit.archive.settings import EvidenceSettings
    from govaudit.store import Store

HASH_OK, CHANGED, HASH_MISSING = "ok", "changed", "missing"
# how long after the last capture of a run its manifest's token may be taken (writing the
# manifest, the TSA's round trip, seconds cut off the recorded times, clocks a little apart)
TIME_SLACK_S = 60


@dataclass
class FileVerdict:
    path: str  # relative to the folder checked
    kind: str  # "manifest", or the evidence kind: png, html, mhtml, attachment, wacz
    hash: str  # HASH_OK, CHANGED or HASH_MISSING
    timestamp: Verdict
    signature: Verdict
    wacz: str = ""  # "" (not an archive), "ok", or "corrupt: <reason>"
    site: str = ""
    record: str = ""
    notes: list[str] = field(default_factory=list)  # what is wrong with the hash, in words
    warnings: list[str] = field(default_factory=list)  # what a reader should know (times)

    @property
    def ok(self) -> bool:
        """Nothing wrong: hash ok, no invalid, missing or untrusted timestamp or signature,
        archive whole."""
        return (self.hash == HASH_OK and not self.timestamp.failed
                and not self.signature.failed and self.wacz in ("", OK))


@dataclass
class Required:
    """Which proofs every manifest must have, and why (what the workspace does or says)."""

    signature: str = ""  # "" when not required, else the reason
    timestamp: str = ""


@dataclass
class _Manifest:
    path: Path
    verdict: FileVerdict
    hashes: dict[str, str]  # evidence path -> SHA-256 recorded in this manifest
    entries: dict[str, dict[str, Any]]  # evidence path -> its file entry, with site and record


def manifests_in(folder: Path) -> list[Path]:
    """The run manifests in an evidence folder."""
    return sorted(folder.glob(f"{MANIFEST_PREFIX}*.json"))


def verify_files(root: Path, manifests: Iterable[Path], records: Iterable[dict[str, Any]] = (),
                 *, chain: Path | None = None,
                 public_keys: dict[str, Ed25519PublicKey] | None = None,
                 required: Required | None = None) -> list[FileVerdict]:
    """Verdicts for the manifests and for every evidence file they or `records` name.

    Paths in records and manifests are relative to `root` (a workspace, or an
    unpacked appeal bundle). `chain` is the trusted TSA chain (without it a token is
    "present, TSA not trusted"); `public_keys` are the team's keys by signer name;
    `required` says which proofs a manifest may not lack.
    """
    required = required or Required()
    checked = [_check_manifest(root, path, chain, public_keys, required)
               for path in manifests]
    entries: dict[str, dict[str, Any]] = {}
    expected: dict[str, list[tuple[str, str]]] = {}  # path -> (where recorded, sha256)
    for record in records:
        for entry in record.get("files", []):
            entries.setdefault(entry["path"], {**entry, "site": record.get("site", ""),
                                               "record": record.get("id", "")})
            expected.setdefault(entry["path"], []).append(("the evidence store",
                                                           entry["sha256"]))
    for manifest in checked:
        for path, digest in manifest.hashes.items():
            expected.setdefault(path, []).append((manifest.path.name, digest))
            entries.setdefault(path, manifest.entries[path])
    verdicts = [m.verdict for m in checked]
    for path, entry in entries.items():
        verdicts.append(_check_evidence(root, path, entry, expected[path], checked, chain,
                                        public_keys))
    return verdicts


def _check_manifest(root: Path, path: Path, chain: Path | None,
                    public_keys: dict[str, Ed25519PublicKey] | None,
                    required: Required) -> _Manifest:
    notes: list[str] = []
    sums = path.with_name(path.name + ".sha256")
    if not path.is_file():
        state = HASH_MISSING
    elif not sums.is_file():
        state, notes = HASH_MISSING, [f"{sums.name} is missing"]
    else:
        recorded = (sums.read_text(encoding="utf-8", errors="replace").split() or [""])[0]
        state = HASH_OK if sha256_file(path)[0] == recorded else CHANGED
        if state == CHANGED:
            notes.append(f"does not match {sums.name}")
    hashes: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = []
    if path.is_file():
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["records"]
            for record in records:
                for entry in record.get("files", []):
                    hashes[entry["path"]] = entry["sha256"]
                    entries[entry["path"]] = {**entry, "site": record.get("site", ""),
                                              "record": record.get("id", "")}
        except (ValueError, KeyError, TypeError, AttributeError):
            notes.append("not a readable manifest (its records cannot be listed)")
            state = CHANGED if state == HASH_OK else state
    timestamp = _required(verify_timestamp(path, chain=chain), required.timestamp,
                          "timestamp", "govaudit evidence timestamp")
    signature = _required(verify_signature(path, public_keys=public_keys),
                          required.signature, "signature", "govaudit evidence sign")
    verdict = FileVerdict(_relative(root, path), "manifest", state, timestamp, signature,
                          notes=notes, warnings=_time_warnings(timestamp, records))
    return _Manifest(path, verdict, hashes, entries)


def _required(verdict: Verdict, why: str, what: str, command: str) -> Verdict:
    """An absent proof where the workspace requires it: MISSING, with the reason."""
    if verdict.state != ABSENT or not why:
        return verdict
    return Verdict(MISSING, f"no {what}, though {why}: it was removed, or never taken "
                   f"({verdict.reason}); if it was never taken, add it with '{command}'")


def _time_warnings(timestamp: Verdict, records: Iterable[Any]) -> list[str]:
    """Where the token's time does not attest the capture times its manifest records."""
    at = _parse_time(timestamp.time)
    if at is None or not isinstance(records, list):
        return []
    slack = timedelta(seconds=TIME_SLACK_S)
    spans: list[tuple[str, datetime, datetime]] = []
    for record in records:
        start = _parse_time(record.get("time")) if isinstance(record, dict) else None
        if start is None:
            continue
        took = record.get("duration_ms")
        took = took if isinstance(took, int) and not isinstance(took, bool) and took > 0 else 0
        spans.append((str(record.get("id", "")), start, start + timedelta(milliseconds=took)))
    if not spans:
        return []
    warnings = []
    ended = max(end for _, _, end in spans)
    if at - ended > slack:
        ids = listed([rid for rid, _, _ in spans], 5)
        warnings.append(f"the timestamp ({timestamp.time}) is {_span(at - ended)} after its "
                        f"captures ended ({_iso(ended)}): it proves they existed at "
                        f"{timestamp.time}, not when they say they were taken ({ids})")
    early = [(rid, start) for rid, start, _ in spans if start - at > slack]
    for rid, start in early[:5]:
        warnings.append(f"the timestamp ({timestamp.time}) is {_span(start - at)} before "
                        f"capture {rid} says it was taken ({_iso(start)}): its recorded time "
                        "is wrong")
    return warnings


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def _check_evidence(root: Path, rel: str, entry: dict[str, Any],
                    expected: list[tuple[str, str]], manifests: list[_Manifest],
                    chain: Path | None, public_keys: dict[str, Ed25519PublicKey] | None
                    ) -> FileVerdict:
    path = root / rel
    notes: list[str] = []
    refusal = _unsafe(root, path)
    if refusal:  # never read what a record points at outside the folder, nor a pipe
        return FileVerdict(rel, str(entry.get("kind", "")), HASH_MISSING,
                           Verdict(ABSENT, "not checked"), Verdict(ABSENT, "not checked"),
                           "", str(entry.get("site", "")), str(entry.get("record", "")),
                           [f"{refusal}: not read"])
    if not path.is_file():
        state, actual = HASH_MISSING, ""
    else:
        actual = sha256_file(path)[0]
        wrong = [where for where, digest in expected if digest != actual]
        state = CHANGED if wrong else HASH_OK
        notes += [f"does not match the hash recorded in {where}" for where in wrong]
    recording = [m for m in manifests if m.hashes.get(rel) == actual]
    if token_path(path).is_file():
        timestamp = verify_timestamp(path, chain=chain)
    else:
        timestamp = _inherit([m.verdict.timestamp for m in recording], "timestamp")
    if sig_path(path).is_file():
        signature = verify_signature(path, public_keys=public_keys)
    else:
        signature = _inherit([m.verdict.signature for m in recording], "signature")
    wacz = ""
    if entry.get("kind") == "wacz" or rel.endswith(".wacz"):
        reason = check_wacz(path) if path.is_file() else "missing"
        wacz = OK if not reason else f"corrupt: {reason}"
    return FileVerdict(rel, str(entry.get("kind", "")), state, timestamp, signature, wacz,
                       str(entry.get("site", "")), str(entry.get("record", "")), notes)


def _unsafe(root: Path, path: Path) -> str:
    """Why a recorded path may not be read ("" when it may): outside `root` once links are
    resolved, or there but not a regular file."""
    try:
        real = path.resolve()
        if not real.is_relative_to(root.resolve()):
            return "outside the folder checked"
        if os.path.lexists(real) and not real.is_file():
            return "not a regular file"
    except (OSError, RuntimeError, ValueError):
        return "unreadable"
    return ""


def _inherit(verdicts: list[Verdict], what: str) -> Verdict:
    """A file's timestamp or signature through the manifests that record its current hash."""
    if not verdicts:
        return Verdict(ABSENT, f"no manifest with this file's hash has a {what}")
    for verdict in verdicts:
        if verdict.ok:
            return Verdict(OK, detail=f"through its manifest: {verdict.detail}")
    for verdict in verdicts:
        if verdict.failed:
            return Verdict(verdict.state, f"its manifest's {what}: {verdict.reason}")
    return verdicts[0]


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def verify_workspace(folder: EvidenceFolder, store: Store, settings: EvidenceSettings,
                     site: str | None = None) -> list[FileVerdict]:
    """Verdicts for every manifest and evidence file of a workspace (or of one site), with
    its [evidence] `settings`."""
    from govaudit.archive.signing import trusted_keys

    keys = trusted_keys(settings)
    records = store.evidence(site)
    manifests = manifests_in(folder.evidence_dir)
    verdicts = verify_files(folder.root, manifests, records, chain=settings.tsa_chain,
                            public_keys=keys, required=required_proofs(settings, manifests))
    if site is not None:
        verdicts = [v for v in verdicts if v.kind == "manifest" or v.site == site]
    return verdicts


def required_proofs(settings: EvidenceSettings, manifests: list[Path]) -> Required:
    """Which proofs the workspace's manifests must have: a signature where it signs (a
    manifest is signed, or [evidence] key is set), a token where it timestamps (a manifest
    has a token, or [evidence] tsa is set)."""
    signed = next((m.name for m in manifests if sig_path(m).is_file()), "")
    stamped = next((m.name for m in manifests if token_path(m).is_file()), "")
    signature = (f"{signed} is signed" if signed else
                 "govaudit.toml sets [evidence] key" if settings.key is not None else "")
    timestamp = (f"{stamped} is timestamped" if stamped else
                 "govaudit.toml sets [evidence] tsa" if settings.tsa else "")
    return Required(signature, timestamp)
