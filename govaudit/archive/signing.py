"""The team's Ed25519 keys and detached signatures of manifests and WACZ digests.

`keygen` writes a private key (PEM, mode 0600) and its public key
`SIGNER.pub.pem`, which the team lead keeps in the workspace's public-keys
folder: a signature is trusted, and its signer named, only through that folder.
A signature `FILE.sig` is JSON: the signer's name and key fingerprint, the
SHA-256 of what was signed and the Ed25519 signature (base64). For a `.wacz`
the signed bytes are its `datapackage-digest.json`, which covers every file
in the archive.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.archive.verdict import ABSENT, INVALID, OK, UNTRUSTED, Verdict
from govaudit.errors import GovauditError, OptionError
from govaudit.evidence import utc_time
from govaudit.filenames import safe_name
from govaudit.files import atomic_write
from govaudit.i18n import _

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from govaudit.archive.settings import EvidenceSettings

SIG_SUFFIX = ".sig"
PUBLIC_SUFFIX = ".pub.pem"
SIG_FORMAT = "govaudit-signature-1"
_UNREADABLE = (OSError, KeyError, ValueError, zipfile.BadZipFile, zlib.error)


@dataclass
class KeyFiles:
    private: Path
    public: Path
    fingerprint: str
    recorded: bool = False  # written into govaudit.toml as [evidence] key


def sig_path(path: Path) -> Path:
    return path.with_name(path.name + SIG_SUFFIX)


def fingerprint(key: Ed25519PublicKey) -> str:
    """'SHA256:…' of the raw public key, as ssh-keygen shows it."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def _public_pem(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def default_key_path() -> Path:
    """Where a signing key goes when neither --key nor [evidence] key says."""
    return Path.home() / ".config" / "govaudit" / "signing-key.pem"


def keygen(path: Path, signer: str) -> KeyFiles:
    """A new Ed25519 key at `path` (mode 0600) and `SIGNER.pub.pem` beside it; never overwrites."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not signer.strip():
        raise OptionError("signer", _("is needed: a key carries the signer's name, e.g. 张三"))
    path = Path(path)
    public = path.parent / f"{safe_name(signer.strip())}{PUBLIC_SUFFIX}"
    for existing in (path, public):
        if existing.exists():
            raise GovauditError(_(
                "{existing} already exists: a key is never overwritten (choose another file, or "
                "remove it if you really mean to)").format(existing=existing))
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise GovauditError(_("{path} already exists: a key is never overwritten").format(
            path=path)) from None
    except OSError as exc:
        raise GovauditError(_("{path}: cannot be written ({strerror})").format(
            path=path, strerror=exc.strerror)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    atomic_write(public, _public_pem(key.public_key()))
    return KeyFiles(path, public, fingerprint(key.public_key()))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at `path`; one clear error for a missing, exposed or wrong-format file."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise GovauditError(_("{path}: no such key file").format(path=path),
                            hint="evidence_keygen") from None
    except OSError as exc:
        raise GovauditError(_("{path}: cannot be read ({strerror})").format(
            path=path, strerror=exc.strerror)) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise GovauditError(_(
            "{path}: the private key can be read by other users (mode {S_IMODE:o}); fix it with: "
            "chmod 600 {path}").format(path=path, S_IMODE=stat.S_IMODE(mode)))
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise GovauditError(_(
            "{path}: not an unencrypted Ed25519 private key in PEM format").format(path=path),
            hint="evidence_keygen")
    return key


def load_public_keys(source: Path) -> dict[str, Ed25519PublicKey]:
    """The team's public keys by signer name: a folder of NAME.pub.pem, or one such file."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    source = Path(source)
    if source.is_dir():
        files = sorted(source.glob(f"*{PUBLIC_SUFFIX}"))
    elif source.is_file():
        files = [source]
    else:
        raise GovauditError(_("{source}: no such public-key file or folder").format(
            source=source))
    keys: dict[str, Ed25519PublicKey] = {}
    for file in files:
        try:
            key = serialization.load_pem_public_key(file.read_bytes())
        except (OSError, ValueError, UnsupportedAlgorithm):
            key = None
        if not isinstance(key, Ed25519PublicKey):
            raise GovauditError(_("{file}: not an Ed25519 public key in PEM format").format(
                file=file))
        keys[file.name.removesuffix(PUBLIC_SUFFIX).removesuffix(".pem")] = key
    return keys


def signed_bytes(path: Path) -> tuple[bytes, str]:
    """What a signature of `path` covers, and its name: a WACZ's digest, else the file."""
    if path.suffix.lower() == ".wacz":
        from govaudit.archive.wacz import DIGEST, digest_bytes

        return digest_bytes(path), DIGEST
    return path.read_bytes(), path.name


def sign_file(path: Path, key: Ed25519PrivateKey, signer: str) -> Path:
    """Write the detached signature `FILE.sig` of `path`; its path."""
    try:
        data, what = signed_bytes(path)
    except _UNREADABLE as exc:
        raise GovauditError(_("{path}: cannot be signed ({error})").format(
            path=path, error=exc)) from None
    body = {"format": SIG_FORMAT, "algorithm": "Ed25519", "signer": signer,
            "key": fingerprint(key.public_key()), "file": path.name, "signed": what,
            "sha256": hashlib.sha256(data).hexdigest(), "time": utc_time(),
            "signature": base64.b64encode(key.sign(data)).decode()}
    target = sig_path(path)
    atomic_write(target, (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode())
    return target


def verify_signature(path: Path, sig: Path | None = None,
                     public_keys: dict[str, Ed25519PublicKey] | None = None) -> Verdict:
    """ok naming the signer (by the team's key, not by what the signature claims); untrusted
    when signed by a key the team has not listed (it cannot be checked); invalid with the
    reason; absent when the file is not signed."""
    from cryptography.exceptions import InvalidSignature

    sig = sig or sig_path(path)
    if not sig.is_file():
        return Verdict(ABSENT, "not signed")
    try:
        body = json.loads(sig.read_text(encoding="utf-8"))
        claimed_key = str(body["key"])
        signature = base64.b64decode(body["signature"], validate=True)
        claimed = str(body.get("signer", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return Verdict(INVALID, f"{sig.name} is not a govaudit signature")
    if not path.is_file():
        return Verdict(INVALID, f"{path.name} is missing")
    matches = [(name, key) for name, key in (public_keys or {}).items()
               if fingerprint(key) == claimed_key]
    if not matches:
        return Verdict(UNTRUSTED, f"signed by a key the team has not listed: {claimed_key} "
                       f"({claimed or 'no name'}); add its NAME.pub.pem to [evidence] "
                       "public_keys to trust it")
    name, key = matches[0]
    try:
        data, _ = signed_bytes(path)
    except _UNREADABLE as exc:
        return Verdict(INVALID, f"{path.name}: what was signed cannot be read ({exc})")
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return Verdict(INVALID, f"the signature by {name} does not match: {path.name} changed "
                       "after it was signed, or the signature is forged")
    return Verdict(OK, detail=f"signed by {name} (key {claimed_key})")


def signing_key_path(settings: EvidenceSettings) -> Path | None:
    """[evidence] key of govaudit.toml, else keygen's default file if it exists; else None."""
    if settings.key is not None:
        return settings.key
    default = default_key_path()
    return default if default.is_file() else None


def team_key(settings: EvidenceSettings) -> Ed25519PrivateKey | None:
    """This evaluator's signing key (signing_key_path), loaded; None when there is none."""
    path = signing_key_path(settings)
    return load_private_key(path) if path is not None else None


def trusted_keys(settings: EvidenceSettings) -> dict[str, Ed25519PublicKey]:
    """The public keys a workspace trusts: the team's ([evidence] public_keys) and the
    evaluator's own (of their signing key, under [evidence] signer)."""
    keys = {}
    if settings.public_keys is not None and settings.public_keys.exists():
        keys = load_public_keys(settings.public_keys)
    try:
        own = team_key(settings)
    except GovauditError:  # an unreadable key signs nothing; `sign` says why
        own = None
    if own is not None:
        mine = fingerprint(own.public_key())
        if all(fingerprint(k) != mine for k in keys.values()):
            keys.setdefault(settings.signer, own.public_key())
    return keys


def sign_unsigned(folder: Path, key: Ed25519PrivateKey, signer: str) -> list[Path]:
    """Sign every run manifest and WACZ archive of the evidence folder `folder` that has no
    signature yet; the new .sig files."""
    from govaudit.evidence import MANIFEST_PREFIX

    files = [*sorted(folder.glob(f"{MANIFEST_PREFIX}*.json")), *sorted(folder.rglob("*.wacz"))]
    return [sign_file(path, key, signer) for path in files if not sig_path(path).exists()]
