"""An appeal bundle: one zip with a site's evidence, its manifests and their proofs.

The zip holds the site's evidence files (screenshots, HTML, MHTML, WACZ web
archives) at their workspace paths, every run manifest that records them with
its `.sha256`, RFC 3161 token (`.tsr`), TSA chain (`.tsa.pem`) and signature
(`.sig`), the team's public keys, `SHA256SUMS` over all of it, and a README
(Chinese and English) telling a third party how to check it with `sha256sum`
and `openssl ts -verify`: against the TSA's root certificate obtained from the
TSA itself (the README names the TSA, where the team asked it, and the
fingerprint of the root the team trusts); the chains inside the bundle only
supply the TSA's own certificate, never the trust. `audit-log.jsonl` holds the entries of
the workspace's audit log about the site (answers, reviews, adjudications, evidence), each
with its own SHA-256 and its link to the entry before it in the whole log.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from govaudit.archive.settings import EvidenceSettings
from govaudit.archive.signing import PUBLIC_SUFFIX, SIG_SUFFIX
from govaudit.archive.timestamps import (
    CHAIN_SUFFIX,
    NOT_TIMESTAMPED_SUFFIX,
    TOKEN_SUFFIX,
    chain_path,
    chain_roots,
    token_authority,
    token_path,
)
from govaudit.auditlog import LogCheck, canonical
from govaudit.errors import GovauditError, listed
from govaudit.evidence import MANIFEST_PREFIX, EvidenceFolder, sha256_file, utc_time
from govaudit.files import temporary_beside
from govaudit.i18n import _

if TYPE_CHECKING:
    from govaudit.store import Store

SUMS_NAME = "SHA256SUMS"
LOG_MEMBER = "audit-log.jsonl"
README_NAME = "README.txt"
TSA_ROOT_NAME = "TSA-ROOT.pem"  # what the README has the reader save the TSA's root as
SIDECARS = (".sha256", TOKEN_SUFFIX, CHAIN_SUFFIX, SIG_SUFFIX, NOT_TIMESTAMPED_SUFFIX)


@dataclass
class Bundle:
    path: Path
    site: str
    files: list[str] = field(default_factory=list)  # paths inside the zip
    manifests: list[str] = field(default_factory=list)
    timestamped: list[str] = field(default_factory=list)  # manifests with a token
    log_entries: int = 0  # the audit log's entries about the site
    log_check: LogCheck | None = None  # the whole log's chain, walked when it was made


def export_bundle(folder: EvidenceFolder, store: Store, site: str, out_zip: Path,
                  settings: EvidenceSettings) -> Bundle:
    """Write the appeal bundle of `site` to `out_zip` (the workspace's evidence `folder`, its
    [evidence] `settings`); refuses evidence that has changed."""
    store.site(site)  # unknown site: a clear error
    records = store.evidence_records(site)
    if not records:
        raise GovauditError(_("{site}: no evidence captured yet").format(site=site),
                            hint="capture_evidence", hint_args={"site": site})
    root = folder.root
    members: dict[str, Path] = {}  # path in the zip -> file on disk
    changed: list[str] = []
    ids = set()
    for record in records:
        ids.add(record.id)
        for entry in record.files:
            path = root / entry.path
            if not path.is_file():
                changed.append(f"{entry.path} (missing)")
                continue
            if sha256_file(path)[0] != entry.sha256:
                changed.append(f"{entry.path} (changed)")
            members[entry.path] = path
            _add_sidecars(members, root, path)
    if changed:
        raise GovauditError(_(
            "{site}: {count} evidence file(s) no longer match their records, nothing exported: "
            "{listed}").format(site=site, count=len(changed), listed=listed(changed, 5)),
            hint="evidence_verify")
    bundle = Bundle(Path(out_zip), site)
    for manifest in sorted(folder.evidence_dir.glob(f"{MANIFEST_PREFIX}*.json")):
        if not _mentions(manifest, ids):
            continue
        rel = folder.relative(manifest)
        members[rel] = manifest
        _add_sidecars(members, root, manifest)
        if token_path(manifest).is_file():
            bundle.timestamped.append(rel)
            chain = chain_path(manifest)
            if not chain.is_file() and settings.tsa_chain is not None \
                    and settings.tsa_chain.is_file():
                members[rel + CHAIN_SUFFIX] = settings.tsa_chain
        bundle.manifests.append(rel)
    if settings.public_keys is not None and settings.public_keys.exists():
        keys = ([settings.public_keys] if settings.public_keys.is_file()
                else sorted(settings.public_keys.glob(f"*{PUBLIC_SUFFIX}")))
        for key in keys:
            members[f"keys/{key.name}"] = key
    authorities = sorted({name for m in bundle.timestamped
                          if (name := token_authority(root / (m + TOKEN_SUFFIX)))})
    roots = chain_roots(settings.tsa_chain) if settings.tsa_chain is not None else []
    entries = [e for e in store.log.entries() if e.site == site]
    bundle.log_entries = len(entries)
    bundle.log_check = store.log.verify()
    log = b"".join(canonical(e.to_dict()) + b"\n" for e in entries)
    readme = _readme(site, bundle.manifests, bundle.timestamped, any(
        name.startswith("keys/") for name in members),
        _tsa_lines(authorities, settings.tsa, roots),
        _log_lines(len(entries), bundle.log_check)).encode("utf-8")
    _write_zip(Path(out_zip), members, readme, {LOG_MEMBER: log})
    bundle.files = sorted([*members, LOG_MEMBER]) + [README_NAME, SUMS_NAME]
    return bundle


# What a reader runs to check each line's own hash (Python 3, nothing else)
LOG_CHECK = (
    "python3 -c 'import json,hashlib; [print(e[\"seq\"], hashlib.sha256(json.dumps("
    "{k: v for k, v in e.items() if k != \"hash\"}, ensure_ascii=False, sort_keys=True, "
    "separators=(\",\", \":\")).encode()).hexdigest() == e[\"hash\"]) for e in "
    f"map(json.loads, open(\"{LOG_MEMBER}\", encoding=\"utf-8\"))]'")


def _log_lines(count: int, check: LogCheck) -> str:
    """What the README says of the audit log's entries and of the whole chain."""
    verdict = (f"完整 / whole ({check.entries} entries)" if check.ok else
               f"在第 {check.broken} 条断开 / broken at entry {check.broken}: {check.reason}")
    return f"""5. 审计日志 / Audit log: {LOG_MEMBER} 是本网站的 {count} 条变更记录
   （答案、复核、裁定、取证），每行一条：操作人、时间（UTC）、旧值与新值。"hash" 是该行
   其他字段的 SHA-256（JSON，键排序，无空格，UTF-8），"prev" 是整个日志中前一条的 hash
   （其他网站的记录不在本包中）。
   {LOG_MEMBER} holds the {count} changes to this site's answers, reviews, adjudications and
   evidence, one per line: who, when (UTC), the old and the new value. "hash" is the SHA-256
   of the line's other fields as JSON (keys sorted, no spaces, UTF-8); "prev" is the hash of
   the entry before it in the team's whole log (other sites' entries are not in this bundle).
   每行自身的哈希 / Each line's own hash:
   {LOG_CHECK}
   每行都应为 True。 Every line must say True.
   导出时整个日志的哈希链 / The whole log's chain when this bundle was made: {verdict}
"""


def _add_sidecars(members: dict[str, Path], root: Path, path: Path) -> None:
    for suffix in SIDECARS:
        sidecar = path.with_name(path.name + suffix)
        if sidecar.is_file():
            members[sidecar.resolve().relative_to(root.resolve()).as_posix()] = sidecar


def _mentions(manifest: Path, ids: set[str]) -> bool:
    try:
        records = json.loads(manifest.read_text(encoding="utf-8"))["records"]
        return any(record.get("id") in ids for record in records)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _write_zip(target: Path, members: dict[str, Path], readme: bytes,
               made: dict[str, bytes] | None = None) -> None:
    """The zip of `members` (files) and `made` (contents), written to a temporary file first:
    a failure leaves no half bundle."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temporary_beside(target)
    os.close(fd)
    sums: list[str] = []
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            made = made or {}
            for name in sorted([*members, *made]):
                data = made[name] if name in made else members[name].read_bytes()
                # WACZ, PNG and gzip are compressed already
                kind = zipfile.ZIP_STORED if name.endswith((".wacz", ".png", ".gz")) \
                    else zipfile.ZIP_DEFLATED
                archive.writestr(zipfile.ZipInfo(name, _now()), data, compress_type=kind)
                sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
            archive.writestr(zipfile.ZipInfo(README_NAME, _now()), readme)
            sums.append(f"{hashlib.sha256(readme).hexdigest()}  {README_NAME}\n")
            archive.writestr(zipfile.ZipInfo(SUMS_NAME, _now()), "".join(sums).encode("utf-8"))
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GovauditError(_("{target}: the bundle cannot be written ({value})").format(
            target=target, value=exc.strerror or exc)
                            ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> tuple[int, int, int, int, int, int]:
    from datetime import UTC, datetime

    return datetime.now(UTC).timetuple()[:6]


def _tsa_lines(authorities: list[str], url: str, roots: list[tuple[str, str]]) -> str:
    """Who the TSA is, where the team asked it, and the root the team trusts."""
    lines = [f"   时间戳机构 / TSA: {name}" for name in authorities]
    if url:
        lines.append(f"   本团队使用的时间戳服务 / The service the team asked: {url}")
    lines += [f"   本团队信任的根证书 / The root the team trusts: {subject}\n"
              f"     SHA-256 {fingerprint}" for subject, fingerprint in roots]
    return "\n".join(lines) or "   （未配置 / not configured）"


def _readme(site: str, manifests: list[str], timestamped: list[str], keys: bool,
            tsa: str, log: str) -> str:
    verify_lines = "\n".join(
        f"   openssl ts -verify -data {m} -in {m}{TOKEN_SUFFIX} -CAfile {TSA_ROOT_NAME} "
        f"-untrusted {m}{CHAIN_SUFFIX}"
        for m in timestamped) or "   （本包中的清单没有时间戳 / no manifest here has a timestamp）"
    manifest_lines = "\n".join(f"   {m}" for m in manifests)
    sig_note = (
        "4. 签名 / Signatures: `*.sig` 文件是 Ed25519 签名（JSON），公钥在 keys/ 中；"
        "用 `govaudit evidence verify` 核验。\n"
        "   keys/ 中的公钥只是副本：请向评估团队本身（而不是从本包）核实每个公钥的指纹（.sig 中的 "
        "\"key\"）。\n"
        "   `*.sig` files are Ed25519 signatures (JSON) by the team's keys in keys/; check them "
        "with `govaudit evidence verify`.\n"
        "   The keys in keys/ are copies: confirm each key's fingerprint (\"key\" in a .sig) "
        "with the assessment team itself, not from this bundle.\n" if keys else "")
    return f"""网站评估取证材料 / Website assessment evidence: {site}
生成时间 / Created: {utc_time()} (UTC)

本压缩包是“{site}”的全部取证文件（截图 PNG、HTML、MHTML、WACZ 网页存档）、记录这些
文件哈希值的运行清单（manifest），以及清单的 SHA-256、可信时间戳（RFC 3161）和签名。
This bundle holds every evidence file of "{site}" (PNG screenshots, HTML, MHTML, WACZ web
archives), the run manifests that record their SHA-256 hashes, and the manifests' own
hashes, trusted timestamps (RFC 3161) and signatures.

运行清单 / Manifests:
{manifest_lines}

如何核验 / How to check (解压后在本目录中执行 / unzip, then run in this folder):

1. 每个文件的哈希 / Every file's hash:
   sha256sum -c SHA256SUMS
   每一行都应为 “OK”。 Every line must say "OK".

2. 可信时间戳 / Trusted timestamps (OpenSSL):
   先从时间戳机构本身（其官方网站的证书下载页，或向该机构索取）取得它的根证书，存为
   {TSA_ROOT_NAME}，不要使用本包中的文件：任何人都可以在包里放入自己的证书链。
   First obtain the timestamping authority's root certificate from the authority itself (the
   certificate page of its official website, or ask it), and save it as {TSA_ROOT_NAME}. Do
   not take it from this bundle: anyone could put a chain of their own in it.
{tsa}
   核对 / Check: openssl x509 -in {TSA_ROOT_NAME} -noout -subject -fingerprint -sha256
   所示指纹须与该机构公布的一致。 The fingerprint must be the one the authority publishes.
   然后 / Then:
{verify_lines}
   应输出 “Verification: OK”：清单在时间戳所示时间已经存在且此后未被改动。
   It must print "Verification: OK": the manifest existed at the time in the token and has
   not changed since. `openssl ts -reply -in {{清单/manifest}}{TOKEN_SUFFIX} -text` 显示时间 /
   shows the time. 本包中的 *.tsa.pem 只提供时间戳机构自己的证书（-untrusted），不作为信任依据。
   The *.tsa.pem files here only supply the authority's own certificate (-untrusted); they
   are not what the check trusts.

3. 文件与清单 / Files and manifests: 每个取证文件的 SHA-256（`sha256sum 文件`）都应出现在
   带时间戳的清单中（"sha256" 字段）。 Each evidence file's SHA-256 (`sha256sum FILE`) must
   appear in a timestamped manifest ("sha256" field): the timestamp then covers that file.
   清单记录整次运行，可能也包含其他网站的记录。 A manifest records a whole run and may also
   list other sites' captures.
{sig_note}{log}
WACZ 文件可在 https://replayweb.page 离线回放（打开本地文件）。
WACZ files replay offline in ReplayWeb.page (open the local file).
"""
