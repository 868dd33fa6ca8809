"""Evidence files and records: hashing, safe names, manifests, attach and verify.

Every evidence file lives under `evidence/<safe site name>/` and is described
by a record (see the store) holding its SHA-256. Each capture run also writes
`evidence/manifest-<run>.json` with all its records and, beside it,
`manifest-<run>.json.sha256` (sha256sum format), so a set of captures can be
handed over and checked as a whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from govaudit.errors import GovauditError
from govaudit.filenames import safe_name
from govaudit.version import __version__
from govaudit.workspace import Workspace

KINDS = ("png", "html", "mhtml", "attachment")
SUFFIX_KINDS = {".png": "png", ".html": "html", ".htm": "html", ".mhtml": "mhtml", ".mht": "mhtml"}
MANIFEST_PREFIX = "manifest-"


def utc_time(moment: datetime | None = None) -> str:
    """'2026-11-22T08:15:00Z'."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(moment: datetime | None = None) -> str:
    """'20261122T081500Z-ab12': sortable by time, unique enough per workspace."""
    return f"{(moment or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def new_evidence_id() -> str:
    return f"ev-{secrets.token_hex(6)}"


def new_record(*, run: str, site: str, indicator: str = "", question: str = "",
               requested_url: str = "", evidence_id: str | None = None) -> dict[str, Any]:
    """An evidence record with every field present, to be filled in by the capture."""
    return {
        "id": evidence_id or new_evidence_id(), "run": run, "site": site,
        "indicator": indicator, "question": question, "requested_url": requested_url,
        "final_url": "", "status": None, "ip": "", "title": "", "time": utc_time(),
        "viewport": "", "device": "", "user_agent": "", "browser": "", "govaudit": __version__,
        "duration_ms": 0, "capped_height": None, "files": [], "error": "",
    }


def site_folder(workspace: Workspace, site: str) -> Path:
    return workspace.evidence_dir / safe_name(site)


def file_stem(record: dict[str, Any], label: str) -> str:
    """'20261122T081500Z-www.gov.cn_zwgk-ab12cd34ef56': time, what, record id."""
    stamp = record["time"].replace("-", "").replace(":", "")
    return f"{stamp}-{safe_name(label, 60)}-{record['id'].removeprefix('ev-')}"


def url_label(url: str) -> str:
    """A readable label for a URL: host and path without the scheme, decoded."""
    parts = urlsplit(url)
    text = (parts.netloc + parts.path).rstrip("/") or url
    if parts.query:
        text += "_" + parts.query
    return unquote(text)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


atomic_write = _atomic_write  # for the archive modules: the same crash-safe write


def save_file(workspace: Workspace, record: dict[str, Any], kind: str, suffix: str,
              data: bytes, label: str | None = None) -> dict[str, Any]:
    """Write one evidence file for `record` and add its entry (path, SHA-256, size)."""
    folder = site_folder(workspace, record["site"])
    name = file_stem(record, label or url_label(record["requested_url"] or "page")) + suffix
    path = folder / name
    _atomic_write(path, data)
    entry = {"kind": kind, "path": workspace.relative(path),
             "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    record["files"].append(entry)
    return entry


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def store_records(workspace: Workspace, records: list[dict[str, Any]]) -> int:
    """Store evidence records and link each one that names a question to its answers.

    Returns the number of answers that gained a link.
    """
    from govaudit.store import Store

    if not records:
        return 0
    store = Store(workspace)
    store.add_evidence(records)
    linked = 0
    for record in records:
        if record.get("question"):
            linked += store.link_evidence(record["site"], record["question"], record["id"])
    return linked


def manifest_path(workspace: Workspace, run: str) -> Path:
    return workspace.evidence_dir / f"{MANIFEST_PREFIX}{run}.json"


def write_manifest(workspace: Workspace, run: str, records: list[dict[str, Any]]) -> Path:
    """evidence/manifest-<run>.json with every record, and its own SHA-256 beside it."""
    path = manifest_path(workspace, run)
    body = {"run": run, "workspace": workspace.name, "govaudit": __version__,
            "created": utc_time(), "records": records}
    data = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    _atomic_write(path, data)
    digest = hashlib.sha256(data).hexdigest()
    _atomic_write(path.with_name(path.name + ".sha256"),
                  f"{digest}  {path.name}\n".encode())
    return path


def attach(workspace: Workspace, site: str, question: str, source: Path,
           run: str | None = None) -> dict[str, Any]:
    """Copy a file taken elsewhere (an app or WeChat screenshot) into evidence/ and record it.

    The record is stored, linked to the question's answers, and written to a
    one-record manifest.
    """
    from govaudit.store import Store

    store = Store(workspace)
    store.site(site)  # unknown site: clear error before anything is written
    q = workspace.checklist.question(question)
    if q is None:
        raise GovauditError(f"unknown question {question!r} in checklist "
                            f"{workspace.checklist.id} (see 'govaudit checklist show')")
    source = Path(source)
    if not source.is_file():
        raise GovauditError(f"{source}: no such file")
    run = run or new_run_id()
    record = new_record(run=run, site=site, indicator=q.indicator_id, question=question)
    record["title"] = source.name
    suffix = source.suffix.lower()
    kind = SUFFIX_KINDS.get(suffix, "attachment")
    folder = site_folder(workspace, site)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (file_stem(record, f"attach-{Path(source.name).stem}") + suffix[:16])
    started = datetime.now(UTC)
    fd, tmp = tempfile.mkstemp(prefix=".attach.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        digest, size = sha256_file(Path(tmp))
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise GovauditError(f"{source}: cannot copy into {folder} ({exc.strerror})") from None
    record["files"].append({"kind": kind, "path": workspace.relative(target), "sha256": digest,
                            "bytes": size})
    record["duration_ms"] = int((datetime.now(UTC) - started).total_seconds() * 1000)
    store_records(workspace, [record])
    write_manifest(workspace, run, [record])
    return record


@dataclass
class FileProblem:
    path: str
    problem: str  # "missing" or "changed"
    record: str = ""  # evidence id, or "" for a manifest
    site: str = ""
    expected: str = ""
    actual: str = ""


@dataclass
class VerifyResult:
    files: int = 0
    manifests: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(workspace: Workspace) -> VerifyResult:
    """Re-hash every evidence file and manifest; list the missing and changed ones."""
    from govaudit.store import Store

    result = VerifyResult()
    root = workspace.root
    for record in Store(workspace).evidence():
        for entry in record.get("files", []):
            result.files += 1
            problem = _check(root / entry["path"], entry["sha256"])
            if problem:
                result.problems.append(FileProblem(entry["path"], problem[0], record["id"],
                                                   record.get("site", ""), entry["sha256"],
                                                   problem[1]))
    folder = workspace.evidence_dir
    for sums in sorted(folder.glob(f"{MANIFEST_PREFIX}*.json.sha256")):
        result.manifests += 1
        manifest = sums.with_name(sums.name.removesuffix(".sha256"))
        expected = sums.read_text(encoding="utf-8").split(maxsplit=1)[0] if sums.stat().st_size \
            else ""
        problem = _check(manifest, expected)
        if problem:
            result.problems.append(FileProblem(workspace.relative(manifest), problem[0],
                                               expected=expected, actual=problem[1]))
    for manifest in sorted(folder.glob(f"{MANIFEST_PREFIX}*.json")):
        if not manifest.with_name(manifest.name + ".sha256").exists():
            result.manifests += 1
            result.problems.append(FileProblem(workspace.relative(manifest) + ".sha256",
                                               "missing"))
    return result


def _check(path: Path, expected: str) -> tuple[str, str] | None:
    """None when the file is there with the expected hash, else (problem, actual hash)."""
    if not path.is_file():
        return ("missing", "")
    actual, _ = sha256_file(path)
    return None if actual == expected else ("changed", actual)
